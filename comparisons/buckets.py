"""Stage 1, first pass: one checksum per key bucket, over both sides' rows at once.

Every row goes to one of ``BUCKETS`` buckets by a hash of its key, and carries a 64-bit hash
of its key and normalized compared values (``row_hash``). Per bucket, one statement the
server runs in parallel with fixed-size, by-value aggregates (no per-key state, no spill at
any size) takes the control's rows minus the candidate's and the xor of every row's hash.
A bucket whose sides hold the same rows gives 0 and 0; the totals give the rows per side.
There is no separate pass over the whole books first: on two cores it cost 60% of this one,
and locating a difference needs this one anyway.

Why 0 and 0 means the same rows: the control holds each key of a bucket at most once (the
buckets of keys it repeats are added to the differing ones, comparisons.uniqueness skipping
that search when the catalog proves the key unique), so its rows S are a set. The
candidate's multiset C xors to the xor of the rows it holds an odd number of times, O. Equal
xors mean S = O, but for a 2^-64 chance (the hashes are seeded with a secret), and equal
counts then leave C no row beyond O: C = S. An xor alone would cancel a doubled row; the
count does not.

The hashes are seeded per comparison with a secret the sides never see, so a side cannot
craft rows whose hashes agree with the other side's; what bucket a key falls in only
decides how much the second pass reads, never a count. Only the buckets that differ go to
the per-key pass (comparisons.pushdown), read through a bitmap of their numbers.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from sqlglot import exp

from comparisons.errors import EntityQueryError, first_line
from comparisons.expressions import SOURCE, hash_value, key_value
from comparisons.plan import Column, Plan, Rule
from comparisons.qualify import catalog_call, render
from comparisons.uniqueness import key_is_unique
from comparisons.work import EntityWork, key_alias

# 65,536: with by-value aggregates, a bigger table costs little (measured on 1M rows a side:
# 16,384 buckets 0.2 s faster with equal books, 0.3 s slower with 1,000 differences, whose
# rows then fill 6% of the buckets rather than 1.5%, all read again by the next pass)
BUCKETS = 1 << 16
# a key column's own extended hash, by type OID, consistent with its equality; else a record
KEY_HASHES = {20: "hashint8extended", 21: "hashint4extended", 23: "hashint4extended"}
KEY_HASHES |= {25: "hashtextextended", 1043: "hashtextextended", 1042: "hashbpcharextended"}
KEY_HASHES |= {1700: "hash_numeric_extended", 1114: "timestamp_hash_extended", 2950: "uuid_hash_extended"}
TEXT = 25


@dataclass(frozen=True)
class Buckets:
    """Rows per side, and the buckets whose sides do not agree (in ascending order)."""

    control_rows: int
    candidate_rows: int
    differing: tuple[int, ...]
    size: int = BUCKETS  # how many buckets the keys were spread over

    @property
    def narrows(self) -> bool:
        """Whether reading only the differing buckets saves anything: some differ, not most."""
        return bool(self.differing) and len(self.differing) * 2 <= self.size

    def bitmap(self) -> exp.Expr:
        """A bytea with bit b set for each differing bucket b (get_bit's bit order)."""
        bits = bytearray(self.size // 8)
        for b in self.differing:
            bits[b // 8] |= 1 << (b % 8)
        return exp.cast(exp.Literal.string("\\x" + bits.hex()), exp.DataType.build("bytea"))


def new_seed() -> int:
    return secrets.randbits(62)  # room for a seed per key column


def _seed(seed: int) -> exp.Expr:
    return exp.cast(exp.Literal.number(seed), exp.DataType.build("bigint"))


def _number_class(col: Column, value: exp.Expr) -> exp.Expr:
    """NaN and the infinities hash alike as numbers (to the seed), NULL to 0: their class tells
    them apart. Finite numbers take the first two comparisons only. A bounded column holds
    no infinity, so its class only tells NULL from NaN: one test, no comparison of numbers
    (0.15 s less per million rows and such column on this machine)."""
    number = value.copy()
    if col.bounded:
        return exp.Is(this=number, expression=exp.Null())

    def special(text: str) -> exp.Expr:
        return exp.cast(exp.Literal.string(text), exp.DataType.build("numeric"))

    finite = exp.and_(
        exp.GT(this=number.copy(), expression=special("-Infinity")),
        exp.LT(this=number.copy(), expression=special("Infinity")),
    )
    return exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=number.copy(), expression=exp.Null()), true=exp.Literal.number(1)),
            exp.If(this=finite, true=exp.Literal.number(0)),
            exp.If(this=exp.EQ(this=number.copy(), expression=special("NaN")), true=exp.Literal.number(2)),
            exp.If(
                this=exp.GT(this=number.copy(), expression=exp.Literal.number(0)), true=exp.Literal.number(3)
            ),
        ],
        default=exp.Literal.number(4),
    )


