"""Coverage of the business cases on one date: what the input exercised and how it fared.

Each [[cases]] query (harness.cases) runs over the source schema in a read-only
transaction with the catalog pinned, on the harness's own connection, where the run's
differing keys are (harness.ledger.keys): a unit of a cell differs when an entity keyed on
the case's lineage recorded an unexplained difference under its value. A cell is judged
only when every entity of the date was compared and every difference can be traced to a
unit; otherwise it says why not, and never counts as matched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import psycopg
from psycopg import sql

from comparisons.qualify import parse_query, render, side_query
from comparisons.result import Verdict
from harness.cases import CaseSpec, keyed_on
from harness.config import Config
from harness.database import Connection, first_line
from harness.errors import ConfigError
from harness.ledger.entries import Comparison

MATCHED, DIFFERS, UNJUDGED, FAILED = "matched", "differs", "unjudged", "failed"
UNITS = sql.SQL(
    "SELECT key[{}], bool_or(accepted_by IS NULL) FROM harness.differing_key "
    "WHERE run_id = %s AND scope = 'date' AND business_date = %s AND entity = %s GROUP BY 1"
)
TRACED = (
    "SELECT DISTINCT u FROM pg_catalog.unnest(%(units)s::text[]) AS u "
    "WHERE u IN (SELECT CAST(c.unit AS text) FROM ({case}) AS c)"
)
CASE_TIMEOUT = "300s"  # a case query is evidence beside the verdict: it must not hold a run forever
UNJUDGED_VERDICTS = (Verdict.FAILED, Verdict.NO_OUTPUT, Verdict.REWRITTEN)


@dataclass(frozen=True)
class Cell:
    """One cell of a case on one date."""

    case: str
    cell: str | None  # None: the case query failed (note says why)
    units: int
    differing: int  # units with an unexplained difference
    accepted: int  # units whose differences are all accepted
    status: str  # matched | differs | unjudged | failed
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@cache
def _template() -> str:
    return files("harness.sql").joinpath("coverage_cells.sql").read_text(encoding="utf-8")


def date_cells(
    conn: Connection, config: Config, run_id: str, day: date, results: Sequence[Comparison]
) -> list[dict[str, Any]]:
    """Every case's cells on ``day``, given the date's comparison results."""
    mine = [r for r in results if r.business_date == day.isoformat() and not r.whole_books]
    lineages = {case.lineage for case in config.cases}
    differing = {lineage: _differing_units(conn, config, run_id, day, lineage) for lineage in lineages}
    untraced = {lineage: _untraced(conn, config, day, lineage, differing[lineage]) for lineage in lineages}
    cells: list[dict[str, Any]] = []
    for case in config.cases:
        units = differing[case.lineage]
        reasons = [*unjudged_reasons(config, case, mine), *untraced[case.lineage]]
        found = _case_cells(conn, config, case, day, units.unexplained, units.accepted, reasons)
        cells.extend(c.to_dict() for c in found)
    return cells


@dataclass(frozen=True)
class DifferingUnits:
    """The lineage values under the date's recorded differing keys."""

    unexplained: list[str]  # values with an unexplained difference in some entity
    accepted: list[str]  # values whose differences are all accepted
    without_value: int  # unexplained differing keys whose lineage column is NULL


def unjudged_reasons(config: Config, case: CaseSpec, results: Sequence[Comparison]) -> list[str]:
    """Why the date's results cannot tell whether a unit of ``case`` matched ([] if they can)."""
    keyed = keyed_on(config.entities, case.lineage)
    reasons = []
    for r in results:
        counts = r.counts or {}
        differs = bool(counts.get("unexplained") or counts.get("accepted"))
        if r.verdict in UNJUDGED_VERDICTS:
            reasons.append(f"{r.entity} is {r.verdict}")
        elif r.entity not in keyed and counts.get("unexplained"):
            reasons.append(f"{r.entity} differs and is not keyed on the {case.lineage}")
        elif r.entity in keyed and differs and r.key_list is None:
            reasons.append(f"{r.entity}'s differing keys were not recorded")
    return reasons


