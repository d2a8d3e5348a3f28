"""A side reaches only its own schema: the other side, the source, the ledger, the server's
files and programs are refused, in a phase and at install time, and it cannot grant
itself anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.harness.hostile.checks import (
    PERMISSION,
    assert_candidate_failed,
    assert_not_ready,
    assert_source_untouched,
)
from tests.harness.hostile.conftest import RunHostile, Seeded
from tests.harness.hostile.sides import CALL_ATTACK, Attack

# The file a successful COPY ... TO PROGRAM would create, in the server's /tmp.
PWNED = "/tmp/hostile-pwned-{tag}"

# plpgsql bodies of hostile_attack(d date): each needs a privilege the side does not have.
REFUSED = {
    "read-control": "EXECUTE format('SELECT count(*) FROM %I.gl_entries', hostile_control_schema());",
    "read-source": "PERFORM count(*) FROM source.insurance_transaction;",
    "read-ledger": "PERFORM count(*) FROM harness.entry;",
    "write-source": (
        "UPDATE source.insurance_transaction SET description = description WHERE business_date = d;\n"
        "    INSERT INTO source.hostile_canary (tag, note) VALUES ('{tag}', 'updated the source');"
    ),
    "lock-ledger": "LOCK TABLE harness.entry IN ACCESS EXCLUSIVE MODE;",
    "pg-read-file": "PERFORM pg_read_file('PG_VERSION');",
    "copy-to-program": f"EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch {PWNED}');",
}

# GRANTs (and the like) of something the side does not own or administer.
GRANTS = {
    "grant-select-on-source": "EXECUTE 'GRANT SELECT ON source.insurance_transaction TO CURRENT_USER';",
    "grant-usage-on-control": (
        "EXECUTE format('GRANT USAGE ON SCHEMA %I TO CURRENT_USER', hostile_control_schema());"
    ),
    "alter-role-superuser": "EXECUTE 'ALTER ROLE CURRENT_USER SUPERUSER';",
    "grant-read-server-files": "EXECUTE 'GRANT pg_read_server_files TO CURRENT_USER';",
    "grant-harness-user": "EXECUTE format('GRANT %I TO CURRENT_USER', '{harness_user}');",
}

ATTACK_FUNCTION = """
CREATE FUNCTION hostile_attack(d date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {body}
END
$$;
"""


def attack_function(body: str) -> str:
    return ATTACK_FUNCTION.replace("{body}", body)


def pwned_files(tag: str) -> list[Path]:
    path = Path(PWNED.replace("{tag}", tag))
    return [path] if path.exists() else []


def remove(paths: list[Path]) -> None:
    for path in paths:
        os.unlink(path)


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_refused_in_a_phase(hostile: RunHostile, seeded: Seeded, body: str) -> None:
    run = hostile(Attack(install=attack_function(body), phases=(CALL_ATTACK,)))
    written = pwned_files(run.tag)
    remove(written)
    assert_not_ready(run.doc, run.code)
    assert_candidate_failed(run, PERMISSION)
    assert written == [], "the side ran a program or wrote a file on the server"
    assert_source_untouched(run, seeded)


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_refused_at_install(hostile: RunHostile, seeded: Seeded, body: str) -> None:
    install = attack_function(body) + "\nSELECT hostile_attack(DATE '2024-03-01');\n"
    run = hostile(Attack(install=install))
    written = pwned_files(run.tag)
    remove(written)
    assert_not_ready(run.doc, run.code)
    assert run.code == 2 or all(e["status"] == "FAILED" for e in run.executions("candidate")), run
    if run.code == 2:
        assert PERMISSION.search(run.err), run.err
    else:
        assert_candidate_failed(run, PERMISSION)
    assert written == [], "the side ran a program or wrote a file on the server"
    assert_source_untouched(run, seeded)


@pytest.mark.parametrize("body", GRANTS.values(), ids=GRANTS.keys())
def test_side_cannot_grant_itself(hostile: RunHostile, seeded: Seeded, body: str) -> None:
    run = hostile(Attack(install=attack_function(body), phases=(CALL_ATTACK,)))
    assert_not_ready(run.doc, run.code)
    assert_candidate_failed(run, PERMISSION)
    assert_source_untouched(run, seeded)