def row_hash(plan: Plan, side: int, version: int, seed: int) -> exp.Expr:
    """64 bits over the key and the normalized compared values of one row.

    hash_record_extended is linear in its fields' hashes (31 * h1 + h2 ...), so a sum of it
    over rows would not see two keys trade values. Its seed is therefore the key's own
    hash: every field's hash depends on the key, and a value moved to another key counts
    as a new one."""
    values = [key_value(c, side) for c in plan.key]
    compared = [hash_value(c, side, version) for c in plan.compared]
    values += compared
    values += [
        _number_class(c, v) for c, v in zip(plan.compared, compared, strict=True) if c.rule is Rule.NUMBER
    ]
    row = exp.Anonymous(this="ROW", expressions=values)
    return catalog_call("hash_record_extended", row, key_hash(plan, side, seed))


def _key_part(col: Column, side: int, seed: int) -> exp.Expr:
    """A NULL key part hashes to 0 (a type's hash function returns NULL for it)."""
    value = key_value(col, side)
    function = KEY_HASHES.get(col.type_oid if col.native else TEXT)
    if function is None:
        row = exp.Anonymous(this="ROW", expressions=[value])
        return catalog_call("hash_record_extended", row, _seed(seed))
    hashed = catalog_call(function, value, _seed(seed))
    return exp.Coalesce(this=hashed, expressions=[exp.Literal.number(0)])


def key_hash(plan: Plan, side: int, seed: int) -> exp.Expr:
    """64 bits of the key: its columns' hashes, each seeded apart (so (a, b) and (b, a),
    or (a, a) and (b, b), do not meet), combined by xor."""
    parts = [_key_part(c, side, seed + i) for i, c in enumerate(plan.key)]
    mixed = parts[0]
    for part in parts[1:]:
        mixed = exp.BitwiseXor(this=mixed, expression=part)
    return exp.paren(mixed)


def key_bucket(plan: Plan, side: int, seed: int) -> exp.Expr:
    """The key's bucket, 0 .. BUCKETS - 1: equal keys fall in the same one."""
    masked = exp.BitwiseAnd(this=key_hash(plan, side, seed), expression=exp.Literal.number(BUCKETS - 1))
    return exp.cast(exp.paren(masked), exp.DataType.build("int"))


def sign(side: int) -> exp.Expr:
    return exp.Literal.number(1) if side == 0 else exp.Neg(this=exp.Literal.number(1))


def side_rows(
    plan: Plan, query: exp.Query, side: int, version: int, seed: int, columns: Sequence[exp.Expr] = ()
) -> exp.Select:
    """One side's rows as (_sign, *columns, _h): what every pass of stage 1 aggregates."""
    return exp.select(
        exp.alias_(sign(side), "_sign", quoted=True),
        *columns,
        exp.alias_(row_hash(plan, side, version, seed), "_h", quoted=True),
    ).from_(query.subquery(SOURCE))


def keyed(plan: Plan, side: int) -> list[exp.Expr]:
    """The key's columns, as _k0, _k1, ..."""
    return [exp.alias_(key_value(c, side), key_alias(i), quoted=True) for i, c in enumerate(plan.key)]


def _bucket(plan: Plan, side: int, seed: int) -> exp.Expr:
    return exp.alias_(key_bucket(plan, side, seed), "_b", quoted=True)


