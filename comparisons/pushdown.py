"""Stage 1, pushdown: classify every key in PostgreSQL from row hashes, with exact counts.

Plan of the statements (all on the caller's connection, temp tables dropped by the caller
through ``TempTables.drop``):
  1. the bucket pass (comparisons.buckets): rows per side, and the key buckets whose
     sides differ. When none differ the books are equal and nothing reads them again.
  2. ``<run>_keys``: the rows of the differing buckets only, as (side, key, row hash),
     grouped on the key: per key n1/n2, its rows on the control/candidate side. Grouping
     the union of both sides is the full outer join on the key, NULL-safe (GROUP BY puts
     NULL keys together), and it counts duplicate keys in the same pass. Only keys that
     are not equal are kept (HAVING): a key is equal when it has one row per side and
     the two rows' hashes agree (their xor is 0); a key with more than one
     row on a side is a duplicate key even when both sides repeat it alike (double posting).
  3. the counts per class, read from that table (equal = control rows - control rows of
     the other keys).
  4. ``<run>_ids``: those keys numbered, for the exact classification (comparisons.classify);
     ``<run>_examined``: at most max_detail_rows of them, taken round-robin across classes
     in key order, for stage 2 to sample.
The row hash is hash_record_extended (seeded with a secret per comparison and the key's own hash)
over the key and the normalized values; two different rows of one key collide with probability 2^-64.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg import sql
from sqlglot import exp

from comparisons.buckets import (
    Buckets,
    bucket_pass,
    differing_rows,
    keyed,
    new_seed,
    run_statement,
    side_rows,
)
from comparisons.connection import Connection
from comparisons.expressions import json_function_sql, needs_json_function
from comparisons.plan import Plan
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
    # the sides' rows that later passes need (those of the differing buckets), as queries
    rows: tuple[exp.Query, exp.Query] | None = field(default=None, compare=False, repr=False)

    @property
    def not_equal(self) -> int:
        return self.different + self.control_only + self.candidate_only + self.duplicate_keys


def run_stage1(work: EntityWork, max_detail_rows: int) -> Stage1:
    conn, plan, temps = work.conn, work.plan, work.temps
    if needs_json_function(conn.info.server_version):
        conn.execute(json_function_sql().encode())
    seed = new_seed()
    buckets = bucket_pass(work, seed)
    rows = differing_rows(work, seed, buckets)
    version = conn.info.server_version
    run_statement(work, keys_statement(plan, rows, version, temps.create("keys"), seed, buckets))
    temps.create("ids")
    run_statement(
        work,
        IDS.format(ids=temps.identifier("ids"), classified=CLASSIFIED.format(keys=temps.identifier("keys"))),
    )
    classes = _counts(conn, temps)
    temps.create("examined")
    run_statement(work, _examined_statement(plan, temps, max_detail_rows))
    not_equal = sum(keys_ for keys_, _ in classes.values())
    return Stage1(
        control_rows=buckets.control_rows,
        candidate_rows=buckets.candidate_rows,
        equal=buckets.control_rows - sum(control_rows for _, control_rows in classes.values()),
        different=classes.get("different", (0, 0))[0],
        control_only=classes.get("control_only", (0, 0))[0],
        candidate_only=classes.get("candidate_only", (0, 0))[0],
        duplicate_keys=classes.get("duplicate_key", (0, 0))[0],
        examined=min(max_detail_rows, not_equal),
        rows=rows,
    )


def keys_statement(
    plan: Plan, queries: Sequence[exp.Query], version: int, target: exp.Table, seed: int, buckets: Buckets
) -> str:
    """The per-key pass over ``queries``, the differing buckets' rows (see the module docs)."""
    sides = [side_rows(plan, q, side, version, seed, keyed(plan, side)) for side, q in enumerate(queries)]
    union = exp.union(*sides, distinct=False)
    key_columns = [column(key_alias(i)) for i in range(len(plan.key))]
    rows, signs = catalog_call("count", exp.Star()), catalog_call("sum", column("_sign"))
    n1, n2 = (
        exp.Div(
            this=exp.paren(op(this=rows.copy(), expression=signs.copy())), expression=exp.Literal.number(2)
        )
        for op in (exp.Add, exp.Sub)
    )
    select = exp.select(
        *key_columns, exp.alias_(n1, "n1", quoted=True), exp.alias_(n2, "n2", quoted=True)
    ).from_(union.subquery("u"))
    zero = exp.Literal.number(0)
    differs = exp.or_(
        exp.NEQ(this=signs.copy(), expression=zero),
        exp.NEQ(this=catalog_call("bit_xor", column("_h")), expression=zero.copy()),
        exp.GT(this=rows.copy(), expression=exp.Literal.number(2)),  # repeated: a duplicate key
    )
    select = select.group_by(*key_columns).having(differs)
    suffix = "" if buckets.differing else " WITH NO DATA"  # equal books: nothing to read again
    return f"CREATE TEMP TABLE {render(target)} AS {render(select)}{suffix}"


# n1/n2: rows of the key on the control/candidate side.
CLASSIFIED = sql.SQL("""
SELECT *, CASE WHEN n1 > 1 OR n2 > 1 THEN 'duplicate_key' WHEN n2 = 0 THEN 'control_only'
               WHEN n1 = 0 THEN 'candidate_only' ELSE 'different' END AS cls
FROM {keys} AS k
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


def _counts(conn: Connection, temps: TempTables) -> dict[str, tuple[int, int]]:
    """Per class, (keys, control rows of those keys)."""
    classes = sql.SQL("SELECT cls, pg_catalog.count(*), pg_catalog.sum(n1) FROM {} AS c GROUP BY cls").format(
        temps.identifier("ids")
    )
    return {str(cls): (int(n), int(n1)) for cls, n, n1 in conn.execute(classes).fetchall()}


def _examined_statement(plan: Plan, temps: TempTables, limit: int) -> sql.Composed:
    return EXAMINED.format(
        examined=sql.Identifier(temps.name("examined")),
        names=sql.SQL(", ").join(sql.Identifier(key_alias(i)) for i in range(len(plan.key))),
        ids=temps.identifier("ids"),
        limit=sql.Literal(limit),
    )
