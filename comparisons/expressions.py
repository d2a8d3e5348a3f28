"""The SQL expressions of a plan's columns, per side: what is hashed, grouped and pulled.

Stage 1 hashes ``hash_value`` of every compared column and groups on ``key_value``;
stage 2 reads ``text_value`` of every pulled column and normalizes it in Python the same
way (see comparisons.normalize), so a row equal in the hash is equal in pandas. Every
function called is schema-qualified (pg_catalog, or pg_temp for the JSON fallback).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from sqlglot import exp

from comparisons.normalize import BLANKS, INVALID_JSON_PREFIX
from comparisons.plan import Column, Rule
from comparisons.qualify import call, catalog_call, column

SOURCE = "s"  # alias of a side's spec query inside the generated statements
JSON_FUNCTION = "harness_json_text"  # pg_temp fallback for servers without pg_input_is_valid
JSON_FUNCTION_FILE = "sql/json_text.sql"  # creates it, in this package
PG_INPUT_IS_VALID = 160000


def _text(expression: exp.Expr) -> exp.Expr:
    return exp.cast(expression, exp.DataType.build("text"))


def _null(type_name: str) -> exp.Expr:
    return exp.cast(exp.Null(), exp.DataType.build(type_name))


def source_column(col: Column) -> exp.Column:
    return column(col.name, SOURCE)


def text_value(col: Column, side: int) -> exp.Expr:
    """The column as text (NULL when this side's query lacks it)."""
    return _text(source_column(col)) if col.present[side] else _null("text")


def key_value(col: Column, side: int) -> exp.Expr:
    return source_column(col) if col.native else _text(source_column(col))


def hash_value(col: Column, side: int, server_version: int) -> exp.Expr:
    """The normalized value that goes into the row hash."""
    if not col.present[side]:
        return _null("numeric" if col.rule is Rule.NUMBER else "text")
    if col.native:
        return source_column(col)  # numeric hashes ignore trailing zeros: 1.10 and 1.1 agree
    text = _text(source_column(col))
    if col.rule is Rule.NUMBER:
        return exp.cast(text, exp.DataType.build("numeric"))
    if col.rule is Rule.TRIM:
        return catalog_call("btrim", text, exp.Literal.string(BLANKS))
    if col.rule is Rule.CASEFOLD:
        return catalog_call("lower", text)
    if col.rule is Rule.JSON:
        return json_text(text, server_version)
    return text


def needs_json_function(server_version: int) -> bool:
    """PostgreSQL 15 has no pg_input_is_valid: JSON validity goes through a pg_temp function."""
    return server_version < PG_INPUT_IS_VALID


def json_text(text: exp.Expr, server_version: int) -> exp.Expr:
    """Canonical jsonb text of valid JSON; 'invalid:' || the text otherwise.

    Validity is what jsonb accepts (``IS JSON`` alone also accepts "\\u0000" and lone
    surrogates, which jsonb rejects): pg_input_is_valid on PostgreSQL 16+, else a pg_temp
    function that catches the cast error.
    """
    if needs_json_function(server_version):
        return call("pg_temp", JSON_FUNCTION, text)
    canonical = _text(exp.cast(text.copy(), exp.DataType.build("jsonb")))
    invalid = exp.DPipe(this=exp.Literal.string(INVALID_JSON_PREFIX), expression=text.copy())
    valid = catalog_call("pg_input_is_valid", text.copy(), exp.Literal.string("jsonb"))
    return exp.Case(ifs=[exp.If(this=valid, true=canonical)], default=invalid)


@cache
def json_function_sql() -> str:
    """The statement creating pg_temp.harness_json_text (comparisons/sql/json_text.sql)."""
    return files("comparisons").joinpath(JSON_FUNCTION_FILE).read_text(encoding="utf-8")
