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
