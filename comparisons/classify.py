"""Exact classification of every key that is not equal, in PostgreSQL, at any size.

Stage 1 leaves ``<run>_ids``: each non-equal key numbered (``_row``). Here both sides' rows
of those keys are copied as text into ``<run>_control`` / ``<run>_candidate`` (one row per
key; of a duplicate key, the first in text order), and ``<run>_rows`` records per key which
compared columns differ under the plan's rules: numbers within their tolerance, JSON as
parsed jsonb (invalid JSON as its text), trimmed or lower-cased text as configured. The
counts of equal-once-normalized, within-tolerance, different and invalid-JSON keys and the
column statistics are read from it, exactly; accepted differences are applied to it in SQL
(comparisons.covering). Stage 2 only samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlglot import exp

from comparisons.accepted import PAIR_SIDES
from comparisons.errors import EntityQueryError, first_line
from comparisons.expressions import SOURCE, json_text, key_value, text_value
from comparisons.normalize import BLANKS, INVALID_JSON_PREFIX
from comparisons.plan import Column, Plan, Rule
from comparisons.qualify import catalog_call, column, render, table
from comparisons.result import ColumnStat
from comparisons.work import EntityWork, key_alias

SIDES = PAIR_SIDES
ROW_ID = "_harness_row"
DIFFERENT = "different"


@dataclass(frozen=True)
class Classified:
    """The non-equal keys of class 'different', decided under the plan's rules."""

    resolved: int  # equal once normalized or within tolerance
    within_tolerance: int
    different: int
    invalid_json: int
    columns: tuple[ColumnStat, ...]


def classify(work: EntityWork) -> Classified:
    """Copy both sides' rows of the non-equal keys and classify them (see the module docs)."""
    for side in range(2):
        _copy_side(work, side)
    _execute(work, _rows_statement(work))
    return _read(work)


def _typed_match(keys: list[exp.Expr], null_safe: bool) -> exp.Expr:
    ops = [
        (exp.NullSafeEQ if null_safe else exp.EQ)(this=k, expression=column(key_alias(i), "i"))
        for i, k in enumerate(keys)
    ]
    return exp.and_(*ops)


def _copy_side(work: EntityWork, side: int) -> None:
    """Rows of the ids' keys; keys with a NULL part go through a null-safe (unhashed) join."""
    plan, temps = work.plan, work.temps
    target = temps.create(SIDES[side])
    keys = [key_value(c, side) for c in plan.key]
    values = [exp.alias_(text_value(c, side), c.name, quoted=True) for c in plan.pulled]
    ids = table(temps.name("ids"), "pg_temp")
    any_null = exp.or_(*(exp.Is(this=column(key_alias(i)), expression=exp.Null()) for i in range(len(keys))))
    branches = []
    for null_safe in (False, True):
        joined: exp.Expr = ids.copy().as_("i")
        if null_safe:
            joined = exp.select("*").from_(ids.copy()).where(any_null).subquery("i")
        select = (
            exp.select(exp.alias_(column("_row", "i"), ROW_ID, quoted=True), *values)
            .from_(work.queries[side].subquery(SOURCE))
            .join(joined, on=_typed_match([k.copy() for k in keys], null_safe))
        )
        branches.append(select)
    union = exp.union(*branches, distinct=False).subquery("u")
    ordered = (
        exp.select("*")
        .from_(union)
        .distinct(column(ROW_ID))
        .order_by(column(ROW_ID), *(column(c.name) for c in plan.pulled))
    )
    _execute(work, f"CREATE TEMP TABLE {render(target)} AS {render(ordered)}")


def _numeric(value: exp.Expr) -> exp.Expr:
    return exp.cast(value, exp.DataType.build("numeric"))


def _gap(col: Column) -> exp.Expr:
    """|control - candidate| of two finite numbers, else NULL."""
    a, b = (_numeric(column(col.name, s)) for s in SIDES)
    specials = [
        exp.cast(exp.Literal.string(s), exp.DataType.build("numeric"))
        for s in ("NaN", "Infinity", "-Infinity")
    ]
    finite = exp.and_(
        *(exp.not_(exp.In(this=v.copy(), expressions=[s.copy() for s in specials])) for v in (a, b))
    )
    return exp.Case(ifs=[exp.If(this=finite, true=catalog_call("abs", exp.Sub(this=a, expression=b)))])


