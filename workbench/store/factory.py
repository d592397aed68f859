"""Which store a ``--db`` value or ``WORKBENCH_DB`` names: a SQLite file or a PostgreSQL URL.

Kept apart from both stores so that deciding (and describing the database in a message)
imports neither driver: commands that never open the store stay light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(value: object) -> bool:
    """Whether ``value`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return isinstance(value, str) and value.strip().lower().startswith(SCHEMES)


def describe_store(db: Path | str) -> str:
    """How messages name the database: the file, or the URL without its password."""
    if not is_postgres_url(db):
        return str(db)
    from workbench.store.postgres import redact_url

    return redact_url(str(db))


def open_store(db: Path | str, *, create: bool = True) -> Any:
    """Open the store ``db`` names: :class:`~workbench.store.postgres.PostgresStore` for a
    ``postgresql://`` URL, else the SQLite :class:`~workbench.store.sqlite.Store` (default)."""
    if is_postgres_url(db):
        from workbench.store.postgres import PostgresStore

        return PostgresStore(str(db).strip(), create=create)
    from workbench.store.sqlite import Store

    return Store(db, create=create)
