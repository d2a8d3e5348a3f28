"""``harness source snapshot``: copy named tables of a team's own server into the harness
database, in one transaction, and prove both sides hold the same rows.

Each table is created with the source's column names, types (``format_type``), NOT NULL
and primary key, then its rows are streamed from ``COPY (SELECT ...) TO STDOUT`` on the
source into ``COPY ... FROM STDIN`` here in binary, chunk by chunk (no temporary files).
The source is read in one read-only repeatable-read transaction, so the fingerprints
computed on both servers afterwards see the rows that were copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import IsolationLevel, sql
from psycopg.conninfo import conninfo_to_dict

from harness.database import Connection, first_line, pin_session, redact
from harness.errors import DatabaseUnavailable, SourceError
from harness.fingerprint import Fingerprint, fingerprint
from harness.source import sql_file
from harness.source.loading import create_schema, tables_in

NOTHING = "nothing was copied"


@dataclass(frozen=True)
class TableCopy:
    """One copied table: its rows, and its fingerprint here and on the source server."""

    table: str
    rows: int
    local: Fingerprint
    remote: Fingerprint

    @property
    def matches(self) -> bool:
        return self.local == self.remote


def describe(uri: str) -> str:
    """The source server as it may be printed: user, host, port and database, never a password."""
    try:
        parts = conninfo_to_dict(uri)
    except psycopg.Error:
        return "--from-dsn"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"{user}{parts.get('host') or 'localhost'}{port}/{parts.get('dbname') or ''}"


def connect_source(uri: str) -> Connection:
    """A connection to the team's server, or one line that says why not (and no password)."""
    try:
        parts = conninfo_to_dict(uri)
    except psycopg.Error:
        raise DatabaseUnavailable(  # from None: libpq's message may quote the password
            "--from-dsn is not a PostgreSQL connection string; write it as "
            "postgresql://user@host:port/dbname (a password after the user, or in PGPASSWORD)"
        ) from None
    if "@" in str(parts.get("host") or ""):  # postgresql://me:p@ss@host: the rest of a password
        raise DatabaseUnavailable(
            "--from-dsn has an '@' in its host name; write an '@' in the password as %40"
        )
    password = str(parts.get("password") or "")
    try:  # not harness.database.connect: a team's server may run a PostgreSQL older than 15
        conn = psycopg.connect(uri, autocommit=True, connect_timeout=10)
        pin_session(conn)
    except psycopg.Error as exc:
        reason = redact(first_line(exc))
        if password:
            reason = reason.replace(password, "***")
        raise DatabaseUnavailable(
            f"cannot connect to the source server {describe(uri)} (--from-dsn): {reason}; "
            "check the URL, the server and the password"
        ) from None
    conn.isolation_level = IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    return conn


def snapshot(
    local: Connection, uri: str, tables: list[str], from_schema: str, schema: str, replace: bool
) -> list[TableCopy]:
    """Copy ``from_schema``'s ``tables`` of the server at ``uri`` into ``schema``: all or nothing."""
    with connect_source(uri) as remote, remote.transaction(), local.transaction():
        _refuse_itself(local, remote, from_schema, schema)
        create_schema(local, schema)
        existing = set(tables_in(local, schema))
        copies = []
        for table in tables:
            if table in existing:
                _drop_existing(local, schema, table, replace)
            copies.append(_copy_table(remote, local, table, from_schema, schema))
        differing = [c for c in copies if not c.matches]
        if differing:
            names = ", ".join(f"{c.table} ({c.remote} there, {c.local} here)" for c in differing)
            raise SourceError(
                f"the copy differs from the source server for {names}; {NOTHING}: check that both "
                "servers run the same PostgreSQL version and settings, then run again"
            )
        return copies


def _refuse_itself(local: Connection, remote: Connection, from_schema: str, schema: str) -> None:
    """Copying a schema onto itself would drop the tables it reads (and wait on its own lock)."""
    if from_schema != schema:
        return
    row = remote.execute("SELECT pg_backend_pid(), current_database()").fetchone()
    assert row is not None
    same_session = "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND datname = current_database()"
    itself = local.execute(same_session + " AND datname = %s", (row[0], row[1])).fetchone()
    if itself and itself[0]:
        raise SourceError(
            f"--from-dsn is the harness database itself and --from-schema is --schema ({schema!r}); "
            f"copy into another --schema; {NOTHING}"
        )


def _drop_existing(local: Connection, schema: str, table: str, replace: bool) -> None:
    if not replace:
        raise SourceError(
            f"table {schema}.{table} already exists in the harness database; pass --replace to copy it "
            f"again, or name another --schema; {NOTHING}"
        )
    try:
        local.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(schema, table)))
    except psycopg.Error as exc:
        raise SourceError(f"cannot replace {schema}.{table}: {first_line(exc)}; {NOTHING}") from exc


def _copy_table(
    remote: Connection, local: Connection, table: str, from_schema: str, schema: str
) -> TableCopy:
    source = f"{from_schema}.{table} on the source server"
    try:
        columns = remote.execute(sql_file("snapshot_columns.sql"), {"schema": from_schema, "table": table})
        described = columns.fetchall()
        key = remote.execute(sql_file("snapshot_primary_key.sql"), {"schema": from_schema, "table": table})
        primary_key = key.fetchone()
    except psycopg.Error as exc:
        raise SourceError(f"cannot read {source}: {first_line(exc)}; {NOTHING}") from exc
    if not described:
        raise SourceError(f"there is no table {source}; check --tables and --from-schema; {NOTHING}")
    _create_table(local, schema, table, described, list(primary_key[0]) if primary_key else [])
    names = sql.SQL(", ").join(sql.Identifier(str(c[0])) for c in described)
    out = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT binary)").format(
        names, sql.Identifier(from_schema, table)
    )
    into = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(sql.Identifier(schema, table), names)
    try:
        with remote.cursor() as reading, local.cursor() as writing:
            with reading.copy(out) as rows_out, writing.copy(into) as rows_in:
                for chunk in rows_out:
                    rows_in.write(chunk)
            rows = writing.rowcount
        return TableCopy(
            table, rows, fingerprint(local, schema, table), fingerprint(remote, from_schema, table)
        )
    except psycopg.Error as exc:
        raise SourceError(f"copying {source} failed: {first_line(exc)}; {NOTHING}") from exc


def _create_table(
    local: Connection, schema: str, table: str, columns: list[tuple[Any, ...]], primary_key: list[str]
) -> None:
    definitions = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(str(name)), sql.SQL(str(type_name)), sql.SQL(" NOT NULL" if not_null else "")
        )
        for name, type_name, not_null in columns
    ]
    if primary_key:
        keys = sql.SQL(", ").join(sql.Identifier(k) for k in primary_key)
        definitions.append(sql.SQL("PRIMARY KEY ({})").format(keys))
    statement = sql.SQL("CREATE TABLE {} ({})").format(
        sql.Identifier(schema, table), sql.SQL(", ").join(definitions)
    )
    try:
        local.execute(statement)
    except psycopg.Error as exc:
        raise SourceError(
            f"cannot create {schema}.{table} as on the source server: {first_line(exc)}; create the "
            f"types it uses first (harness source load of a .sql file); {NOTHING}"
        ) from exc
