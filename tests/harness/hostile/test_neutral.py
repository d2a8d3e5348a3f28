"""The builder's own controls: without an attack the assertions can pass and can fail."""

from __future__ import annotations

from tests.harness.hostile.checks import assert_control_ok, assert_corruption_found, assert_not_ready
from tests.harness.hostile.conftest import TWO_DATES, RunHostile
from tests.harness.hostile.sides import Attack


def test_neutral_candidate_is_ready(hostile: RunHostile) -> None:
    """enhanced rebuilt by the builder, no attack and no corruption: READY, exit 0."""
    run = hostile(Attack(corrupt=False), dates=TWO_DATES)
    doc = run.require_doc()
    assert (run.code, doc["verdict"]["ready"]) == (0, True), run
    assert_control_ok(run)
    assert [e["status"] for e in run.executions("candidate")] == ["OK", "OK"]


def test_corruption_alone_is_a_mismatch(hostile: RunHostile) -> None:
    """The corruption every hostile side carries is seen: gl_entries MISMATCH, NOT READY."""
    run = hostile(Attack())
    assert_not_ready(run.doc, run.code)
    assert run.code == 1
    assert_control_ok(run)
    assert [e["status"] for e in run.executions("candidate")] == ["OK"]
    assert_corruption_found(run)
    assert {c["verdict"] for c in run.comparisons("gl_entries")} == {"MISMATCH"}
