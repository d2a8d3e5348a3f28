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


@dataclass(frozen=True)
class DifferingUnits:
    """The lineage values under the date's recorded differing keys."""

    unexplained: list[str]  # values with an unexplained difference in some entity
    accepted: list[str]  # values whose differences are all accepted
    without_value: int  # unexplained differing keys whose lineage column is NULL


@dataclass(frozen=True)
class CellCount:
    """A cell as the case query counted it, before it is judged."""

    cell: str
    units: int
    differing: int
    accepted: int
    traced: frozenset[str]  # its units with an unexplained difference


@cache
def _sql(name: str) -> str:
    return files("harness.sql").joinpath(name).read_text(encoding="utf-8")


def date_cells(
    conn: Connection,
    config: Config,
    run_id: str,
    day: date,
    results: Sequence[Comparison],
    source: Connection | None = None,
) -> list[dict[str, Any]]:
    """Every case's cells on ``day``, given the date's comparison results: the differing
    keys read from the ledger (``conn``), the case queries run on the source's server."""
    mine = [r for r in results if r.business_date == day.isoformat() and not r.whole_books]
    differing = _differing_units(conn, config, run_id, day)
    on = source or conn
    counted = {
        case.name: _count_cells(on, config, case, day, differing[case.lineage]) for case in config.cases
    }
    cells: list[dict[str, Any]] = []
    for case in config.cases:
        found = counted[case.name]
        if isinstance(found, str):
            cells.append(Cell(case.name, None, 0, 0, 0, FAILED, found).to_dict())
            continue
        reasons = [*unjudged_reasons(config, case, mine), *_untraced(config, case, differing, counted)]
        cells.extend(_cell(case.name, count, reasons).to_dict() for count in found)
    return cells


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


def _differing_units(conn: Connection, config: Config, run_id: str, day: date) -> dict[str, DifferingUnits]:
    """Lineage -> the values under the date's differing keys, from one read of the list."""
    lineages = {c.lineage for c in config.cases}
    keyed = [
        (e, lineage, pos) for lineage in lineages for e, pos in keyed_on(config.entities, lineage).items()
    ]
    values = {
        "entities": [e for e, _, _ in keyed],
        "lineages": [lineage for _, lineage, _ in keyed],
        "positions": [pos + 1 for _, _, pos in keyed],
        "run": run_id,
        "day": day,
    }
    rows = conn.execute(_sql("coverage_units.sql"), values).fetchall()
    return {lineage: _units_of([r[1:] for r in rows if r[0] == lineage]) for lineage in lineages}


def _units_of(rows: list[tuple[Any, ...]]) -> DifferingUnits:
    """From (value, any unexplained, unexplained keys) rows of one lineage."""
    unexplained = sorted(str(unit) for unit, flagged, _ in rows if unit is not None and flagged)
    accepted = sorted(str(unit) for unit, flagged, _ in rows if unit is not None and not flagged)
    return DifferingUnits(unexplained, accepted, sum(int(keys) for unit, _, keys in rows if unit is None))


def _untraced(
    config: Config,
    case: CaseSpec,
    differing: dict[str, DifferingUnits],
    counted: dict[str, list[CellCount] | str],
) -> list[str]:
    """Why some unexplained differences of the case's lineage belong to no cell: a key
    without the lineage value, or a value no case of the lineage holds (a row a side made
    up): then no cell of the date can claim its units all matched."""
    units = differing[case.lineage]
    reasons = (
        [f"{units.without_value} differing key(s) hold no {case.lineage}"] if units.without_value else []
    )
    traced: set[str] = set()
    for other in config.cases:
        found = counted[other.name]
        if other.lineage == case.lineage and not isinstance(found, str):
            traced.update(*(count.traced for count in found))
    stray = [u for u in units.unexplained if u not in traced]
    if stray:
        reasons.append(f"{len(stray)} differing {case.lineage}(s) in no case's units, e.g. {stray[0]}")
    return reasons


def _count_cells(
    conn: Connection, config: Config, case: CaseSpec, day: date, units: DifferingUnits
) -> list[CellCount] | str:
    """The case's cells as counted, or why the case query failed."""
    values = {"unexplained": units.unexplained, "accepted": units.accepted, "case_name": case.name}
    try:
        with _read_only(conn):
            rows = conn.execute(_cells_query(config, case, day), values).fetchall()
    except psycopg.Error as exc:
        return f"the case query failed: {first_line(exc)}"
    return [CellCount(str(cell), int(n), int(d), int(a), frozenset(traced)) for cell, n, d, a, traced in rows]


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
    return sql.SQL(_sql("coverage_cells.sql")).format(case=_bound(config, case, day), cell=cell)


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


def _cell(case: str, count: CellCount, reasons: list[str]) -> Cell:
    if count.differing:
        return Cell(case, count.cell, count.units, count.differing, count.accepted, DIFFERS)
    if reasons:
        return Cell(case, count.cell, count.units, 0, count.accepted, UNJUDGED, "; ".join(reasons))
    return Cell(case, count.cell, count.units, 0, count.accepted, MATCHED)
