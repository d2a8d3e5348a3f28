"""Stage 1, pushdown: classify every key in PostgreSQL from row hashes, with exact counts.

Plan of the statements (all on the caller's connection, temp tables dropped by the caller
through ``TempTables.drop``):
  1. ``<run>_keys``: both sides' rows, as (side, key, hash of the normalized compared
     columns), grouped on the key with GROUPING SETS adding one totals row. Grouping the
     union of both sides is the full outer join on the key, NULL-safe (GROUP BY puts NULL
     keys together), and it counts duplicate keys in the same pass. Only keys that are not
     equal are kept (HAVING), so the table stays small when the sides agree: a key is equal
     when it has exactly one row per side and the two hashes agree (their xor is 0).
  2. the counts per class, read from that table (equal = control rows - control rows of
     the other keys, since an equal key has exactly one control row).
  3. ``<run>_ids``: those keys numbered, for the exact classification (comparisons.classify);
     ``<run>_examined``: at most max_detail_rows of them, taken round-robin across classes
     in key order, for stage 2 to sample.
The row hash is hash_record_extended (64 bits) over the normalized values; two different
rows of one key collide with probability 2^-64.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlglot import exp

from comparisons.connection import Connection
from comparisons.errors import EntityQueryError, first_line
from comparisons.expressions import SOURCE, hash_value, json_function_sql, key_value, needs_json_function
from comparisons.plan import Plan, Rule
from comparisons.qualify import catalog_call, column, render
from comparisons.work import EntityWork, TempTables, key_alias


@dataclass(frozen=True)
class Stage1:
    """Exact counts of one entity and date, and which keys stage 2 should examine."""

    control_rows: int
    candidate_rows: int
    equal: int
    different: int
    control_only: int
    candidate_only: int
    duplicate_keys: int
    examined: int

    @property
    def not_equal(self) -> int:
        return self.different + self.control_only + self.candidate_only + self.duplicate_keys


def run_stage1(work: EntityWork, max_detail_rows: int) -> Stage1:
    conn, plan, temps = work.conn, work.plan, work.temps
    version = conn.info.server_version
    if needs_json_function(version):
        conn.execute(json_function_sql().encode())
    _execute(work, _keys_statement(plan, list(work.queries), temps.create("keys"), version))
    temps.create("ids")
    _execute(
        work,
        IDS.format(ids=temps.identifier("ids"), classified=CLASSIFIED.format(keys=temps.identifier("keys"))),
    )
    totals, classes = _counts(conn, temps)
    temps.create("examined")
    _execute(work, _examined_statement(plan, temps, max_detail_rows))
    not_equal = sum(keys_ for keys_, _ in classes.values())
    return Stage1(
        control_rows=totals[0],
        candidate_rows=totals[1],
        # an equal key has exactly one control row
        equal=totals[0] - sum(control_rows for _, control_rows in classes.values()),
        different=classes.get("different", (0, 0))[0],
        control_only=classes.get("control_only", (0, 0))[0],
        candidate_only=classes.get("candidate_only", (0, 0))[0],
        duplicate_keys=classes.get("duplicate_key", (0, 0))[0],
        examined=min(max_detail_rows, not_equal),
    )


def _number_class(value: exp.Expr) -> exp.Expr:
    """NULL, NaN and the infinities all hash to 0 as numbers: their class tells them apart."""
    text = exp.cast(value.copy(), exp.DataType.build("text"))
    special = [exp.Literal.string(s) for s in ("NaN", "Infinity", "-Infinity")]
    return exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()), true=exp.Literal.string("null")),
            exp.If(this=exp.In(this=text, expressions=special), true=text.copy()),
        ],
        default=exp.Literal.string(""),
    )


def _side_rows(plan: Plan, query: exp.Query, side: int, version: int) -> exp.Select:
    values = [hash_value(c, side, version) for c in plan.compared]
    values += [
        _number_class(v) for c, v in zip(plan.compared, list(values), strict=True) if c.rule is Rule.NUMBER
    ]
    row = exp.Anonymous(this="ROW", expressions=values)
    digest = catalog_call("hash_record_extended", row, exp.Literal.number(0))
    keys = [exp.alias_(key_value(c, side), key_alias(i), quoted=True) for i, c in enumerate(plan.key)]
    side_number = exp.alias_(exp.Literal.number(side + 1), "_side", quoted=True)
    return exp.select(side_number, *keys, exp.alias_(digest, "_h", quoted=True)).from_(query.subquery(SOURCE))


def _keys_statement(plan: Plan, sides: list[exp.Query], target: exp.Table, version: int) -> str:
    union = exp.union(
        _side_rows(plan, sides[0], 0, version), _side_rows(plan, sides[1], 1, version), distinct=False
    )
    key_columns = [column(key_alias(i)) for i in range(len(plan.key))]
    grouping = exp.Anonymous(this="GROUPING", expressions=[k.copy() for k in key_columns])
    count, sides_sum = catalog_call("count", exp.Star()), catalog_call("sum", column("_side"))
    xor = catalog_call("bit_xor", column("_h"))
    select = exp.select(
        *key_columns,
        exp.alias_(grouping, "_total", quoted=True),
        exp.alias_(count, "_n", quoted=True),
        exp.alias_(sides_sum, "_sides", quoted=True),
    ).from_(union.subquery("u"))
    select = select.group_by(exp.GroupingSets(expressions=[exp.Tuple(expressions=key_columns), exp.Tuple()]))
    # one row per side (2 rows, sides 1 + 2) with equal hashes (their xor is 0)
    equal = exp.and_(
        exp.EQ(this=count.copy(), expression=exp.Literal.number(2)),
        exp.EQ(this=sides_sum.copy(), expression=exp.Literal.number(3)),
        exp.EQ(this=xor, expression=exp.Literal.number(0)),
    )
    select = select.having(
        exp.or_(exp.NEQ(this=grouping.copy(), expression=exp.Literal.number(0)), exp.not_(equal))
    )
    return f"CREATE TEMP TABLE {render(target)} AS {render(select)}"


# n1/n2: rows of the key on the control/candidate side (_sides = n1 + 2 * n2, _n = n1 + n2).
CLASSIFIED = sql.SQL("""
SELECT *, CASE WHEN n1 > 1 OR n2 > 1 THEN 'duplicate_key' WHEN n2 = 0 THEN 'control_only'
               WHEN n1 = 0 THEN 'candidate_only' ELSE 'different' END AS cls
