"""A hostile side leaves nothing behind: whether its install is refused or its backend is
ended from outside, the run drops every schema and role it created for the sides."""

from __future__ import annotations

import pytest

from tests.harness.hostile.checks import assert_not_ready, assert_nothing_left_behind
from tests.harness.hostile.conftest import RunHostile, Seeded
from tests.harness.hostile.sides import CALL_ATTACK, Attack
from tests.harness.hostile.test_privileges import attack_function
from tests.harness.hostile.test_timeouts import STUBBORN, TIMEOUT

CASES = {
    "install-refused": (
        Attack(
            install=attack_function("PERFORM count(*) FROM source.insurance_transaction;")
            + "\nSELECT hostile_attack(NULL);\n"
        ),
        (),
    ),
    "backend-ended-after-timeout": (Attack(install=STUBBORN, phases=(CALL_ATTACK,)), TIMEOUT),
}


@pytest.mark.parametrize(("attack", "args"), CASES.values(), ids=CASES.keys())
def test_nothing_left_behind(
    hostile: RunHostile, seeded: Seeded, attack: Attack, args: tuple[str, ...]
) -> None:
    run = hostile(attack, args=args, deadline=20.0)
    assert_not_ready(run.doc, run.code)
    assert_nothing_left_behind(run, seeded)
