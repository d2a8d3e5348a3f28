"""Row digests that are the same on every server and PostgreSQL version (sides apart).

``hash_record_extended`` and the types' own hash functions may differ between servers and
versions, so rows compared across two servers are hashed through a canonical text form:
md5 over a secret seed and the text of ROW(key, normalized compared values). The text of
a built-in type is stable across versions under the pinned DateStyle, TimeZone and
extra_float_digits; numbers go through trim_scale, so 1.10 and 1.1 agree as the single-
server hash has them agree; JSON is its canonical jsonb text on 15 and on 18 alike. A
digest is only ever stricter than the comparison that follows it: rows with different
digests are fetched and compared exactly, never counted equal.
"""

from __future__ import annotations

from sqlglot import exp

from comparisons.expressions import hash_value, key_value
from comparisons.plan import Column, Plan, Rule
from comparisons.qualify import catalog_call

BUCKET_BITS = 16  # 65,536 buckets of the key digest for the bucket checksums (bisect)


def _text(expression: exp.Expr) -> exp.Expr:
    return exp.cast(expression, exp.DataType.build("text"))


def canonical_value(col: Column, side: int, server_version: int) -> exp.Expr:
    value = hash_value(col, side, server_version)
    if col.rule is Rule.NUMBER and col.present[side]:
        return catalog_call("trim_scale", exp.cast(value, exp.DataType.build("numeric")))
    return value


def _digest(seed: str, values: list[exp.Expr]) -> exp.Expr:
    row = _text(exp.Anonymous(this="ROW", expressions=values))
    return catalog_call("md5", exp.DPipe(this=exp.Literal.string(seed), expression=row))


def row_md5(plan: Plan, side: int, server_version: int, seed: str) -> exp.Expr:
    """md5 (hex text) of the seed and the row's key and normalized compared values."""
    values = [key_value(c, side) for c in plan.key]
    values += [canonical_value(c, side, server_version) for c in plan.compared]
    return _digest(seed, values)


def row_digest(plan: Plan, side: int, server_version: int, seed: str) -> exp.Expr:
    """The row's md5 as a uuid: 16 bytes to transfer, hashed and compared natively."""
    return exp.cast(row_md5(plan, side, server_version, seed), exp.DataType.build("uuid"))


def _hex_bits(hexed: exp.Expr, digits: int, bits: int, type_name: str) -> exp.Expr:
    leading = catalog_call("left", hexed, exp.Literal.number(digits))
    prefix = exp.DPipe(this=exp.Literal.string("x"), expression=leading)
    return exp.cast(exp.cast(prefix, exp.DataType.build(f"bit({bits})")), exp.DataType.build(type_name))


def row_part(plan: Plan, side: int, server_version: int, seed: str) -> exp.Expr:
    """60 bits of the row's md5 as a bigint: summed per bucket (exactly, as numeric)."""
    return _hex_bits(row_md5(plan, side, server_version, seed), 15, 60, "bigint")


def key_bucket(plan: Plan, side: int, seed: str) -> exp.Expr:
    """The key's bucket, 0 .. 65,535: hashtextextended over the key's text, seeded.

    Its values are not promised to be the same on every server and version, and need not
    be: a bucket only decides what the transfer moves, never a count. Were a key to fall in
    other buckets on the two servers, both buckets would differ and be moved whole."""
    text = _text(exp.Anonymous(this="ROW", expressions=[key_value(c, side) for c in plan.key]))
    seeded = exp.cast(exp.Literal.number(int(seed[:15], 16)), exp.DataType.build("bigint"))
    hashed = catalog_call("hashtextextended", text, seeded)
    masked = exp.BitwiseAnd(this=hashed, expression=exp.Literal.number((1 << BUCKET_BITS) - 1))
    return exp.cast(exp.paren(masked), exp.DataType.build("int"))
