"""The source schema the job reads: tables per domain.md and the shared reference data."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

import psycopg
from psycopg import sql

from harness.errors import InvalidInput, SourceError

DEFAULT_SCHEMA = "source"
TABLES = (
    "ledger",
    "accounting_period",
    "broker",
    "policy",
    "tax_rate",
    "fx_rate",
    "account",
    "posting_rule",
    "insurance_transaction",
)


def sql_file(name: str) -> str:
    """One of the SQL files shipped with this package (schema.sql, reference.sql, seed_log.sql)."""
    return files("harness.source").joinpath(name).read_text(encoding="utf-8")


def source_exists(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchone()
    return bool(row and int(str(row[0])) > 0)


def install_source(conn: psycopg.Connection[tuple[object, ...]], schema: str = DEFAULT_SCHEMA) -> None:
    """Create ``schema`` with the source tables and the reference data, in one transaction."""
    with conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        set_search_path(conn, schema)
        conn.execute(sql_file("schema.sql").encode())
        conn.execute(sql_file("reference.sql").encode())
        conn.execute("SET LOCAL search_path TO DEFAULT")


def ensure_source(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> bool:
    """Install the source schema unless present; True when it was installed now."""
    if source_exists(conn, schema):
        check_source(conn, schema)
        return False
    install_source(conn, schema)
    return True


def check_source(
    conn: psycopg.Connection[tuple[object, ...]],
    schema: str,
    tables: tuple[str, ...] = TABLES,
    hint: str = "drop it or name another schema with --source-schema",
) -> None:
    """``schema`` holds every one of ``tables`` (the bundled job's by default), else one line."""
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchall()
    missing = sorted(set(tables) - {str(r[0]) for r in rows})
    if missing:
        raise SourceError(f"schema {schema!r} lacks the source table(s) {', '.join(missing)}; {hint}")


def set_search_path(conn: psycopg.Connection[tuple[object, ...]], *schemas: str, local: bool = True) -> None:
    """Point unqualified names at ``schemas`` (for the transaction only when ``local``)."""
    verb = sql.SQL("SET LOCAL" if local else "SET")
    names = sql.SQL(", ").join(sql.Identifier(s) for s in schemas)
    conn.execute(sql.SQL("{} search_path TO {}").format(verb, names))


def dates_present(
    conn: psycopg.Connection[tuple[object, ...]],
    schema: str,
    table: str,
    column: str,
    dates: list[date],
    hint: str = "seed the source first (harness seed) or run with --demo",
) -> list[date]:
    """Which of ``dates`` have rows in the date-scoped table ``schema.table``."""
    query = sql.SQL("SELECT DISTINCT {} FROM {} WHERE {} = ANY(%s)").format(
        sql.Identifier(column), sql.Identifier(schema, table), sql.Identifier(column)
    )
    try:
        return [r[0] for r in conn.execute(query, (dates,))]  # type: ignore[misc]
    except psycopg.errors.UndefinedTable as exc:
        raise InvalidInput(f"source table {schema}.{table} does not exist; {hint}") from exc


def rows_on_date(
    conn: psycopg.Connection[tuple[object, ...]], schema: str, table: str, column: str, day: date
) -> int:
    """How many rows of ``schema.table`` have ``column`` = ``day``."""
    query = sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(
        sql.Identifier(schema, table), sql.Identifier(column)
    )
    row = conn.execute(query, (day,)).fetchone()
    return int(str(row[0])) if row else 0
