"""The tests' PostgreSQL server: reachable with its password, one fresh database per test."""

from __future__ import annotations

import psycopg
import pytest


def test_fresh_database_is_empty_and_takes_writes(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        assert tables == (0,)
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_server_refuses_a_wrong_password(pg_url: str) -> None:
    head, _, tail = pg_url.partition("@")
    wrong = head.rsplit(":", 1)[0] + ":not-the-password@" + tail
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(wrong, connect_timeout=5)


def test_messages_name_a_postgres_database_without_its_password() -> None:
    from workbench.store.factory import describe_store, is_postgres_url

    url = "postgresql://team:s3cr%40t@db.example.org:5433/wb?sslmode=require"
    assert is_postgres_url(url) and is_postgres_url("postgres://x@y/z")
    assert not is_postgres_url("data/workbench.db")
    shown = describe_store(url)
    assert shown == "postgresql://team:***@db.example.org:5433/wb?sslmode=require"
    assert describe_store("postgresql://team@db/wb") == "postgresql://team@db/wb"


def test_a_wrong_password_gives_a_store_error_without_the_password(pg_url: str) -> None:
    from workbench.errors import StoreError
    from workbench.store.factory import open_store

    head, _, tail = pg_url.partition("@")
    wrong = head.rsplit(":", 1)[0] + ":Wr0ng-Secret@" + tail
    with pytest.raises(
        StoreError, match="cannot connect to postgresql://workbench:\\*\\*\\*@"
    ) as err:
        open_store(wrong)
    assert "Wr0ng-Secret" not in str(err.value)
