"""Spec queries as sqlglot trees: parse once, then bind the date and qualify per side.

A spec query is written unqualified, as a side sees its own tables. For a comparison it
runs against two schemas at once, so every table that is not a CTE of the query itself
gets the side's schema; tables the user qualified stay as written.
"""

from __future__ import annotations

from datetime import date

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from comparisons.errors import first_line

DIALECT = "postgres"
DATE_PARAMETER = "business_date"
CATALOG = "pg_catalog"


class QueryProblem(ValueError):
    """The text is not one SELECT query in the PostgreSQL dialect (message says why)."""


def parse_query(text: str) -> exp.Query:
    """Parse a spec query; only ``:business_date`` may appear as a placeholder."""
    try:
        statements = sqlglot.parse(text, read=DIALECT)
    except SqlglotError as exc:
        raise QueryProblem(f"does not parse as PostgreSQL: {first_line(exc)}") from exc
    statements = [s for s in statements if s is not None]
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise QueryProblem("must be exactly one SELECT query")
    query = statements[0]
    for placeholder in query.find_all(exp.Placeholder):
        if placeholder.name != DATE_PARAMETER:
            raise QueryProblem(f"may only use the placeholder :{DATE_PARAMETER}, not {placeholder.sql()}")
    return query


def parse_condition(text: str) -> exp.Expr:
    """Parse a SQL predicate (the body of a WHERE clause) into an expression."""
    try:
        statements = [s for s in sqlglot.parse(f"SELECT 1 WHERE {text}", read=DIALECT) if s is not None]
    except SqlglotError as exc:
        raise QueryProblem(f"does not parse as a PostgreSQL predicate: {first_line(exc)}") from exc
    select = statements[0] if len(statements) == 1 else None
    where = select.args.get("where") if isinstance(select, exp.Select) else None
    if (
        select is None
        or where is None
        or any(select.args.get(k) for k in ("from_", "group", "order", "limit"))
    ):
        raise QueryProblem("must be a single predicate, e.g. control.amount IS NULL")
    predicate: exp.Expr = where.this
    return predicate


def side_query(query: exp.Query, schema: str, business_date: date) -> exp.Query:
    """The query with its date bound and its tables qualified to ``schema``."""
    return qualify(bind_date(query, business_date), schema)


def bind_date(query: exp.Query, business_date: date) -> exp.Query:
    literal = exp.cast(exp.Literal.string(business_date.isoformat()), exp.DataType.build("date"))

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and node.name == DATE_PARAMETER:
            return literal.copy()
        return node

    bound = query.copy().transform(replace)
    assert isinstance(bound, exp.Query)
    return bound


def qualify(query: exp.Query, schema: str) -> exp.Query:
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    qualified = query.copy()
    for table in qualified.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.args.get("db"):
            continue  # a table function, or qualified by the user
        if table.name in ctes:
            continue
        table.set("db", ident(schema))
    return qualified


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def column(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table else None)


def table(name: str, schema: str | None = None) -> exp.Table:
    return exp.Table(this=ident(name), db=ident(schema) if schema else None)


def call(schema: str, name: str, *arguments: exp.Expr) -> exp.Dot:
    """``schema.name(arguments)``, rendered as written (an Anonymous alone is upper-cased)."""
    function = exp.Anonymous(this=name, expressions=list(arguments))
    return exp.Dot(this=exp.to_identifier(schema), expression=function)


def catalog_call(name: str, *arguments: exp.Expr) -> exp.Dot:
    """A built-in function qualified with pg_catalog: no function of the same name in a
    schema on the search_path (a side's, public) can take its place."""
    return call(CATALOG, name, *arguments)


def render(expression: exp.Expr) -> str:
    return expression.sql(dialect=DIALECT)


def referenced_tables(query: exp.Query) -> list[str]:
    """Unqualified table names a spec query reads (its own CTEs excepted)."""
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    names = {
        t.name
        for t in query.find_all(exp.Table)
        if isinstance(t.this, exp.Identifier) and not t.args.get("db") and t.name not in ctes
    }
    return sorted(names)