def _differs(col: Column, version: int) -> exp.Expr:
    a: exp.Expr
    b: exp.Expr
    a, b = (column(col.name, s) for s in SIDES)
    if col.rule is Rule.NUMBER:
        same = exp.or_(
            exp.NullSafeEQ(this=_numeric(a), expression=_numeric(b)),
            exp.LTE(this=_gap(col), expression=exp.Literal.number(str(col.tolerance))),
        )
        return exp.not_(exp.Coalesce(this=exp.paren(same), expressions=[exp.false()]))
    if col.rule is Rule.JSON:
        a, b = json_value(a, version), json_value(b, version)
    elif col.rule is Rule.TRIM:
        a, b = (catalog_call("btrim", v, exp.Literal.string(BLANKS)) for v in (a, b))
    elif col.rule is Rule.CASEFOLD:
        a, b = (catalog_call("lower", v) for v in (a, b))
    return exp.NullSafeNEQ(this=a, expression=b)


def json_valid(text: exp.Expr, version: int) -> exp.Expr:
    """Whether jsonb accepts the text (NULL for NULL)."""
    canonical = json_text(text, version)
    prefix = catalog_call("left", canonical, exp.Literal.number(len(INVALID_JSON_PREFIX)))
    return exp.NEQ(this=prefix, expression=exp.Literal.string(INVALID_JSON_PREFIX))


def json_value(text: exp.Expr, version: int) -> exp.Expr:
    """Valid JSON as [value] (jsonb equality: 1.0 equals 1), invalid as {"invalid": text}:
    the two shapes never compare equal; NULL stays NULL."""
    valid = exp.cast(text.copy(), exp.DataType.build("jsonb"))
    return exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=text.copy(), expression=exp.Null()), true=exp.Null()),
            exp.If(this=json_valid(text, version), true=catalog_call("jsonb_build_array", valid)),
        ],
        default=catalog_call("jsonb_build_object", exp.Literal.string("invalid"), text.copy()),
    )


def _is_different() -> exp.Expr:
    return exp.EQ(this=column("cls", "i"), expression=exp.Literal.string(DIFFERENT))


def _flags(plan: Plan, version: int) -> list[exp.Expr]:
    """Per compared column i: _d (differs), and for numbers _n (not numerically equal) and
    _g (the gap), for JSON _j (invalid on a side); all false/NULL off class 'different'."""
    flags: list[exp.Expr] = []
    for i, col in enumerate(plan.compared):
        flags.append(exp.alias_(exp.and_(_is_different(), _differs(col, version)), f"_d{i}", quoted=True))
        a, b = (column(col.name, s) for s in SIDES)
        if col.rule is Rule.NUMBER:
            distinct = exp.NullSafeNEQ(this=_numeric(a.copy()), expression=_numeric(b.copy()))
            flags.append(exp.alias_(exp.and_(_is_different(), distinct), f"_n{i}", quoted=True))
            gap = exp.Case(ifs=[exp.If(this=_is_different(), true=_gap(col))])
            flags.append(exp.alias_(gap, f"_g{i}", quoted=True))
        if col.rule is Rule.JSON:
            invalid = exp.or_(*(_invalid(v.copy(), version) for v in (a, b)))
            flags.append(exp.alias_(invalid, f"_j{i}", quoted=True))
    return flags


def _invalid(value: exp.Expr, version: int) -> exp.Expr:
    present = exp.not_(exp.Is(this=value.copy(), expression=exp.Null()))
    return exp.paren(exp.and_(present, exp.not_(json_valid(value, version))))


def _names_array(names: list[str]) -> str:
    if not names:
        return "CAST('{}' AS text[])"
    return "CAST(ARRAY[" + ", ".join(names) + "] AS text[])"


def _any(parts: list[str]) -> str:
    return "(" + " OR ".join(parts) + ")" if parts else "false"