FROM (SELECT *, 2 * "_n" - "_sides" AS n1, "_sides" - "_n" AS n2 FROM {keys} WHERE "_total" = 0) AS k
""")
# With no rows at all the totals row has _n = 0 and _sides NULL.
TOTALS = sql.SQL("""
SELECT 2 * "_n" - coalesce("_sides", 0), coalesce("_sides", 0) - "_n" FROM {keys} WHERE "_total" <> 0
""")
# Every non-equal key, numbered: what the exact classification and the samples work on.
IDS = sql.SQL("""
CREATE TEMP TABLE {ids} AS
SELECT pg_catalog.row_number() OVER () AS "_row", c.* FROM ({classified}) AS c
""")
EXAMINED = sql.SQL("""
CREATE TEMP TABLE {examined} AS
SELECT {names}, cls, n1, n2, "_row" FROM (
    SELECT *, pg_catalog.row_number() OVER (PARTITION BY cls ORDER BY {names}) AS rn FROM {ids} AS c
) AS r
ORDER BY rn, cls
LIMIT {limit}
""")


def _counts(conn: Connection, temps: TempTables) -> tuple[tuple[int, int], dict[str, tuple[int, int]]]:
    """(control rows, candidate rows) and, per class, (keys, control rows of those keys)."""
    total = conn.execute(TOTALS.format(keys=temps.identifier("keys"))).fetchone()
    classes = sql.SQL("SELECT cls, pg_catalog.count(*), pg_catalog.sum(n1) FROM {} AS c GROUP BY cls").format(
        temps.identifier("ids")
    )
    per_class = {str(cls): (int(n), int(n1)) for cls, n, n1 in conn.execute(classes).fetchall()}
    return (int(total[0]), int(total[1])) if total else (0, 0), per_class


def _examined_statement(plan: Plan, temps: TempTables, limit: int) -> sql.Composed:
    return EXAMINED.format(
        examined=sql.Identifier(temps.name("examined")),
        names=sql.SQL(", ").join(sql.Identifier(key_alias(i)) for i in range(len(plan.key))),
        ids=temps.identifier("ids"),
        limit=sql.Literal(limit),
    )


def _execute(work: EntityWork, statement: str | sql.Composed) -> None:
    try:
        work.conn.execute(statement)
    except psycopg.Error as exc:
        raise EntityQueryError(f"{work.spec.name}: the comparison query failed: {first_line(exc)}") from exc
