"""Isolate each side of a run: its own schema, its own copy of the source, its own login.

1. A LOGIN role per side and run, with a random password that is never recorded, owning
   the side's schema and nothing else; the side's SQL runs only on connections logged in
   as that role (harness.side_execution), so there is no more privileged role to return to.
2. The source tables copied into the schema (date-scoped ones for the run's dates only),
   each copy with its own sequences, then fingerprinted; both sides must get equal input.
3. A reader role per run (harness.reader) that may only SELECT from the two side schemas:
   the comparison runs as it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from psycopg import sql

from harness.database import Connection, Database
from harness.errors import IsolationError
from harness.fingerprint import Fingerprint, fingerprint
from harness.manifest import Side
from harness.source_config import SourceConfig

COPY_TABLE = sql.SQL(
    "CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES "
    "INCLUDING IDENTITY INCLUDING GENERATED)"
)
# Columns whose default draws from a sequence; LIKE would keep pointing at the source's.
SERIAL_COLUMNS = """
SELECT a.attname, pg_get_expr(d.adbin, d.adrelid)
FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
WHERE d.adrelid = %s::regclass AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%'
"""


def new_password() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Login:
    """A role the harness creates for one run, and its password (never recorded or shown)."""

    role: str
    password: str = field(default_factory=new_password, repr=False, compare=False)


@dataclass(frozen=True)
class SideSpace:
    """Where one side of a run lives: its schema and (with isolation) its login role."""

    label: str
    side: Side
    schema: str
    login: Login | None
    # the server the side runs on (harness.servers); None: the harness's own database
    server: Database | None = field(default=None, compare=False)

    @property
    def role(self) -> str | None:
        return self.login.role if self.login else None

    def database(self, default: Database) -> Database:
        return self.server or default

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "side": self.side.name, "schema": self.schema, "role": self.role}


def side_space(
    run_id: str, label: str, side: Side, isolate: bool, server: Database | None = None
) -> SideSpace:
    schema = f"run_{run_id}_{label}"
    return SideSpace(label, side, schema, Login(f"harness_{schema}") if isolate else None, server)


def reader_login(run_id: str) -> Login:
    return Login(f"harness_run_{run_id}_reader")


def check_role_privilege(conn: Connection) -> None:
    row = conn.execute(
        "SELECT rolsuper OR rolcreaterole, current_user FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not row or not row[0]:
        user = row[1] if row else "this user"
        raise IsolationError(
            f"user {user!r} may not create roles, which role isolation needs (CREATEROLE or "
            "superuser); grant CREATEROLE, or pass --no-role-isolation to run without it "
            "(the report then says the sides were not isolated)"
        )


CREATE_LOGIN = sql.SQL(
    "CREATE ROLE {role} LOGIN PASSWORD {password} NOSUPERUSER NOCREATEDB NOCREATEROLE "
    "NOREPLICATION NOBYPASSRLS NOINHERIT"
)


def create_login(conn: Connection, login: Login) -> None:
    """Create the role; the harness's user becomes a member only so it can drop it later."""
    role = sql.Identifier(login.role)
    conn.execute(CREATE_LOGIN.format(role=role, password=sql.Literal(login.password)))
    conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))
    database = conn.execute("SELECT current_database()").fetchone()
    assert database is not None
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database[0]), role))
    # roles are the server's, not the database's: say whose this one is (for db clean, audits)
    comment = sql.Literal(f"harness run role, database {database[0]}")
    conn.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(role, comment))
    track_functions(conn, role)


def track_functions(conn: Connection, role: sql.Identifier) -> None:
    """Have the server count the side's function calls and times in its sessions (the
    report's function statistics); a harness user that may not set it goes without."""
    try:
        with conn.transaction():
            conn.execute(sql.SQL("ALTER ROLE {} SET track_functions = 'pl'").format(role))
    except psycopg.errors.InsufficientPrivilege:
        pass


def create_space(conn: Connection, space: SideSpace) -> None:
    with conn.transaction():
        owner: sql.Composable = sql.SQL("")
        if space.login:
            create_login(conn, space.login)
            owner = sql.SQL(" AUTHORIZATION {}").format(sql.Identifier(space.login.role))
        conn.execute(sql.SQL("CREATE SCHEMA {}{}").format(sql.Identifier(space.schema), owner))


