"""Compare one entity for one date: the pipeline of the two stages and accepted differences."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

import psycopg
from psycopg import sql
from sqlglot import exp

from comparisons.accepted import AcceptedDifference
from comparisons.classify import Classified, classify
from comparisons.connection import Connection
from comparisons.covering import Coverage, apply_coverage
from comparisons.detail import run_stage2
from comparisons.keylist import KeySink, stream_key_list
from comparisons.patterns import group_patterns, pick_samples
from comparisons.plan import NUMERIC, Plan, build_plan, query_columns
from comparisons.pushdown import Stage1, run_stage1
from comparisons.qualify import render
from comparisons.result import Counts, EntityResult, verdict
from comparisons.schema import SchemaFinding, column_types, schema_diff
from comparisons.spec import EntitySpec
from comparisons.work import Difference, EntityWork, Key, key_alias, side_queries

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
    key_list: KeySink | None = None,
) -> EntityResult:
    """Compare ``spec`` between the two schemas for ``business_date`` (see the package docs).

    ``key_list``, if given, receives every differing key with its final class, streamed from
    PostgreSQL before the temp tables go (comparisons.keylist).
    """
    if max_detail_rows < 0:
        raise ValueError("max_detail_rows must be >= 0")
    queries = side_queries(spec, (control_schema, candidate_schema), business_date)
    plan, findings, _ = plan_sides((conn, conn), spec, queries)
    return compare_work(
        EntityWork(conn, spec, plan, business_date, queries),
        findings,
        accepted,
        max_detail_rows=max_detail_rows,
        today=today,
        work_mem=work_mem,
        key_list=key_list,
    )


def compare_work(
    work: EntityWork,
    findings: tuple[SchemaFinding, ...],
    accepted: Sequence[AcceptedDifference],
    *,
    max_detail_rows: int,
    today: date,
    work_mem: str = DEFAULT_WORK_MEM,
    key_list: KeySink | None = None,
) -> EntityResult:
    """The two stages and the accepted differences over ``work``'s queries; its temp tables
    (the caller's too, if it made any in ``work.temps``) dropped at the end."""
    conn, spec = work.conn, work.spec
    entries = [a for a in accepted if a.entity == spec.name]
    with session_setting(conn, "work_mem", work_mem):
        try:
            stage1 = run_stage1(work, max_detail_rows)
            if stage1.rows is not None:
                work = replace(work, queries=stage1.rows)  # the differing buckets' rows only
            exact, coverage, differences, covered = _decide(work, stage1, entries, today)
            if key_list is not None:
                stream_key_list(work, key_list, any_difference=bool(stage1.not_equal))
        finally:
            work.temps.drop(conn)
    counts = _counts(stage1, exact, coverage)
    return EntityResult(
        business_date=work.business_date,
        entity=spec.name,
        verdict=verdict(counts, schema_fails=any(f.fails for f in findings)),
        key=spec.key,
        counts=counts,
        columns=exact.columns,
        patterns=group_patterns(differences, covered),
        samples=pick_samples(work.plan, differences, covered),
        accepted=tuple((e.id, coverage.covered.get(e.id, 0)) for e in entries),
        expectation_unmet=tuple(coverage.unmet.items()),
        schema=findings,
    )


NOTHING = Classified(0, 0, 0, 0, ())


def _decide(
    work: EntityWork, stage1: Stage1, entries: Sequence[AcceptedDifference], today: date
) -> tuple[Classified, Coverage, tuple[Difference, ...], dict[int, str]]:
    """Exact classes and coverage of every non-equal key; samples of the examined ones."""
    if not stage1.not_equal:
        return NOTHING, Coverage({e.id: 0 for e in entries}, {}), (), {}
    exact = classify(work)
    coverage = apply_coverage(work, entries, today)
    detail = run_stage2(work)
    accepted_by = _accepted_by(work)
    covered = {i: accepted_by[d.key] for i, d in enumerate(detail.differences) if accepted_by.get(d.key)}
    return exact, coverage, detail.differences, covered


def _accepted_by(work: EntityWork) -> dict[Key, str]:
    """The examined keys (as text, as stage 2 reads them) -> the entry covering each."""
    keys = sql.SQL(", ").join(
        sql.SQL("CAST(e.{} AS text)").format(sql.Identifier(key_alias(i))) for i in range(len(work.plan.key))
    )
    query = sql.SQL(
        'SELECT {}, r._accepted FROM {} AS e JOIN {} AS r USING ("_row") WHERE r._accepted IS NOT NULL'
    ).format(keys, work.temps.identifier("examined"), work.temps.identifier("rows"))
    return {tuple(row[:-1]): str(row[-1]) for row in work.conn.execute(query).fetchall()}


def plan_sides(
    conns: tuple[Connection, Connection], spec: EntitySpec, queries: tuple[exp.Query, exp.Query]
) -> tuple[Plan, tuple[SchemaFinding, ...], tuple[list[psycopg.Column], list[psycopg.Column]]]:
    """The plan from the columns each side's query returns on its own connection, the schema
    findings, and those columns."""
    described = tuple(
        query_columns(conn, render(query), label, spec.name)
        for conn, query, label in zip(conns, queries, ("control", "candidate"), strict=True)
    )
    control, candidate = ([(c.name, c.type_code) for c in side] for side in described)
    findings = schema_diff(spec, column_types(described[0]), column_types(described[1]))
    declared = _declared_numeric(described[0]) & _declared_numeric(described[1])
    return build_plan(spec, control, candidate, declared), findings, (described[0], described[1])


def _declared_numeric(columns: list[psycopg.Column]) -> frozenset[str]:
    """The numeric columns with a declared precision (numeric(18,2): no Infinity fits)."""
    return frozenset(c.name for c in columns if c.type_code == NUMERIC and c.precision is not None)


def _counts(stage1: Stage1, exact: Classified, coverage: Coverage) -> Counts:
    """Stage 1 counts the keys by class; the classification decides the 'different' ones."""
    differences = exact.different + stage1.control_only + stage1.candidate_only + stage1.duplicate_keys
    accepted = sum(coverage.covered.values())
    return Counts(
        control_rows=stage1.control_rows,
        candidate_rows=stage1.candidate_rows,
        equal=stage1.equal + exact.resolved,
        different=exact.different,
        control_only=stage1.control_only,
        candidate_only=stage1.candidate_only,
        duplicate_keys=stage1.duplicate_keys,
        within_tolerance=exact.within_tolerance,
        invalid_json=exact.invalid_json,
        accepted=accepted,
        unexplained=differences - accepted,
        examined=stage1.examined,
    )


@contextmanager
def session_setting(conn: Connection, name: str, value: str) -> Iterator[None]:
    row = conn.execute("SELECT pg_catalog.current_setting(%s)", (name,)).fetchone()
    previous = str(row[0]) if row else None
    conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", (name, value))
    try:
        yield
    finally:
        if previous is not None:
            conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", (name, previous))
