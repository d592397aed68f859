"""A real PostgreSQL server for the tests: the one named by ``WORKBENCH_TEST_PG``, or a
throwaway cluster made here from Debian's ``postgresql`` package.

The throwaway cluster lives in a temporary folder owned by the ``postgres`` user (initdb
refuses to run as root), listens on 127.0.0.1 on a free port with its socket in that folder,
and has one role with a password and one database. :meth:`PgServer.stop` stops it and
removes the folder. Each test that needs an empty database asks :meth:`PgServer.fresh_db`
for one, so tests never see each other's tables.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ENV_URL = "WORKBENCH_TEST_PG"
PG_ROOTS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
SERVICE_USER = "postgres"


class PgUnavailable(RuntimeError):
    """No PostgreSQL server can be had: the reason says what is missing."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin_dir() -> Path:
    for candidate in PG_ROOTS:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise PgUnavailable(
        "no PostgreSQL server binaries under /usr/lib/postgresql; install Debian's "
        f"`postgresql` package or set {ENV_URL} to a postgresql:// URL"
    )


def _as_service_user(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` as the ``postgres`` user when we are root, else as ourselves."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", SERVICE_USER, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def _with_db(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(dbname)))


@dataclass
class PgServer:
    """A reachable PostgreSQL server with a role that may create databases."""

    url: str
    """``postgresql://USER:PASSWORD@127.0.0.1:PORT/DB`` of the server's first database."""
    folder: Path | None = None
    """The throwaway cluster's folder, or None for a server given by ``WORKBENCH_TEST_PG``."""
    bin_dir: Path | None = None
    _made: list[str] = field(default_factory=list)

    @classmethod
    def start(cls) -> PgServer:
        """The server from ``WORKBENCH_TEST_PG``, else a new throwaway cluster."""
        given = os.environ.get(ENV_URL)
        if given:
            import psycopg

            try:
                psycopg.connect(given, connect_timeout=10).close()
            except psycopg.Error as exc:
                message = f"{ENV_URL} names a server that cannot be reached: {exc}"
                raise PgUnavailable(message) from None
            return cls(url=given)
        return cls._throwaway()

    @classmethod
    def _throwaway(cls) -> PgServer:
        bin_dir = _bin_dir()
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                raise PgUnavailable(
                    f"running as root and there is no {SERVICE_USER!r} user to run initdb as"
                ) from None
        folder = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
        if os.geteuid() == 0:
            os.chown(folder, account.pw_uid, account.pw_gid)
        folder.chmod(0o700)
        data = folder / "data"
        user, password, dbname = "workbench", secrets.token_urlsafe(18), "workbench"
        pwfile = folder / "pw"
        pwfile.write_text(password + "\n")
        if os.geteuid() == 0:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        pwfile.chmod(0o600)
        server = cls(url="", folder=folder, bin_dir=bin_dir)
        try:
            done = _as_service_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    user,
                    "--pwfile",
                    str(pwfile),
                    "-A",
                    "scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale",
                    "C.UTF-8",
                    "--no-sync",
                ]
            )
            pwfile.unlink()
            if done.returncode:
                raise PgUnavailable(f"initdb failed: {done.stderr.strip()[-500:]}")
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                " -c max_connections=60"
            )
            done = _as_service_user(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(folder / "log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ]
            )
            if done.returncode:
                log = (
                    (folder / "log").read_text(errors="replace")
                    if (folder / "log").exists()
                    else ""
                )
                raise PgUnavailable(f"the server did not start: {done.stderr.strip()} {log[-500:]}")
            base = f"postgresql://{user}:{quote(password, safe='')}@127.0.0.1:{port}/postgres"
            server.url = _with_db(base, "postgres")
            server._create_database(dbname)
            server.url = _with_db(base, dbname)
            return server
        except BaseException:
            server.stop()
            raise

    def _admin(self) -> object:
        import psycopg

        return psycopg.connect(_with_db(self.url, "postgres"), autocommit=True)

    def _create_database(self, dbname: str) -> None:
        import psycopg
        from psycopg import sql

        deadline = time.monotonic() + 30
        while True:
            try:
                with self._admin() as conn:  # type: ignore[attr-defined]
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def fresh_db(self) -> str:
        """A new empty database on this server; returns its URL."""
        dbname = "wb_" + secrets.token_hex(6)
        self._create_database(dbname)
        self._made.append(dbname)
        return _with_db(self.url, dbname)

    def drop_databases(self) -> None:
        """Drop the databases :meth:`fresh_db` made (on a given server, ours only)."""
        from psycopg import sql

        if not self._made:
            return
        with self._admin() as conn:  # type: ignore[attr-defined]
            for dbname in self._made:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(dbname)
                    )
                )
        self._made.clear()

    def stop(self) -> None:
        """Stop a throwaway cluster and remove its folder; on a given server drop our databases."""
        if self.folder is None:
            with contextlib.suppress(Exception):  # the server may be gone already
                self.drop_databases()
            return
        data = self.folder / "data"
        if self.bin_dir is not None and (data / "postmaster.pid").exists():
            _as_service_user(
                [str(self.bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
