"""Publishing one side's output of a date into the production books, inside the caller's
transaction (the cutover entry is appended in the same one).

The side's schema holds the books as they stood before the date (copied in as opening
books) plus what its processing did. For each published table, matched on the table's
primary key: rows the side added are inserted, rows it changed are updated (late postings,
re-numbering), and a published row the side no longer has is refused: the books never lose
a row. Values are cast to the books' column types (the shadow may be another layout).
The source table's processing columns (those ``[source] replay`` resets) take the side's
values for the date. Identity sequences of the books move past the rows published.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from importlib.resources import files

import psycopg
from psycopg import sql

from harness.config import SourceConfig
from harness.cutover.settings import CutoverSettings
from harness.database import Connection, first_line
from harness.errors import CutoverError
from harness.manifest import Side
from harness.source import set_search_path

TABLE_COLUMNS = files("harness.sql").joinpath("cutover_table_columns.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    in_key: bool


def columns(conn: Connection, schema: str, table: str) -> list[Column]:
    return [Column(str(n), str(t), bool(k)) for n, t, k in conn.execute(TABLE_COLUMNS, (schema, table))]


def publish(
    conn: Connection,
    books_side: Side,
    side_schema: str,
    books_schema: str,
    settings: CutoverSettings,
    source: SourceConfig,
    day: date,
) -> dict[str, int]:
    """Rows published per table ("<table> updated" for changed rows), source statuses included."""
    published: dict[str, int] = {}
    for table in settings.books:
        try:
            _prepare(conn, books_side, side_schema, books_schema, table)
            inserted, updated = _table(conn, side_schema, books_schema, table, settings.keys.get(table, ()))
        except psycopg.Error as exc:
            raise CutoverError(
                f"its rows of {table} do not fit {books_schema}.{table}: {first_line(exc)}"
            ) from exc
        published[table] = inserted
        if updated:
            published[f"{table} updated"] = updated
    for table, replayed in source.replay.items():
        date_column = source.date_scoped_tables.get(table)
        published[f"{source.schema}.{table}"] = _statuses(
            conn, side_schema, source.schema, table, list(replayed), date_column, day
        )
    return published


def _prepare(conn: Connection, books_side: Side, side_schema: str, books_schema: str, table: str) -> None:
    """The books side's [opening_prepare] for the rows about to arrive (their partitions),
    with those rows as ``harness_opening``: a temporary table, found first by name."""
    prepare = books_side.opening_prepare.get(table)
    if not prepare:
        return
    conn.execute(
        sql.SQL("CREATE TEMPORARY TABLE harness_opening ON COMMIT DROP AS SELECT * FROM {}").format(
            sql.Identifier(side_schema, table)
        )
    )
    set_search_path(conn, books_schema)
    conn.execute(prepare.encode())
    conn.execute("DROP TABLE pg_temp.harness_opening")
    conn.execute("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true)")


def _table(
    conn: Connection, side_schema: str, books_schema: str, table: str, declared: tuple[str, ...]
) -> tuple[int, int]:
    books = columns(conn, books_schema, table)
    if not books:
        raise CutoverError(f"the books have no table {books_schema}.{table}; fix [cutover] books")
    side = {c.name for c in columns(conn, side_schema, table)}
    if declared:
        books = [replace(c, in_key=c.name in declared) for c in books]
    key = [c for c in books if c.in_key]
    if not key or any(c.name not in side for c in key):
        raise CutoverError(
            f"{books_schema}.{table} needs a key both sides' tables have: a primary key, or [cutover] keys"
        )
    shared = [c for c in books if c.name in side]
    target, origin = sql.Identifier(books_schema, table), sql.Identifier(side_schema, table)
    match = sql.SQL(" AND ").join(
        sql.SQL("b.{} = CAST(s.{} AS {})").format(
            sql.Identifier(c.name), sql.Identifier(c.name), sql.SQL(c.type)
        )
        for c in key
    )
    lost = conn.execute(
        sql.SQL("SELECT count(*) FROM {} AS b WHERE NOT EXISTS (SELECT FROM {} AS s WHERE {})").format(
            target, origin, match
        )
    ).fetchone()
    if lost and lost[0]:
        raise CutoverError(
            f"the side no longer has {lost[0]} published row(s) of {table}; the books never lose a row, "
            "so nothing was published"
        )
    return _insert(conn, target, origin, shared, match), _update(conn, target, origin, shared, key, match)


def _cast(c: Column) -> sql.Composable:
    return sql.SQL("CAST(s.{} AS {})").format(sql.Identifier(c.name), sql.SQL(c.type))


def _insert(
    conn: Connection,
    target: sql.Identifier,
    origin: sql.Identifier,
    shared: list[Column],
    match: sql.Composable,
) -> int:
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in shared)
    values = sql.SQL(", ").join(_cast(c) for c in shared)
    cursor = conn.execute(
        sql.SQL(
            "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {} AS s "
            "WHERE NOT EXISTS (SELECT FROM {} AS b WHERE {})"
        ).format(target, names, values, origin, target, match)
    )
    _move_sequences(conn, target)
    return cursor.rowcount


def _update(
    conn: Connection,
    target: sql.Identifier,
    origin: sql.Identifier,
    shared: list[Column],
    key: list[Column],
    match: sql.Composable,
) -> int:
    changing = [c for c in shared if not c.in_key]
    if not changing:
        return 0
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c.name), _cast(c)) for c in changing
    )
    differs = sql.SQL("ROW({}) IS DISTINCT FROM ROW({})").format(
        sql.SQL(", ").join(sql.SQL("b.{}").format(sql.Identifier(c.name)) for c in changing),
        sql.SQL(", ").join(_cast(c) for c in changing),
    )
    cursor = conn.execute(
        sql.SQL("UPDATE {} AS b SET {} FROM {} AS s WHERE {} AND {}").format(
            target, assignments, origin, match, differs
        )
    )
    return cursor.rowcount


def _move_sequences(conn: Connection, target: sql.Identifier) -> None:
    qualified = target.as_string(conn)
    identity = conn.execute(
        "SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = %s::pg_catalog.regclass "
        "AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_catalog.pg_get_serial_sequence(%s, a.attname) IS NOT NULL",
        (qualified, qualified),
    ).fetchall()
    for (column,) in identity:
        conn.execute(
            sql.SQL(
                "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(%s, %s), m) "
                "FROM (SELECT pg_catalog.max({}) AS m FROM {}) AS t WHERE m IS NOT NULL"
            ).format(sql.Identifier(column), target),
            (qualified, column),
        )


def _statuses(
    conn: Connection,
    side_schema: str,
    source_schema: str,
    table: str,
    changed: list[str],
    date_column: str | None,
    day: date,
) -> int:
    source = columns(conn, source_schema, table)
    key = [c for c in source if c.in_key]
    if not key:
        raise CutoverError(
            f"the source table {source_schema}.{table} needs a primary key to publish statuses"
        )
    types = {c.name: c for c in source}
    match = sql.SQL(" AND ").join(
        sql.SQL("t.{} = s.{}").format(sql.Identifier(c.name), sql.Identifier(c.name)) for c in key
    )
    on_date = sql.SQL(" AND t.{} = %s").format(sql.Identifier(date_column)) if date_column else sql.SQL("")
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(n), _cast(types[n])) for n in changed
    )
    cursor = conn.execute(
        sql.SQL("UPDATE {} AS t SET {} FROM {} AS s WHERE {}{}").format(
            sql.Identifier(source_schema, table),
            assignments,
            sql.Identifier(side_schema, table),
            match,
            on_date,
        ),
        (day,) if date_column else None,
    )
    return cursor.rowcount
