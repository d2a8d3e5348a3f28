"""What one side holds for a date, counted through the config's own entity queries.

``harness process`` runs a side straight against the source schema (no sealed copies), so
an entity query's unqualified tables resolve through the side's schema, then the source.
"""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg import sql

from comparisons import EntitySpec
from comparisons.export import TABLE as EXPORT_TABLE
from comparisons.qualify import bind_date, parse_query, referenced_tables, render
from harness.database import Connection
from harness.source import set_search_path


def entity_counts(
    conn: Connection, entities: tuple[EntitySpec, ...], schema: str, source_schema: str, day: date
) -> dict[str, int | str]:
    """Entity -> its rows on the date; entities over the exported files are left out
    (the export is written to files here, not loaded), a failing query -> its error."""
    counts: dict[str, int | str] = {}
    for spec in entities:
        query = parse_query(spec.query)
        if EXPORT_TABLE in referenced_tables(query):
            continue
        counts[spec.name] = _count(conn, render(bind_date(query, day)), schema, source_schema)
    return counts


def _count(conn: Connection, query: str, schema: str, source_schema: str) -> int | str:
    statement = sql.SQL("SELECT count(*) FROM ({}) AS entity").format(sql.SQL(query))
    try:
        with conn.transaction():
            set_search_path(conn, schema, source_schema)
            row = conn.execute(statement).fetchone()
    except psycopg.Error as exc:
        return f"query failed: {str(exc).splitlines()[0]}"
    return int(row[0]) if row else 0
