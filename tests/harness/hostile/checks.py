"""Assertions shared by the hostile-sides tests."""

from __future__ import annotations

import re
from typing import Any

from tests.harness.hostile.conftest import HostileRun, Seeded

# What PostgreSQL says when it refuses a privilege (SQLSTATE 42501 and its relatives).
PERMISSION = re.compile(
    r"42501|permission denied|must be superuser|must be (a )?member|must have admin option"
    r"|must be owner|only roles with privileges of",
    re.IGNORECASE,
)
TIMED_OUT = re.compile(r"timed out", re.IGNORECASE)


def assert_not_ready(doc: dict[str, Any] | None, code: int) -> None:
    """The universal assertion: a corrupted candidate never makes a run READY."""
    assert code != 0, f"a hostile candidate's run exited 0 (READY): {doc and doc['verdict']}"
    if doc is not None:
        assert doc["verdict"]["ready"] is False, f"run.json says READY: {doc['verdict']}"


def assert_candidate_failed(run: HostileRun, pattern: re.Pattern[str]) -> None:
    """The candidate's execution of every date is FAILED with an error matching ``pattern``."""
    executions = run.executions("candidate")
    assert executions, f"run.json has no candidate execution: {run}"
    for execution in executions:
        assert execution["status"] == "FAILED", f"candidate not FAILED: {execution}"
        assert pattern.search(str(execution["error"])), (
            f"candidate error does not match {pattern.pattern!r}: {execution['error']!r}"
        )


def assert_control_ok(run: HostileRun) -> None:
    executions = run.executions("control")
    assert executions, f"run.json has no control execution: {run}"
    assert [e["status"] for e in executions] == ["OK"] * len(executions), executions


def assert_source_untouched(run: HostileRun, seeded: Seeded) -> None:
    """Neither the source tables nor the canary changed; run.json agrees when there is one."""
    after = seeded.source_state(run.tag)
    assert after["canary"] == [], f"the side wrote the source: {after['canary']}"
    assert after["fingerprints"] == run.before["fingerprints"], "the source changed during the run"
    if run.doc is not None:
        provenance = run.doc["provenance"]
        after_run = provenance.get("source_fingerprints_after")
        if after_run is not None:
            assert provenance["source_fingerprints_before"] == after_run


def assert_corruption_found(
    run: HostileRun, entity: str = "gl_entries", verdicts: tuple[str, ...] = ("MISMATCH",)
) -> None:
    """On every date the candidate's corruption is a MISMATCH of ``entity``, or it FAILED."""
    doc = run.require_doc()
    failed = {t["business_date"] for t in doc["timings"] if (t["candidate"] or {}).get("status") == "FAILED"}
    found = {c["business_date"]: c["verdict"] for c in run.comparisons(entity)}
    assert found, f"no {entity} comparison in run.json: {run}"
    for day, verdict in found.items():
        assert day in failed or verdict in verdicts, (
            f"{day} {entity}: {verdict}, the candidate's corruption went unseen (candidate not FAILED)"
        )


def assert_nothing_left_behind(run: HostileRun, seeded: Seeded) -> None:
    """The run dropped the side schemas and roles it created (no --keep-schemas)."""
    left = seeded.spaces() - run.before["spaces"]
    assert left == set(), f"left behind after the run: {sorted(left)}"
