"""Compare one date's output of the two sides: entity diffs, then invariants per side.

Two connections, two jobs: the harness's own (admin) loads each side's export files
into a table of the side's schema that the harness creates after the side's session has
ended; the reader (harness.reader) does every comparison. Neither runs side SQL.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import psycopg
from psycopg import sql

import comparisons
from comparisons.export import TABLE as EXPORT_TABLE
from comparisons.qualify import parse_query, referenced_tables
from comparisons.result import Verdict
from harness import coverage
from harness.config import Config
from harness.database import Connection, first_line
from harness.isolation import SideSpace
from harness.ledger.entries import Comparison, DateFinished
from harness.ledger.keys import KeyRecorder
from harness.reader import RELATIONS, Reading, refused_relations
from harness.side_execution import Execution
from harness.source import rows_on_date

DROP_BY_KIND = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE"}


@dataclass(frozen=True)
class DateOutcome:
    """Everything compared for one date: a result per entity, invariants per side."""

    business_date: date
    results: tuple[Comparison, ...]
    invariants: tuple[dict[str, Any], ...]
    input_rows: int | None  # of the config's unit on the date; None when it declares none
    cases: tuple[dict[str, Any], ...] = ()  # the business cases' cells (harness.coverage)

    def with_rewritten(self, rewritten: list[Comparison]) -> DateOutcome:
        """The outcome plus results of earlier dates this date's processing rewrote."""
        return replace(self, results=(*self.results, *rewritten))

    def verdicts(self) -> Counter[str]:
        return Counter(str(r.verdict) for r in self.results)

    def finished(self, compare_seconds: float, drift_seconds: float = 0.0) -> DateFinished:
        return DateFinished(
            business_date=self.business_date.isoformat(),
            input_rows=self.input_rows,
            verdicts=dict(self.verdicts()),
            invariants=list(self.invariants),
            compare_seconds=compare_seconds,
            drift_seconds=drift_seconds,
            cases=list(self.cases),
        )

    def progress_line(self) -> str:
        counts = ", ".join(f"{n} {v}" for v, n in sorted(self.verdicts().items()))
        broken = sum(1 for i in self.invariants if not i["holds"])
        tail = f"; {broken} invariant(s) broken" if broken else ""
        return f"{self.business_date}: {counts}{tail}"


def load_export(admin: Connection, execution: Execution) -> Execution:
    """The side's export files loaded for the comparison, on ``admin``, a session on the side's
    server (a side declaring an export only); the side failing if its files do not load."""
    # No table a side did not ask for: only a side that declares an export has one.
    if execution.failed or execution.space.side.export is None:
        return execution
    try:
        with admin.transaction():
            _drop_export_table(admin, execution.space.schema)
            comparisons.load_export_rows(admin, execution.space.schema, list(execution.exports))
    except (comparisons.ExportFormatError, psycopg.Error) as exc:
        return execution.failing(f"{execution.space.side.name}'s export could not be loaded: {exc}")
    return execution


def _drop_export_table(admin: Connection, schema: str) -> None:
    # The side owns its schema and may have put anything under this name; drop it unread.
    row = admin.execute(RELATIONS, (schema, [EXPORT_TABLE])).fetchone()
    if row is not None:
        kind = sql.SQL(DROP_BY_KIND.get(str(row[1]), "TABLE"))
        admin.execute(sql.SQL("DROP {} {} CASCADE").format(kind, sql.Identifier(schema, EXPORT_TABLE)))


def compare_date(
    reading: Reading,
    config: Config,
    spaces: tuple[SideSpace, SideSpace],
    day: date,
    executions: dict[str, Execution],
    max_detail_rows: int,
    keys: KeyRecorder | None = None,
    source: Connection | None = None,
) -> DateOutcome:
    """Every entity compared (differing keys recorded to ``keys``), then the invariants and,
    where the keys are recorded, the coverage of the business cases (their queries on
    ``source``, the source's server; default: the ledger's)."""
    control, reader = spaces[0], reading.sides[0]
    input_rows = _input_rows(reader, config, control.schema, day)
    failures = [e for e in executions.values() if e.failed]
    invariants: tuple[dict[str, Any], ...] = ()
    if failures:
        error = "; ".join(str(e.error) for e in failures)
        results = tuple(
            Comparison.failed(day.isoformat(), s.name, list(s.key), error) for s in config.entities
        )
    else:
        results = tuple(
            compare_entity(reading, config, spec, spaces, day, max_detail_rows, keys)
            for spec in config.entities
        )
        results = no_output(results, _inputs(reader, config, control.schema, day), input_rows or 0)
        invariants = tuple(
            inv
            for side, space in zip(reading.sides, spaces, strict=True)
            for inv in _invariants(side, config, space, day)
        )
    cases = coverage.date_cells(keys.conn, config, keys.run_id, day, results, source) if keys else []
    return DateOutcome(day, results, invariants, input_rows, tuple(cases))