def _differing_units(
    conn: Connection, config: Config, run_id: str, day: date, lineage: str
) -> DifferingUnits:
    unexplained: set[str] = set()
    accepted: set[str] = set()
    without_value = 0
    for entity, position in keyed_on(config.entities, lineage).items():
        query = UNITS.format(sql.Literal(position + 1))
        for unit, any_unexplained in conn.execute(query, (run_id, day, entity)).fetchall():
            if unit is None:
                without_value += int(bool(any_unexplained))
            else:
                (unexplained if any_unexplained else accepted).add(str(unit))
    return DifferingUnits(sorted(unexplained), sorted(accepted - unexplained), without_value)


def _untraced(conn: Connection, config: Config, day: date, lineage: str, units: DifferingUnits) -> list[str]:
    """Why some unexplained differences belong to no cell: a key without the lineage value,
    or a value no case of the lineage holds (a row a side made up): then no cell of the
    date can claim its units all matched."""
    reasons = [f"{units.without_value} differing key(s) hold no {lineage}"] if units.without_value else []
    if not units.unexplained:
        return reasons
    traced: set[str] = set()
    for case in (c for c in config.cases if c.lineage == lineage):
        with _read_only(conn):
            rows = conn.execute(_traced_query(config, case, day), {"units": units.unexplained}).fetchall()
        traced.update(str(r[0]) for r in rows)
    stray = [u for u in units.unexplained if u not in traced]
    if stray:
        reasons.append(f"{len(stray)} differing {lineage}(s) in no case's units, e.g. {stray[0]}")
    return reasons


def _case_cells(
    conn: Connection,
    config: Config,
    case: CaseSpec,
    day: date,
    unexplained: list[str],
    accepted: list[str],
    reasons: list[str],
) -> list[Cell]:
    try:
        with _read_only(conn):
            values = {"unexplained": unexplained, "accepted": accepted, "case_name": case.name}
            rows = conn.execute(_cells_query(config, case, day), values).fetchall()
    except psycopg.Error as exc:
        return [Cell(case.name, None, 0, 0, 0, FAILED, f"the case query failed: {first_line(exc)}")]
    return [_cell(case.name, str(name), int(n), int(d), int(a), reasons) for name, n, d, a in rows]


def check_cases(conn: Connection, config: Config, day: date) -> None:
    """Plan every case query on the source before anything runs: a typo is a config error
    now, not a FAILED case after the sides ran."""
    for case in config.cases:
        try:
            with _read_only(conn):
                explain = sql.SQL("EXPLAIN ") + _cells_query(config, case, day)
                conn.execute(explain, {"unexplained": [], "accepted": [], "case_name": case.name})
        except psycopg.Error as exc:
            problem = f"case {case.name!r} fails on the source schema {config.source.schema!r}"
            raise ConfigError(f"{config.path}: {problem}: {first_line(exc)}") from exc


def _cells_query(config: Config, case: CaseSpec, day: date) -> sql.Composed:
    cell = sql.Identifier("c", "cell") if case.has_cell else sql.Placeholder("case_name")
    return sql.SQL(_template()).format(case=_bound(config, case, day), cell=cell)


def _traced_query(config: Config, case: CaseSpec, day: date) -> sql.Composed:
    return sql.SQL(TRACED).format(case=_bound(config, case, day))


def _bound(config: Config, case: CaseSpec, day: date) -> sql.SQL:
    bound = render(side_query(parse_query(case.query), config.source.schema, day))
    # The case's own % signs are text, not placeholders of the parameters bound here.
    return sql.SQL(bound.replace("%", "%%"))


@contextmanager
def _read_only(conn: Connection) -> Iterator[None]:
    """A read-only transaction that resolves names in the catalog only."""
    with conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true)")
        conn.execute("SELECT pg_catalog.set_config('statement_timeout', %s, true)", (CASE_TIMEOUT,))
        yield


def _cell(case: str, name: str, units: int, differing: int, accepted: int, reasons: list[str]) -> Cell:
    if differing:
        return Cell(case, name, units, differing, accepted, DIFFERS)
    if reasons:
        return Cell(case, name, units, 0, accepted, UNJUDGED, "; ".join(reasons))
    return Cell(case, name, units, 0, accepted, MATCHED)
