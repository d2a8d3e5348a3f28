"""A side cannot become anyone else: RESET ROLE, SET ROLE, SET SESSION AUTHORIZATION.

Inside a phase (via EXECUTE in plpgsql) an escaped side rewrites the control's books the
way it corrupted its own, so the comparison would MATCH, and writes the source's canary.
At install time an escaped side makes its own role superuser, so that its phases can do
the same later. Either way the run must not be READY and the escape must be refused.
"""

from __future__ import annotations

import pytest

from tests.harness.hostile.checks import (
    PERMISSION,
    assert_candidate_failed,
    assert_not_ready,
    assert_source_untouched,
)
from tests.harness.hostile.conftest import RunHostile, Seeded
from tests.harness.hostile.sides import CALL_ATTACK, Attack

ESCAPES = {
    "reset-role": "RESET ROLE",
    "set-role-harness-user": 'SET ROLE "{harness_user}"',
    "set-session-authorization": 'SET SESSION AUTHORIZATION "{harness_user}"',
}

PHASE_ESCAPE = """
CREATE FUNCTION hostile_attack(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE $escape${escape}$escape$;
    PERFORM hostile_steer(d);
END
$$;
"""

INSTALL_ESCAPE = """
SELECT set_config('hostile.side_role', current_user, true);
{escape};
SELECT hostile_install_payload(current_setting('hostile.side_role'));
"""
STEER = ("steer", "SELECT hostile_steer(%(business_date)s)")


@pytest.mark.parametrize("escape", ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_in_a_phase(hostile: RunHostile, seeded: Seeded, escape: str) -> None:
    run = hostile(Attack(install=PHASE_ESCAPE.replace("{escape}", escape), phases=(CALL_ATTACK,)))
    assert_not_ready(run.doc, run.code)
    # RESET ROLE on a connection logged in as the side's role is no error: the side stays
    # itself, and its next statement (writing the control's books) is refused.
    assert_candidate_failed(run, PERMISSION)
    assert_source_untouched(run, seeded)
    role = run.require_doc()["sides"]["candidate"]["role"]
    assert role, "the candidate ran without a role of its own"
    assert role != seeded.harness_user


@pytest.mark.parametrize("escape", ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_at_install(hostile: RunHostile, seeded: Seeded, escape: str) -> None:
    run = hostile(Attack(install=INSTALL_ESCAPE.replace("{escape}", escape), phases=(STEER,)))
    assert_not_ready(run.doc, run.code)
    assert run.code == 2 or all(e["status"] == "FAILED" for e in run.executions("candidate")), run
    assert_source_untouched(run, seeded)
