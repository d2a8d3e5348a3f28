"""Accepted differences applied in PostgreSQL to every differing key of an entity.

Works on the tables comparisons.classify leaves: ``<run>_rows`` (one row per non-equal
key: ``_difference``, ``_cover`` = the columns an entry must list, ``_d<i>`` per compared
column, ``_accepted``) beside ``<run>_control`` / ``<run>_candidate`` (the pair as text).
Entries are applied in config order, each to the rows no earlier entry took; an entry with
an ``expect`` covers only the rows in its scope that meet it, and the rest of its scope is
counted as unmet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg import sql

from comparisons.accepted import ALL_COLUMNS, AcceptedDifference
from comparisons.classify import json_valid, pair_tables
from comparisons.errors import EntityQueryError, first_line
from comparisons.qualify import column, render
from comparisons.work import EntityWork, key_alias


@dataclass(frozen=True)
class Coverage:
    covered: dict[str, int]  # entry id -> rows it covered (config order)
    unmet: dict[str, int]  # entry id -> rows in its scope that did not meet its expectation


SCOPE = sql.SQL("""
FROM {ids} AS i
LEFT JOIN {control} AS control ON control."_harness_row" = i."_row"
LEFT JOIN {candidate} AS candidate ON candidate."_harness_row" = i."_row"
WHERE r."_row" = i."_row" AND r._accepted IS NULL AND r._difference AND {scope}
""")


def apply_coverage(work: EntityWork, entries: Sequence[AcceptedDifference], today: date) -> Coverage:
    active = [e for e in entries if not e.expired(today)]
    covered = {e.id: 0 for e in entries}
    unmet = {e.id: 0 for e in entries if e.expect is not None}
    for entry in active:
        scope = _scope(work, entry)
        expect = sql.SQL("COALESCE(({}), false)").format(sql.SQL(entry.expect or "true"))
        covered[entry.id] = _update(work, entry, sql.SQL("{} AND {}").format(scope, expect))
        if entry.expect is not None:
            unmet[entry.id] = _count(work, entry, scope)
    return Coverage(covered, unmet)


def _from(work: EntityWork, scope: sql.Composable) -> sql.Composed:
    return SCOPE.format(scope=scope, **pair_tables(work))


def _update(work: EntityWork, entry: AcceptedDifference, scope: sql.Composable) -> int:
    statement = sql.SQL("UPDATE {rows} AS r SET _accepted = {id} {rest}").format(
        rows=work.temps.identifier("rows"), id=sql.Literal(entry.id), rest=_from(work, scope)
    )
    return _run(work, entry, statement).rowcount


def _count(work: EntityWork, entry: AcceptedDifference, scope: sql.Composable) -> int:
    statement = sql.SQL("SELECT pg_catalog.count(*) FROM {rows} AS r, LATERAL (SELECT 1 {rest}) AS s").format(
        rows=work.temps.identifier("rows"), rest=_from(work, scope)
    )
    row = _run(work, entry, statement).fetchone()
    return int(row[0]) if row else 0


def _run(work: EntityWork, entry: AcceptedDifference, statement: sql.Composed) -> psycopg.Cursor:
    try:
        return work.conn.execute(statement)
    except psycopg.Error as exc:
        raise EntityQueryError(
            f"{entry.origin}: accepted difference {entry.id!r} failed in SQL: {first_line(exc)}"
        ) from exc


def _scope(work: EntityWork, entry: AcceptedDifference) -> sql.Composable:
    """The rows the entry's columns and its one condition select."""
    parts: list[sql.Composable] = []
    if ALL_COLUMNS not in entry.columns:
        listed = sql.SQL(", ").join(sql.Literal(c) for c in entry.columns)
        parts.append(sql.SQL("r._cover <@ CAST(ARRAY[{}] AS text[])").format(listed))
    if entry.keys:
        parts.append(_listed_keys(work, entry))
    elif entry.when is not None:
        parts.append(_invalid_on(work, entry.when.removesuffix("_invalid_json")))
    else:
        parts.append(sql.SQL("({})").format(sql.SQL(entry.where or "true")))
    return sql.SQL(" AND ").join(parts)


def _listed_keys(work: EntityWork, entry: AcceptedDifference) -> sql.Composable:
    width = len(entry.keys[0])  # the entity's key; a whole-books key adds the date after it
    keys = sql.SQL(", ").join(
        sql.SQL("CAST(i.{} AS text)").format(sql.Identifier(key_alias(i))) for i in range(width)
    )
    listed = sql.SQL(", ").join(
        sql.SQL("({})").format(sql.SQL(", ").join(sql.Literal(v) for v in key)) for key in entry.keys
    )
    return sql.SQL("({}) IN (VALUES {})").format(keys, listed)


def _invalid_on(work: EntityWork, side: str) -> sql.Composable:
    """Some column differs, and that side's value of every differing column is not JSON."""
    version = work.conn.info.server_version
    parts: list[sql.Composable] = [sql.SQL("pg_catalog.cardinality(r._differing) > 0")]
    for i, col in enumerate(work.plan.compared):
        valid = render(json_valid(column(col.name, side), version))
        parts.append(
            sql.SQL('(NOT r."_d{}" OR NOT COALESCE({}, false))').format(sql.SQL(str(i)), sql.SQL(valid))
        )
    return sql.SQL(" AND ").join(parts)
