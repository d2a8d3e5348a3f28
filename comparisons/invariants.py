"""Accounting invariants: queries over one side's output that must find no violations.

An invariant ([[invariants]]: name, query or query_file, and an optional one-line
description for the report's Method section) is a query over a side's tables,
unqualified, with ``:business_date``, returning one row: violations (a count) and detail
(text naming the first offenders). It holds when violations is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources.abc import Traversable
from typing import Any

import psycopg

from comparisons import values
from comparisons.connection import Connection
from comparisons.errors import InvariantQueryError
from comparisons.qualify import parse_query, render, side_query

INVARIANT_KEYS = ("name", "query", "query_file", "description")


@dataclass(frozen=True)
class InvariantSpec:
    name: str
    query: str
    origin: str = ""
    query_file: str = ""  # the file query was read from, as the config names it ("" inline)
    description: str = ""  # one line for the report's Method section


@dataclass(frozen=True)
class InvariantResult:
    business_date: date
    name: str
    holds: bool
    violations: int
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "name": self.name,
            "holds": self.holds,
            "violations": self.violations,
            "detail": self.detail,
        }


def parse_invariants(
    raw: list[dict[str, Any]], where: str, base: Traversable | None = None
) -> tuple[InvariantSpec, ...]:
    """The [[invariants]] tables of the config at ``where``; ``base`` as for parse_entity_specs."""
    places = [values.Where(where, f"invariants[{i}]") for i in range(len(raw))]
    specs = tuple(_invariant(data, place, base) for data, place in zip(raw, places, strict=True))
    values.unique((s.name for s in specs), places, "name")
    return specs


def _invariant(data: dict[str, Any], where: values.Where, base: Traversable | None) -> InvariantSpec:
    if not isinstance(data, dict):
        raise where.whole("must be a table")
    values.check_keys(data, INVARIANT_KEYS, where, required=("name",))
    query, query_file = values.query(data, where, base)
    description = values.text(data, "description", where) if "description" in data else ""
    return InvariantSpec(values.text(data, "name", where), query, str(where), query_file, description)


def check_invariants(
    conn: Connection, invariants: Sequence[InvariantSpec], schema: str, business_date: date
) -> list[InvariantResult]:
    """Run every invariant against ``schema`` for the date, in config order."""
    return [_check(conn, invariant, schema, business_date) for invariant in invariants]


def _check(conn: Connection, invariant: InvariantSpec, schema: str, business_date: date) -> InvariantResult:
    query = render(side_query(parse_query(invariant.query), schema, business_date))
    try:
        rows = conn.execute(query).fetchall()
    except psycopg.Error as exc:
        raise InvariantQueryError(
            f"{invariant.origin} ({invariant.name}): the query failed on {schema}: {exc}"
        ) from exc
    if len(rows) != 1 or len(rows[0]) != 2 or not isinstance(rows[0][0], int):
        raise InvariantQueryError(
            f"{invariant.origin} ({invariant.name}): must return one row (violations bigint, detail text), "
            f"got {len(rows)} row(s)"
        )
    violations, detail = rows[0]
    return InvariantResult(business_date, invariant.name, violations == 0, int(violations), str(detail or ""))
