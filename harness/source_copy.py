"""The run's input copied from the source's server into a side on another server.

On one server a side's copy is ``CREATE TABLE ... (LIKE ...)`` and ``INSERT ... SELECT``
(harness.isolation). Across servers the same table is rebuilt from the source's catalog
(columns, defaults, identity, check, key and unique constraints, other indexes: what LIKE
copies) and its rows streamed with COPY between the two connections, never through a
file or the harness's memory. The copy is fingerprinted on the side's server with the
same md5-of-text fingerprint as on one server, which is identical across servers and
PostgreSQL versions, so both sides are proved to have received the same input.
"""

from __future__ import annotations

import re
from datetime import date
from importlib.resources import files

import psycopg
from psycopg import sql

from comparisons.stream import copy_between
from harness.database import Connection, first_line
from harness.errors import IsolationError
from harness.fingerprint import Fingerprint, fingerprint
from harness.isolation import SideSpace, finish_copy
from harness.source_config import SourceConfig

INDEX_HEAD = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?.+? USING ", re.DOTALL)


def _sql(name: str) -> str:
    return files("harness.sql").joinpath(name).read_text(encoding="utf-8")


def copy_source_across(
    source: Connection, target: Connection, space: SideSpace, config: SourceConfig, dates: list[date]
) -> dict[str, Fingerprint]:
    """Every source table rebuilt in the side's schema on ``target``; fingerprints by table."""
    prints = {}
    with target.transaction():
        for table in config.tables:
            serials = _create_table(source, target, config.schema, space, table)
            _stream_rows(
                source, target, config.schema, space, table, config.date_scoped_tables.get(table), dates
            )
            finish_copy(target, space, table, config.replay.get(table, {}), serials)
            prints[table] = fingerprint(target, space.schema, table)
    for table in config.tables:
        target.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(space.schema, table)))
    return prints


def _create_table(
    source: Connection, target: Connection, schema: str, space: SideSpace, table: str
) -> list[str]:
    """The table as the source's catalog describes it; the columns drawing from a sequence."""
    origin = sql.Identifier(schema, table).as_string(source)
    try:
        columns = source.execute(_sql("source_columns.sql"), {"table": origin}).fetchall()
    except psycopg.errors.UndefinedTable as exc:
        raise IsolationError(
            f"source table {schema}.{table} does not exist on the source's server; load it into "
            f"schema {schema!r} there first, or fix [source] in the config"
        ) from exc
    constraints = [str(r[0]) for r in source.execute(_sql("source_constraints.sql"), {"table": origin})]
    indexes = [str(r[0]) for r in source.execute(_sql("source_indexes.sql"), {"table": origin})]
    definitions, serials = _columns(columns, f"{schema}.{table}")
    definitions += [sql.SQL(c) for c in constraints]
    qualified = sql.Identifier(space.schema, table)
    try:
        target.execute(sql.SQL("CREATE TABLE {} ({})").format(qualified, sql.SQL(", ").join(definitions)))
        for index in indexes:
            target.execute(sql.SQL(INDEX_HEAD.sub(lambda m: _index_head(m, qualified, target), index)))
    except psycopg.Error as exc:
        raise IsolationError(
            f"cannot rebuild {schema}.{table} on the {space.label}'s server: {first_line(exc)}; "
            "its types, defaults and indexes must exist there too (built-in types only)"
        ) from exc
    return serials


def _index_head(match: re.Match[str], qualified: sql.Identifier, target: Connection) -> str:
    return f"CREATE {match.group(1) or ''}INDEX ON {qualified.as_string(target)} USING "


def _columns(rows: list[tuple[object, ...]], where: str) -> tuple[list[sql.Composable], list[str]]:
    definitions: list[sql.Composable] = []
    serials = []
    for name, type_name, not_null, default, identity, generated in rows:
        if generated:
            raise IsolationError(f"{where}.{name} is a generated column, which a side copy does not take")
        parts = [sql.Identifier(str(name)), sql.SQL(str(type_name))]
        if identity:
            always = "ALWAYS" if identity == "a" else "BY DEFAULT"
            parts.append(sql.SQL(f"GENERATED {always} AS IDENTITY"))
        elif default is not None and str(default).startswith("nextval("):
            serials.append(str(name))
        elif default is not None:
            parts.append(sql.SQL("DEFAULT ") + sql.SQL(str(default)))
        if not_null:
            parts.append(sql.SQL("NOT NULL"))
        definitions.append(sql.SQL(" ").join(parts))
    return definitions, serials


def _stream_rows(
    source: Connection,
    target: Connection,
    schema: str,
    space: SideSpace,
    table: str,
    date_column: str | None,
    dates: list[date],
) -> None:
    rows = sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table))
    if date_column:
        rows += sql.SQL(" WHERE {} = ANY({}::date[])").format(
            sql.Identifier(date_column), sql.Literal([d.isoformat() for d in dates])
        )
    try:
        copy_between(source, rows, target, sql.Identifier(space.schema, table))
    except psycopg.Error as exc:
        raise IsolationError(
            f"copying {schema}.{table} to the {space.label}'s server failed: {first_line(exc)}"
        ) from exc
