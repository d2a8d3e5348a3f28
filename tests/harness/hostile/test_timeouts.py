"""A side cannot outlast --phase-timeout (by lifting its statement_timeout, by catching the
cancel, in its export) nor hang the run with an advisory lock on the ledger's key."""

from __future__ import annotations

import pytest

from tests.harness.hostile.checks import TIMED_OUT, assert_candidate_failed, assert_not_ready
from tests.harness.hostile.conftest import RunHostile
from tests.harness.hostile.sides import CALL_ATTACK, Attack, enhanced_manifest

TIMEOUT = ("--phase-timeout", "2")
# A run whose phases are limited to 2 s ends well within this, whatever its side does.
QUICK = 20.0

STUBBORN = """
CREATE FUNCTION hostile_attack(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(30);
EXCEPTION WHEN query_canceled THEN
    PERFORM pg_sleep(30);
END
$$;
"""

SLOW_EXPORT = {
    "ledgers": enhanced_manifest()["export"]["ledgers"],
    "copy": (
        "COPY (SELECT pg_sleep(30) FROM voucher "
        "WHERE ledger_code = %(ledger_code)s AND business_date = %(business_date)s LIMIT 1) "
        "TO STDOUT (FORMAT csv, HEADER)"
    ),
}

SLOW = {
    # the phase's first statement lifts the limit for its second (simple query protocol)
    "statement-timeout-lifted": Attack(
        phases=(("nap", "SELECT set_config('statement_timeout', '0', true); SELECT pg_sleep(30)"),)
    ),
    "cancel-caught": Attack(install=STUBBORN, phases=(CALL_ATTACK,)),
    "slow-export": Attack(export=SLOW_EXPORT),
}


@pytest.mark.parametrize("attack", SLOW.values(), ids=SLOW.keys())
def test_timeout_enforced(hostile: RunHostile, attack: Attack) -> None:
    run = hostile(attack, args=TIMEOUT, deadline=QUICK)
    assert run.seconds < QUICK, run
    assert_not_ready(run.doc, run.code)
    assert_candidate_failed(run, TIMED_OUT)


# The advisory key the ledger serialised its appends on (harness.ledger APPEND_LOCK, now
# SETUP_LOCK around its creation); a literal, so the attack stays the same whatever it is called.
LEDGER_KEY = 72_616_101
LOCK = f"SELECT pg_advisory_lock({LEDGER_KEY})"
LOCKS = {
    "in-a-phase": Attack(phases=(("lock the ledger", LOCK),)),
    "at-install": Attack(install=f"{LOCK};\n"),
}


@pytest.mark.parametrize("attack", LOCKS.values(), ids=LOCKS.keys())
def test_advisory_lock_on_the_ledger_key(hostile: RunHostile, attack: Attack) -> None:
    run = hostile(attack, deadline=60.0)
    assert run.seconds < 60.0, run
    assert run.doc is not None, f"no run.json was written: {run}"
    assert_not_ready(run.doc, run.code)
    assert run.doc["run"]["status"] == "completed", run.doc["run"]
