"""A side-defined collation decides equality (a nondeterministic one makes 'A' = 'a' in the
comparison's GROUP BY and hashes): the comparison refuses columns that carry one.

The embedded server is built without ICU, so the nondeterministic case itself cannot be
shown here; a side's own (deterministic) collation is refused by the same check.
"""

from __future__ import annotations

from tests.harness.hostile.checks import assert_not_ready
from tests.harness.hostile.conftest import RunHostile
from tests.harness.hostile.sides import CALL_ATTACK, Attack

OWN_COLLATION = """
CREATE COLLATION hostile_c FROM "C";
CREATE FUNCTION hostile_attack(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER TABLE gl_entries ALTER COLUMN account_code TYPE text COLLATE hostile_c';
END
$$;
"""


def test_a_column_with_the_sides_own_collation_is_refused(hostile: RunHostile) -> None:
    run = hostile(Attack(install=OWN_COLLATION, phases=(CALL_ATTACK,)))
    assert_not_ready(run.doc, run.code)
    compared = run.comparisons("gl_entries")
    assert compared, f"no gl_entries comparison in run.json: {run}"
    for comparison in compared:
        assert comparison["verdict"] == "FAILED", comparison["verdict"]
        assert "COLLATE hostile_c" in str(comparison["error"]), comparison["error"]
