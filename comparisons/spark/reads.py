"""What Spark reads of each side: the rows' keys and canonical values, in partitions.

Each side's server turns its rows into text before they travel: the key, and every
compared column in the canonical form the cross-server digests use (comparisons.canonical:
numbers through trim_scale, JSON as canonical jsonb text, trimmed or casefolded text), so
"equal" has one definition whichever engine compares. A partition column splits the read
into ranges Spark reads in parallel: the entity's ``partition_column``, else the first
integer key column, else a hash of the key (each partition then reads the whole query and
keeps its share; an index cannot serve it).
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql
from sqlglot import exp

from comparisons.canonical import canonical_value
from comparisons.connection import Connection
from comparisons.errors import EntityQueryError
from comparisons.expressions import SOURCE, key_value, needs_json_function
from comparisons.plan import Plan, Rule
from comparisons.qualify import catalog_call, column, render
from comparisons.work import key_alias

PART = "_part"
INTEGERS = frozenset({20, 21, 23})
DATES = frozenset({1082, 1114, 1184})


def value_alias(i: int) -> str:
    return f"_v{i}"


@dataclass(frozen=True)
class Partitioning:
    """How both sides' reads are split: the expression, and its bounds (hash: 0 .. parts)."""

    expression: str  # "" : the key's hash
    lower: int = 0
    upper: int = 1
    parts: int = 1


def _text(expression: exp.Expr) -> exp.Expr:
    return exp.cast(expression, exp.DataType.build("text"))


def partition_name(plan: Plan, declared: str, types: dict[str, int]) -> str:
    """The column the reads are split on: the declared one, else the first integer key
    column; "" for a hash of the key. ``types``: the columns both sides type alike."""
    if declared:
        if types.get(declared, 0) not in INTEGERS | DATES:
            raise EntityQueryError(
                f"partition_column {declared!r} must be an integer, date or timestamp column of the "
                "same type on both sides for engine spark"
            )
        return declared
    return next((c.name for c in plan.key if types.get(c.name, 0) in INTEGERS), "")


def partition_expression(plan: Plan, name: str, types: dict[str, int], parts: int) -> exp.Expr:
    """``_part`` of a row: the partition column (a date's or timestamp's epoch), else a hash."""
    if name:
        value = column(name, SOURCE)
        if types[name] in DATES:
            epoch = exp.Extract(this=exp.var("epoch"), expression=value)
            return exp.cast(catalog_call("floor", epoch), exp.DataType.build("bigint"))
        return exp.cast(value, exp.DataType.build("bigint"))
    text = _text(exp.Anonymous(this="ROW", expressions=[key_value(c, 0) for c in plan.key]))
    hashed = exp.Mod(this=catalog_call("hashtext", text), expression=exp.Literal.number(parts))
    return catalog_call("abs", exp.paren(hashed))


def side_read(plan: Plan, query: exp.Query, side: int, server_version: int, part: exp.Expr) -> exp.Query:
    """One side's rows as Spark reads them: _k0.. and _v0.. as text, and _part."""
    json = [c.name for c in plan.compared if c.rule is Rule.JSON]
    if json and needs_json_function(server_version):
        raise EntityQueryError(unsupported_json(json[0], ("control", "candidate")[side], server_version))
    keys = [exp.alias_(_text(key_value(c, side)), key_alias(i), quoted=True) for i, c in enumerate(plan.key)]
    values = [
        exp.alias_(_text(canonical_value(c, side, server_version)), value_alias(i), quoted=True)
        for i, c in enumerate(plan.compared)
    ]
    return exp.select(*keys, *values, exp.alias_(part, PART, quoted=True)).from_(query.subquery(SOURCE))


def unsupported_json(column: str, label: str, server_version: int) -> str:
    """Spark's sessions cannot hold the pg_temp JSON check PostgreSQL before 16 needs (Spark
    describes the query in a session of its own first), so engine spark refuses it."""
    return (
        f"engine spark checks JSON ({column}) with pg_input_is_valid, which the {label}'s server "
        f"(PostgreSQL {server_version // 10000}) lacks; use PostgreSQL 16+ there, or engine postgres"
    )


def partitioning(
    sides: tuple[Connection, Connection], reads: tuple[exp.Query, exp.Query], hashed: bool, parts: int
) -> Partitioning:
    """The bounds of ``_part`` over both sides (a hash's are known: 0 .. parts)."""
    if hashed:
        return Partitioning("", 0, parts, parts)
    found: list[int] = []
    for conn, read in zip(sides, reads, strict=True):
        statement = sql.SQL('SELECT pg_catalog.min("_part"), pg_catalog.max("_part") FROM ({}) AS r').format(
            sql.SQL(render(read))
        )
        row = conn.execute(statement).fetchone()
        found += [int(v) for v in row or () if v is not None]
    if not found:
        return Partitioning(PART, 0, 1, 1)
    lower, upper = min(found), max(found) + 1
    return Partitioning(PART, lower, upper, max(1, min(parts, upper - lower)))