# Per bucket: rows n, control minus candidate rows d, the xor x of every row's hash; then
# the rows per side (from the sums of n and d) and the buckets whose sides differ.
CHECKSUMS = sql.SQL("""
SELECT pg_catalog.sum(n), pg_catalog.sum(d),
       pg_catalog.array_agg("_b" ORDER BY "_b") FILTER (WHERE d <> 0 OR x <> 0)
FROM (
    SELECT "_b", pg_catalog.count(*) AS n, pg_catalog.sum("_sign") AS d, pg_catalog.bit_xor("_h") AS x
    FROM ({rows}) AS u GROUP BY "_b"
) AS g
""")


def checksums_statement(plan: Plan, queries: Sequence[exp.Query], version: int, seed: int) -> sql.Composed:
    sides = [
        side_rows(plan, q, side, version, seed, [_bucket(plan, side, seed)]) for side, q in enumerate(queries)
    ]
    return CHECKSUMS.format(rows=sql.SQL(render(exp.union(*sides, distinct=False))))


def bucket_pass(work: EntityWork, seed: int) -> Buckets:
    """Rows per side, and the buckets that differ or hold a key the control repeats (equal
    checksums can still post twice, and the checksums' proof needs each bucket's control
    rows to be a set)."""
    version = work.conn.info.server_version
    n, d, changed = _fetch(work, checksums_statement(work.plan, work.queries, version, seed))
    n, d = int(n or 0), int(d or 0)
    differing = set(changed or ())
    if not key_is_unique(work.conn, work.queries[0], work.plan):
        (repeated,) = _fetch(work, duplicates_statement(work.plan, work.queries[0], seed))
        differing |= set(repeated or ())
    return Buckets((n + d) // 2, (n - d) // 2, tuple(sorted(differing)), size=BUCKETS)


# The buckets of the keys a side holds more than once.
DUPLICATES = sql.SQL("""
SELECT pg_catalog.array_agg(DISTINCT "_b") FROM (
    SELECT "_b" FROM ({rows}) AS u GROUP BY {keys}, "_b" HAVING pg_catalog.count(*) > 1
) AS d
""")


def duplicates_statement(plan: Plan, query: exp.Query, seed: int) -> sql.Composed:
    rows = exp.select(*keyed(plan, 0), _bucket(plan, 0, seed)).from_(query.subquery(SOURCE))
    names = sql.SQL(", ").join(sql.Identifier(key_alias(i)) for i in range(len(plan.key)))
    return DUPLICATES.format(rows=sql.SQL(render(rows)), keys=names)


def _fetch(work: EntityWork, statement: sql.Composed) -> tuple[Any, ...]:
    row = run_statement(work, statement).fetchone()
    assert row is not None
    return tuple(row)


def run_statement(work: EntityWork, statement: str | sql.Composed) -> Any:
    try:
        return work.conn.execute(statement)
    except psycopg.Error as exc:
        raise EntityQueryError(f"{work.spec.name}: the comparison query failed: {first_line(exc)}") from exc


def narrowing_statement(
    plan: Plan, query: exp.Query, side: int, seed: int, buckets: Buckets, target: exp.Table
) -> str:
    """The side's rows whose key falls in a differing bucket, into ``target``."""
    bit = catalog_call("get_bit", buckets.bitmap(), key_bucket(plan, side, seed))
    rows = exp.select(f"{SOURCE}.*").from_(query.subquery(SOURCE))
    rows = rows.where(exp.EQ(this=bit, expression=exp.Literal.number(1)))
    return f"CREATE TEMP TABLE {render(target)} AS {render(rows)}"


def differing_rows(work: EntityWork, seed: int, buckets: Buckets) -> tuple[exp.Query, exp.Query]:
    """Each side's rows of the differing buckets, copied once into a temp table, as queries:
    every later pass (per key, classification, samples) reads these instead of the books.
    The books' own queries when nothing differs or most buckets do (a copy saves nothing)."""
    if not buckets.narrows:
        return work.queries
    narrowed = []
    for side, query in enumerate(work.queries):
        target = work.temps.create(f"rows{side}")
        run_statement(work, narrowing_statement(work.plan, query, side, seed, buckets, target))
        narrowed.append(exp.select("*").from_(target))
    return narrowed[0], narrowed[1]
