"""Stage 1 on Spark: which keys the digests settle, over every row of both sides.

The statement is built with sqlglot from the entity's plan, as the PostgreSQL stages are,
and transpiled to Spark SQL. Each row's digest is md5 over the comparison's secret seed
and its key and canonical values (comparisons.spark.reads), each value length-prefixed so
no two rows share an encoding; a key is settled when it has one row on each side and the
two digests agree. Every other key is unsettled: its rows are fetched from the sides and
compared exactly (comparisons.across), as with sides on two servers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from comparisons.plan import Plan
from comparisons.qualify import column
from comparisons.spark.reads import value_alias
from comparisons.work import key_alias

DIALECT = "spark"
SIDE = "_side"


@dataclass(frozen=True)
class Stage1Counts:
    control_rows: int
    candidate_rows: int
    equal: int  # keys with one row per side and equal digests
    unsettled: list[tuple[Any, ...]]  # every other key, as text


def _concat(*parts: exp.Expr) -> exp.Expr:
    return functools.reduce(lambda left, right: exp.DPipe(this=left, expression=right), parts)


def _encoded(name: str) -> exp.Expr:
    """'N' for NULL, else 'V' || length || ':' || value: injective once concatenated."""
    value = column(name)
    length = exp.cast(exp.Length(this=value), exp.DataType.build("text"))
    present = _concat(exp.Literal.string("V"), length, exp.Literal.string(":"), value)
    is_null = exp.Is(this=value, expression=exp.Null())
    return exp.Case(ifs=[exp.If(this=is_null, true=exp.Literal.string("N"))], default=present)


def _digest(plan: Plan, seed: str) -> exp.Expr:
    names = [key_alias(i) for i in range(len(plan.key))] + [value_alias(i) for i in range(len(plan.compared))]
    return exp.MD5(this=exp.Concat(expressions=[exp.Literal.string(seed), *(_encoded(n) for n in names)]))


def _side_rows(plan: Plan, view: str, side: int, seed: str) -> exp.Select:
    keys = [column(key_alias(i)) for i in range(len(plan.key))]
    return exp.select(
        exp.alias_(exp.Literal.number(side), SIDE), *keys, exp.alias_(_digest(plan, seed), "_h")
    ).from_(view)


def _on(side: int, value: exp.Expr) -> exp.Expr:
    """``value`` for the rows of ``side``, NULL for the other side's."""
    on_side = exp.EQ(this=column(SIDE), expression=exp.Literal.number(side))
    return exp.Case(ifs=[exp.If(this=on_side, true=value)])


def _count_on(side: int) -> exp.Expr:
    return exp.Count(this=_on(side, exp.Literal.number(1)))


def _digest_on(side: int) -> exp.Expr:
    return exp.Min(this=_on(side, column("_h")))


def per_key(plan: Plan, views: tuple[str, str], seed: str) -> str:
    """Spark SQL: every key with its rows per side (n0, n1) and whether the digests settle it."""
    keys = [column(key_alias(i)) for i in range(len(plan.key))]
    rows = exp.union(_side_rows(plan, views[0], 0, seed), _side_rows(plan, views[1], 1, seed), distinct=False)
    one_each = exp.and_(
        exp.EQ(this=_count_on(0), expression=exp.Literal.number(1)),
        exp.EQ(this=_count_on(1), expression=exp.Literal.number(1)),
        exp.EQ(this=_digest_on(0), expression=_digest_on(1)),
    )
    select = exp.select(
        *keys,
        exp.alias_(_count_on(0), "n0"),
        exp.alias_(_count_on(1), "n1"),
        exp.alias_(exp.Coalesce(this=exp.paren(one_each), expressions=[exp.false()]), "settled"),
    ).from_(rows.subquery("u"))
    return select.group_by(*keys).sql(dialect=DIALECT)
