"""Publishing one side's output of a date into the production books, inside the caller's
transaction (the cutover entry is appended in the same one).

The side's schema holds the books as they stood before the date (copied in as opening
books) plus what its processing did. For each published table, matched on its key (the
primary key, or ``[cutover] keys``; every side row keyed once, none NULL): rows the side
added are inserted, rows it changed are updated (late postings, re-numbering), a published
row the side no longer has is refused (the books never lose a row), and so is a row dated
after the date. A value whose type differs from the books' column is cast to it (the
shadow may be another layout); one of the same type is copied as is. The source table's
processing columns (those ``[source] replay`` resets) take the side's values for the date.
Identity sequences of the books move forward past the rows published, never back.
"""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg import sql

from harness.cutover.checks import Column, check_side_rows, columns, keyed
from harness.cutover.settings import CutoverSettings
from harness.database import Connection, first_line
from harness.errors import CutoverError
from harness.manifest import Side
from harness.source import set_search_path
from harness.source_config import SourceConfig

Typed = dict[str, str]  # the side's column -> its type


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
    date_column = next(iter(source.date_scoped_tables.values()), None)
    for table in settings.books:
        try:
            _prepare(conn, books_side, side_schema, books_schema, table)
            inserted, updated = _table(
                conn, (side_schema, books_schema, table), settings.keys.get(table, ()), date_column, day
            )
        except psycopg.Error as exc:
            raise CutoverError(
                f"its rows of {table} do not fit {books_schema}.{table}: {first_line(exc)}"
            ) from exc
        published[table] = inserted
        if updated:
            published[f"{table} updated"] = updated
    for table, replayed in source.replay.items():
        published[f"{source.schema}.{table}"] = _statuses(
            conn, side_schema, source, table, list(replayed), day
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
    conn: Connection,
    names: tuple[str, str, str],
    declared: tuple[str, ...],
    date_column: str | None,
    day: date,
) -> tuple[int, int]:
    side_schema, books_schema, table = names
    books = columns(conn, books_schema, table)
    if not books:
        raise CutoverError(f"the books have no table {books_schema}.{table}; fix [cutover] books")
    side: Typed = {c.name: c.type for c in columns(conn, side_schema, table)}
    books = keyed(books, set(side), declared, f"{books_schema}.{table}")
    key = [c for c in books if c.in_key]
    target, origin = sql.Identifier(books_schema, table), sql.Identifier(side_schema, table)
    dated = date_column if date_column in side else None
    check_side_rows(conn, origin, [c.name for c in key], dated, day, table)
    shared = [c for c in books if c.name in side]
    match = sql.SQL(" AND ").join(
        sql.SQL("b.{} = {}").format(sql.Identifier(c.name), _value(c, side)) for c in key
    )
    lost = conn.execute(
        sql.SQL("SELECT count(*) FROM {} AS b WHERE NOT EXISTS (SELECT FROM {} AS s WHERE {})").format(
            target, origin, match
        )
    ).fetchone()
    if lost and lost[0]:
        raise CutoverError(
            f"the side no longer has {lost[0]} published row(s) of {table}; the books never lose a row"
        )
    return _insert(conn, target, origin, shared, side, match), _update(
        conn, target, origin, shared, side, match
    )


def _value(c: Column, side: Typed) -> sql.Composable:
    """The side's value for the books column: as is when the types agree (no silent
    truncation or rounding), else cast to the books' type."""
    if side.get(c.name) == c.type:
        return sql.SQL("s.{}").format(sql.Identifier(c.name))
    return sql.SQL("CAST(s.{} AS {})").format(sql.Identifier(c.name), sql.SQL(c.type))


def _insert(
    conn: Connection,
    target: sql.Identifier,
    origin: sql.Identifier,
    shared: list[Column],
    side: Typed,
    match: sql.Composable,
) -> int:
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in shared)
    values = sql.SQL(", ").join(_value(c, side) for c in shared)
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
    side: Typed,
    match: sql.Composable,
) -> int:
    changing = [c for c in shared if not c.in_key]
    if not changing:
        return 0
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c.name), _value(c, side)) for c in changing
    )
    differs = sql.SQL("ROW({}) IS DISTINCT FROM ROW({})").format(
        sql.SQL(", ").join(sql.SQL("b.{}").format(sql.Identifier(c.name)) for c in changing),
        sql.SQL(", ").join(_value(c, side) for c in changing),
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
                "SELECT pg_catalog.setval(q.seq, t.m) FROM "
                "(SELECT pg_catalog.pg_get_serial_sequence(%s, %s)::pg_catalog.regclass AS seq) AS q, "
                "(SELECT pg_catalog.max({}) AS m FROM {}) AS t "
                "WHERE t.m > coalesce(pg_catalog.pg_sequence_last_value(q.seq), 0)"
            ).format(sql.Identifier(column), target),
            (qualified, column),
        )


def _statuses(
    conn: Connection, side_schema: str, source: SourceConfig, table: str, changed: list[str], day: date
) -> int:
    date_column = source.date_scoped_tables.get(table)
    if date_column is None:
        raise CutoverError(
            f"[source] replay names {table}, which is not date-scoped: its statuses are not a date's"
        )
    found = columns(conn, source.schema, table)
    key = [c for c in found if c.in_key]
    types = {c.name: c for c in found}
    if not key or any(n not in types for n in changed):
        raise CutoverError(
            f"{source.schema}.{table} needs a primary key and the columns [source] replay names "
            "to publish statuses"
        )
    match = sql.SQL(" AND ").join(
        sql.SQL("t.{} = s.{}").format(sql.Identifier(c.name), sql.Identifier(c.name)) for c in key
    )
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = CAST(s.{} AS {})").format(sql.Identifier(n), sql.Identifier(n), sql.SQL(types[n].type))
        for n in changed
    )
    cursor = conn.execute(
        sql.SQL("UPDATE {} AS t SET {} FROM {} AS s WHERE {} AND t.{} = %s").format(
            sql.Identifier(source.schema, table),
            assignments,
            sql.Identifier(side_schema, table),
            match,
            sql.Identifier(date_column),
        ),
        (day,),
    )
    return cursor.rowcount
