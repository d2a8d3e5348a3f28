"""The run document's schema is checked against the ledger's types, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import fields

from comparisons.result import Verdict
from harness.ledger.entries import Comparison, ExecutionStatus, RunStatus, SideExecution
from harness.timings_doc import TIMING_KEYS
from reports.schema import load_schema


def _defs() -> dict[str, dict[str, object]]:
    defs: dict[str, dict[str, object]] = load_schema()["$defs"]
    return defs


def test_a_comparison_entry_is_exactly_the_documents_comparison() -> None:
    comparison = _defs()["comparison"]
    assert set(comparison["properties"]) == {f.name for f in fields(Comparison)}  # type: ignore[arg-type]
    assert set(comparison["required"]) == {f.name for f in fields(Comparison)}  # type: ignore[arg-type]


def test_every_verdict_and_status_the_types_know_is_in_the_schema() -> None:
    defs = _defs()
    assert defs["verdict"] == {"enum": [v.value for v in Verdict]}
    run_status = defs["run"]["properties"]["status"]  # type: ignore[index]
    assert set(run_status["enum"]) == {s.value for s in RunStatus}
    side_status = defs["side_timing"]["properties"]["status"]  # type: ignore[index]
    assert set(side_status["enum"]) == {s.value for s in ExecutionStatus}
    counts = defs["verdict_summary"]["properties"]["counts"]["properties"]  # type: ignore[index]
    assert set(counts) == {v.value for v in Verdict}


def test_a_side_timing_is_a_projection_of_the_execution_entry() -> None:
    timing = _defs()["side_timing"]
    assert set(timing["properties"]) == {*TIMING_KEYS, "repeats"}  # type: ignore[arg-type]
    assert set(TIMING_KEYS) <= {f.name for f in fields(SideExecution)}