def _rows_statement(work: EntityWork) -> sql.Composed:
    plan, temps = work.plan, work.temps
    version = work.conn.info.server_version
    compared = list(plan.compared)
    differ = [f'"_d{i}"' for i in range(len(compared))]
    labels = [sql.Literal(c.name).as_string() for c in compared]
    numbers = [f'"_n{i}"' for i, c in enumerate(compared) if c.rule is Rule.NUMBER]
    invalid = [f'("_d{i}" AND "_j{i}")' for i, c in enumerate(compared) if c.rule is Rule.JSON]
    differing = (
        "pg_catalog.array_remove("
        + _names_array([f"CASE WHEN {d} THEN {label} END" for d, label in zip(differ, labels, strict=True)])
        + ", NULL)"
    )
    outer = (
        f"cls <> 'different' OR {_any(differ)} AS _difference, "
        f"{differing} AS _differing, "
        f"CASE WHEN cls = 'different' THEN {differing} ELSE {_names_array(labels)} END AS _cover, "
        f"cls = 'different' AND NOT {_any(differ)} AND {_any(numbers)} AS _within, "
        f"{_any(invalid)} AS _invalid, CAST(NULL AS text) AS _accepted"
    )
    inner = ", ".join(render(f) for f in _flags(plan, version))
    return ROWS.format(
        rows=sql.Identifier(temps.create("rows").name),
        flags=sql.SQL(", " + inner if inner else ""),
        outer=sql.SQL(outer),
        **pair_tables(work),
    )


def pair_tables(work: EntityWork) -> dict[str, sql.Identifier]:
    temps = work.temps
    return {
        "ids": temps.identifier("ids"),
        "control": temps.identifier("control"),
        "candidate": temps.identifier("candidate"),
    }


ROWS = sql.SQL("""
CREATE TEMP TABLE {rows} AS
SELECT *, {outer} FROM (
    SELECT i."_row", i.cls,
           control."_harness_row" IS NOT NULL AND candidate."_harness_row" IS NOT NULL AS _paired{flags}
    FROM {ids} AS i
    LEFT JOIN {control} AS control ON control."_harness_row" = i."_row"
    LEFT JOIN {candidate} AS candidate ON candidate."_harness_row" = i."_row"
) AS f
""")


def _read(work: EntityWork) -> Classified:
    compared = list(work.plan.compared)
    stats = []
    for i, col in enumerate(compared):
        gap = f'pg_catalog.max("_g{i}")' if col.rule is Rule.NUMBER else "NULL"
        stats.append(f'pg_catalog.count(*) FILTER (WHERE "_d{i}"), {gap}')
    query = sql.SQL(
        "SELECT pg_catalog.count(*) FILTER (WHERE cls = 'different' AND NOT _difference), "
        "pg_catalog.count(*) FILTER (WHERE _within), "
        "pg_catalog.count(*) FILTER (WHERE cls = 'different' AND _difference), "
        "pg_catalog.count(*) FILTER (WHERE _invalid), "
        "pg_catalog.count(*) FILTER (WHERE cls = 'different' AND NOT _paired){} FROM {}"
    ).format(sql.SQL("".join(", " + s for s in stats)), work.temps.identifier("rows"))
    row = work.conn.execute(query).fetchone()
    assert row is not None
    columns = tuple(
        ColumnStat(col.name, int(row[5 + 2 * i]), row[6 + 2 * i])
        for i, col in enumerate(compared)
        if row[5 + 2 * i] or row[6 + 2 * i]
    )
    if row[4]:
        # a key both sides hold yet one side's row was not found again: never count it equal
        raise EntityQueryError(
            f"{work.spec.name}: {row[4]} differing keys could not be read back from both sides; "
            "the comparison cannot classify them"
        )
    return Classified(int(row[0]), int(row[1]), int(row[2]), int(row[3]), columns)


def _execute(work: EntityWork, statement: str | sql.Composed) -> None:
    try:
        work.conn.execute(statement)
    except psycopg.Error as exc:
        raise EntityQueryError(
            f"{work.spec.name}: classifying the differing rows failed: {first_line(exc)}"
        ) from exc
