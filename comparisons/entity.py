"""Compare one entity for one date: the pipeline of the two stages and accepted differences."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from comparisons.accepted import AcceptedDifference, apply_accepted
from comparisons.connection import Connection
from comparisons.detail import Detail, run_stage2
from comparisons.patterns import group_patterns, pick_samples
from comparisons.plan import Plan, build_plan, describe
from comparisons.pushdown import Stage1, run_stage1
from comparisons.qualify import render, side_query
from comparisons.result import ColumnStat, Counts, EntityResult, verdict
from comparisons.spec import EntitySpec
from comparisons.work import EntityWork

DEFAULT_MAX_DETAIL_ROWS = 10_000
# Stage 1 groups both sides' rows by key in one hash aggregate; with the default 4MB it
# spills to disk from ~50k rows. Set for the comparison only, then restored.
DEFAULT_WORK_MEM = "256MB"


def compare_entity(
    conn: Connection,
    spec: EntitySpec,
    control_schema: str,
    candidate_schema: str,
    business_date: date,
    accepted: Sequence[AcceptedDifference],
    *,
    max_detail_rows: int = DEFAULT_MAX_DETAIL_ROWS,
    today: date,
    work_mem: str = DEFAULT_WORK_MEM,
) -> EntityResult:
    """Compare ``spec`` between the two schemas for ``business_date`` (see the package docs)."""
    if max_detail_rows < 0:
        raise ValueError("max_detail_rows must be >= 0")
    schemas = (control_schema, candidate_schema)
    entries = [a for a in accepted if a.entity == spec.name]
    work = EntityWork.of(conn, spec, _plan(conn, spec, schemas, business_date), schemas, business_date)
    with _setting(conn, "work_mem", work_mem):
        try:
            stage1 = run_stage1(work, max_detail_rows)
            detail = run_stage2(work) if stage1.not_equal else None
            differences = detail.differences if detail else ()
            covered = apply_accepted(work, differences, entries, today)
        finally:
            work.temps.drop(conn)
    counts = _counts(stage1, detail, covered)
    per_entry = Counter(covered.values())
    return EntityResult(
        business_date=business_date,
        entity=spec.name,
        verdict=verdict(counts),
        key=spec.key,
        counts=counts,
        columns=tuple(ColumnStat(c.column, c.mismatches, c.max_difference) for c in detail.columns)
        if detail
        else (),
        patterns=group_patterns(differences, covered),
        samples=pick_samples(work.plan, differences, covered),
        accepted=tuple((e.id, 0 if e.expired(today) else per_entry[e.id]) for e in entries),
    )


def _plan(conn: Connection, spec: EntitySpec, schemas: tuple[str, str], business_date: date) -> Plan:
    described = [
        describe(conn, render(side_query(spec.parsed, schema, business_date)), label, spec.name)
        for schema, label in zip(schemas, ("control", "candidate"), strict=True)
    ]
    return build_plan(spec, described[0], described[1])


def _counts(stage1: Stage1, detail: Detail | None, covered: dict[int, str]) -> Counts:
    """Final counts: stage 2 decides for the examined keys, stage 1 stands for the rest."""
    kinds = Counter(d.kind for d in detail.differences) if detail else Counter()
    examined = Counter(detail.stage1_classes) if detail else Counter()
    resolved = (detail.equal + detail.within_tolerance) if detail else 0
    different = stage1.different - examined["different"] + kinds["different"] + kinds["invalid_json"]
    control_only = stage1.control_only - examined["control_only"] + kinds["control_only"]
    candidate_only = stage1.candidate_only - examined["candidate_only"] + kinds["candidate_only"]
    duplicate_keys = stage1.duplicate_keys - examined["duplicate_key"] + kinds["duplicate_key"]
    differences = different + control_only + candidate_only + duplicate_keys
    return Counts(
        control_rows=stage1.control_rows,
        candidate_rows=stage1.candidate_rows,
        equal=stage1.equal + resolved,
        different=different,
        control_only=control_only,
        candidate_only=candidate_only,
        duplicate_keys=duplicate_keys,
        within_tolerance=detail.within_tolerance if detail else 0,
        invalid_json=kinds["invalid_json"],
        accepted=len(covered),
        unexplained=differences - len(covered),
        examined=stage1.examined,
    )


@contextmanager
def _setting(conn: Connection, name: str, value: str) -> Iterator[None]:
    row = conn.execute("SELECT pg_catalog.current_setting(%s)", (name,)).fetchone()
    previous = str(row[0]) if row else None
    conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", (name, value))
    try:
        yield
    finally:
        if previous is not None:
            conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", (name, previous))