def no_output(
    results: tuple[Comparison, ...], inputs: dict[str, int], unit_rows: int
) -> tuple[Comparison, ...]:
    """Entities empty on both sides although the date had the input they are made from.

    ``inputs`` maps an entity to the input rows it derives from (declared ``derived_from``);
    whatever the config declares, every entity empty while the date had input of its unit
    (``unit_rows``) is NO_OUTPUT.
    """
    everything_empty = bool(results) and all(_empty(r) for r in results)
    marked = []
    for r in results:
        rows = inputs.get(r.entity, unit_rows if everything_empty else 0)
        if rows and _empty(r) and r.verdict is Verdict.MATCH:
            reason = f"both sides processed 0 of {rows} input row(s): nothing to compare"
            r = replace(r, verdict=Verdict.NO_OUTPUT, error=reason)
        marked.append(r)
    return tuple(marked)


def _empty(result: Comparison) -> bool:
    counts = result.counts
    return counts is not None and counts["control_rows"] == counts["candidate_rows"] == 0


def _inputs(reader: Connection, config: Config, schema: str, day: date) -> dict[str, int]:
    """Input rows of the day per entity that declares ``derived_from``."""
    counted: dict[str, int] = {}
    found = {}
    for spec in config.entities:
        table = spec.derived_from
        if table:
            if table not in counted:
                column = config.source.date_scoped_tables[table]
                counted[table] = rows_on_date(reader, schema, table, column, day)
            found[spec.name] = counted[table]
    return found


def compare_entity(
    reading: Reading,
    config: Config,
    spec: comparisons.EntitySpec,
    spaces: tuple[SideSpace, SideSpace],
    day: date,
    max_detail_rows: int,
    keys: KeyRecorder | None = None,
) -> Comparison:
    """One entity's result; its differing keys recorded to ``keys`` (not recorded without)."""
    started = time.perf_counter()
    result = _compare_entity(reading, config, spec, spaces, day, max_detail_rows, keys)
    return replace(result, seconds=time.perf_counter() - started)


def _compare_entity(
    reading: Reading,
    config: Config,
    spec: comparisons.EntitySpec,
    spaces: tuple[SideSpace, SideSpace],
    day: date,
    max_detail_rows: int,
    keys: KeyRecorder | None = None,
) -> Comparison:
    tables = referenced_tables(spec.parsed)
    pairs = zip(reading.sides, spaces, strict=True)
    refused = next((r for conn, s in pairs if (r := refused_relations(conn, s, tables))), None)
    if refused:
        return Comparison.failed(day.isoformat(), spec.name, list(spec.key), f"side failed: {refused}")
    try:
        result = reading.compare_entity(
            spec,
            (spaces[0].schema, spaces[1].schema),
            day,
            config.accepted_differences,
            max_detail_rows=max_detail_rows,
            today=date.today(),
            key_list=keys.sink(spec.name, len(spec.key), day) if keys else None,
        )
    except (comparisons.ComparisonError, psycopg.Error) as exc:
        # The comparison itself could not run (a spec query fails on these sides' tables):
        # recorded as FAILED with the reason, never counted as a pass.
        reason = exc if isinstance(exc, comparisons.ComparisonError) else first_line(exc)
        return Comparison.failed(day.isoformat(), spec.name, list(spec.key), f"comparison failed: {reason}")
    recorded = keys.recorded.pop((spec.name, day.isoformat()), None) if keys else None
    return Comparison.from_body({**result.to_dict(), "key_list": recorded})


def _invariants(reader: Connection, config: Config, space: SideSpace, day: date) -> list[dict[str, Any]]:
    tables = sorted({t for inv in config.invariants for t in referenced_tables(parse_query(inv.query))})
    refused = refused_relations(reader, space, tables)
    try:
        if refused:
            raise comparisons.InvariantQueryError(refused)
        results = comparisons.check_invariants(reader, config.invariants, space.schema, day)
    except comparisons.ComparisonError as exc:
        return [
            {
                "business_date": day.isoformat(),
                "name": "invariant query",
                "holds": False,
                "violations": 1,
                "detail": str(exc),
                "label": space.label,
            }
        ]
    return [{**r.to_dict(), "label": space.label} for r in results]


def _input_rows(reader: Connection, config: Config, schema: str, day: date) -> int | None:
    unit = config.source.unit
    if unit is None:
        return None
    return rows_on_date(reader, schema, unit.table, config.source.date_scoped_tables[unit.table], day)
