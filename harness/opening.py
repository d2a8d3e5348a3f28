"""Opening state: books of earlier dates a side's processing depends on, copied in before
the run's first date, so a replay can start in the middle of history.

``[source] opening`` names tables of the production books (``from_schema``, e.g. the schema
``harness process`` writes) and their business-date column; the rows before the run's
first date go into the same-named table of each side, after its install. The harness
stages them in a table of its own in the side's schema; the side's own session copies them
into its table (so any trigger of the side runs as the side, never as the harness) and
moves its identity sequences past them. Both sides get the same rows, fingerprinted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
from psycopg import sql

from harness.database import Connection, first_line
from harness.errors import IsolationError
from harness.fingerprint import fingerprint
from harness.isolation import SideSpace
from harness.source import set_search_path
from harness.source_config import OpeningTable

STAGED = "harness_opening"
COLUMNS = """
SELECT a.attname FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
"""
IDENTITY_COLUMNS = """
SELECT a.attname FROM pg_catalog.pg_attribute a
WHERE a.attrelid = %s::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped
  AND (a.attidentity <> '' OR pg_catalog.pg_get_serial_sequence(%s, a.attname) IS NOT NULL)
"""


def stage(admin: Connection, space: SideSpace, opening: OpeningTable, first: date) -> dict[str, Any]:
    """The production rows before ``first`` staged in the side's schema; their fingerprint."""
    staged = sql.Identifier(space.schema, STAGED)
    origin = sql.Identifier(opening.from_schema, opening.table)
    try:
        with admin.transaction():
            admin.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(staged))
            if opening.date_column:
                admin.execute(
                    sql.SQL("CREATE TABLE {} AS SELECT * FROM {} WHERE {} < %s").format(
                        staged, origin, sql.Identifier(opening.date_column)
                    ),
                    (first,),
                )
            else:  # the whole table: the cutover's books hold only dates before this one
                admin.execute(sql.SQL("CREATE TABLE {} AS SELECT * FROM {}").format(staged, origin))
            if space.role:
                admin.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(staged, sql.Identifier(space.role)))
    except psycopg.Error as exc:
        raise IsolationError(
            f"cannot read the opening books {opening.from_schema}.{opening.table}: {first_line(exc)}; "
            "fix [source] opening in the config"
        ) from exc
    return fingerprint(admin, space.schema, STAGED).to_dict()


def shared_columns(admin: Connection, space: SideSpace, table: str) -> list[str]:
    side = [str(r[0]) for r in admin.execute(COLUMNS, (space.schema, table)).fetchall()]
    staged = {str(r[0]) for r in admin.execute(COLUMNS, (space.schema, STAGED)).fetchall()}
    return [c for c in side if c in staged]


def load(side: Connection, space: SideSpace, table: str, columns: list[str]) -> None:
    """On the side's own session: the staged rows into its table, its sequences past them."""
    target = sql.Identifier(table)
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    with side.transaction():
        set_search_path(side, space.schema)
        prepare = space.side.opening_prepare.get(table)
        if prepare:
            side.execute(prepare.encode())
        side.execute(
            sql.SQL("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}").format(
                target, names, names, sql.Identifier(STAGED)
            )
        )
        qualified = sql.Identifier(space.schema, table).as_string(side)
        for (column,) in side.execute(IDENTITY_COLUMNS, (qualified, qualified)).fetchall():
            side.execute(
                sql.SQL(
                    "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(%s, %s), m) FROM "
                    "(SELECT pg_catalog.max({}) AS m FROM {}) AS t WHERE m IS NOT NULL"
                ).format(sql.Identifier(column), target),
                (qualified, column),
            )


def unstage(admin: Connection, space: SideSpace) -> None:
    admin.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(space.schema, STAGED)))
