"""Whether the catalog proves a side query's key unique, so stage 1 may skip looking for a
key the side repeats (comparisons.buckets).

Proven only for the plainest shape: one ordinary or partitioned table (no inheritance
children, no view), no join, grouping, DISTINCT, set operation or CTE, each key column a
plain column of that table (not cast to text), and a unique, valid, immediate index on a
subset of those columns, with no expressions and no predicate, whose columns are NOT NULL
or which treats NULLs as not distinct. Anything else is not proven and is checked.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import psycopg
from sqlglot import exp

from comparisons.connection import Connection
from comparisons.plan import Plan

UNIQUE_INDEX_FILE = "sql/unique_index.sql"
SHAPES = ("joins", "group", "having", "distinct", "with_", "qualify", "windows", "laterals")


def _source_table(query: exp.Query) -> exp.Table | None:
    if not isinstance(query, exp.Select) or any(query.args.get(k) for k in SHAPES):
        return None
    source = query.args.get("from_")
    table = source.this if source is not None else None
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier) or not table.db:
        return None
    return table


def _key_columns(query: exp.Select, plan: Plan) -> list[str] | None:
    """The table column each key column reads, or None when one is not a plain column."""
    star = any(isinstance(p, exp.Star) for p in query.expressions)
    named = {p.alias_or_name: p.unalias() for p in query.expressions if not isinstance(p, exp.Star)}
    if any(not isinstance(p, (exp.Column, exp.Star)) for p in named.values()):
        return None  # a function in the select list may return a set: nothing is proven
    columns = []
    for key in plan.key:
        source = named.get(key.name)
        if not key.native or (source is None and not star):
            return None
        columns.append(source.name if isinstance(source, exp.Column) else key.name)
    return columns


@cache
def _unique_index_sql() -> str:
    return files("comparisons").joinpath(UNIQUE_INDEX_FILE).read_text(encoding="utf-8")


def key_is_unique(conn: Connection, query: exp.Query, plan: Plan) -> bool:
    table = _source_table(query)
    if table is None:
        return False
    assert isinstance(query, exp.Select)
    columns = _key_columns(query, plan)
    if columns is None:
        return False
    statement = _unique_index_sql()
    try:
        with conn.transaction():  # a savepoint: a failure here leaves the comparison's session as it was
            row = conn.execute(statement, (table.db, table.name, columns)).fetchone()
    except psycopg.Error:
        return False  # not proven; the check runs
    return bool(row and row[0])