def copy_source(
    conn: Connection, space: SideSpace, source: SourceConfig, dates: list[date]
) -> dict[str, Fingerprint]:
    """Copy every source table into the side's schema; fingerprints by table."""
    prints = {}
    with conn.transaction():
        for table in source.tables:
            date_column = source.date_scoped_tables.get(table)
            _copy_table(conn, source.schema, space, table, date_column, dates, source.replay.get(table, {}))
            prints[table] = fingerprint(conn, space.schema, table)
    for table in source.tables:
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(space.schema, table)))
    return prints


def _copy_table(
    conn: Connection,
    source_schema: str,
    space: SideSpace,
    table: str,
    date_column: str | None,
    dates: list[date],
    replay: dict[str, str],
) -> None:
    target, origin = sql.Identifier(space.schema, table), sql.Identifier(source_schema, table)
    try:
        conn.execute(COPY_TABLE.format(target, origin))
    except psycopg.errors.UndefinedTable as exc:
        raise IsolationError(
            f"source table {source_schema}.{table} does not exist; load it into schema "
            f"{source_schema!r} first or fix [source] in the config"
        ) from exc
    where: sql.Composable = sql.SQL("")
    if date_column:
        where = sql.SQL(" WHERE {} = ANY(%(dates)s)").format(sql.Identifier(date_column))
    conn.execute(
        sql.SQL("INSERT INTO {} OVERRIDING SYSTEM VALUE SELECT * FROM {}{}").format(target, origin, where),
        {"dates": dates},
    )
    finish_copy(conn, space, table, replay)


def finish_copy(
    conn: Connection, space: SideSpace, table: str, replay: dict[str, str], serials: list[str] | None = None
) -> None:
    """The copy put back as it was before processing, with sequences of its own (``serials``,
    or the columns whose default draws from one), owned by the side."""
    _replay(conn, space, table, replay)
    qualified = sql.Identifier(space.schema, table)
    if serials is None:
        found = conn.execute(SERIAL_COLUMNS, (qualified.as_string(conn),)).fetchall()
        serials = [str(column) for column, _default in found]
    for column in serials:
        _own_sequence(conn, space.schema, table, column)
    if space.role:
        conn.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(qualified, sql.Identifier(space.role)))


def _replay(conn: Connection, space: SideSpace, table: str, columns: dict[str, str]) -> None:
    """Put the copy back as it was before processing (the config's trusted SQL expressions)."""
    if not columns:
        return
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.SQL(e)) for c, e in columns.items()
    )
    conn.execute(sql.SQL("UPDATE {} SET {}").format(sql.Identifier(space.schema, table), assignments))


def _own_sequence(conn: Connection, schema: str, table: str, column: str) -> None:
    qualified = sql.Identifier(schema, table)
    sequence = sql.Identifier(schema, f"{table}_{column}_seq")
    conn.execute(
        sql.SQL("CREATE SEQUENCE {} OWNED BY {}.{}").format(sequence, qualified, sql.Identifier(column))
    )
    conn.execute(
        sql.SQL("SELECT setval({}, coalesce(max({}), 0) + 1, false) FROM {}").format(
            sql.Literal(sequence.as_string(conn)), sql.Identifier(column), qualified
        )
    )
    conn.execute(
        sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT nextval({})").format(
            qualified, sql.Identifier(column), sql.Literal(sequence.as_string(conn))
        )
    )


def check_same_input(control: dict[str, Fingerprint], candidate: dict[str, Fingerprint]) -> None:
    for table, printed in control.items():
        if candidate.get(table) != printed:
            raise IsolationError(
                f"the two sides received different copies of {table} ({printed} vs "
                f"{candidate.get(table)}); is something writing to the source during the run?"
            )


def drop_space(conn: Connection, space: SideSpace) -> None:
    """Drop the side's schema and role; missing ones are fine (cleanup after a failure)."""
    if space.role:
        end_sessions(conn, space.role)  # a session still ending (a timed-out phase) holds locks
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(space.schema)))
    if space.role:
        drop_login(conn, space.role)


def drop_login(conn: Connection, role: str) -> None:
    """Drop a run's role after ending its sessions (a side may have left one open)."""
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
        return
    end_sessions(conn, role)
    identifier = sql.Identifier(role)
    conn.execute(sql.SQL("DROP OWNED BY {}").format(identifier))
    conn.execute(sql.SQL("DROP ROLE {}").format(identifier))


def end_sessions(conn: Connection, role: str) -> None:
    """End the role's sessions, waiting (up to 10 s each) until they are gone."""
    conn.execute(
        "SELECT pg_catalog.pg_terminate_backend(pid, 10000) FROM pg_catalog.pg_stat_activity "
        "WHERE usename = %s AND pid <> pg_catalog.pg_backend_pid()",
        (role,),
    )
