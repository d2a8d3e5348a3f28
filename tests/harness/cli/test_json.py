"""--json on show, gate (both phases) and verify-ledger: one document on stdout, the same exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TestDatabase
from tests.harness.cli.test_run_cli import run_args
from tests.harness.runs import seed_small
from tests.helpers import CliResult, invoke

GATE_CRITERIA = [
    "consecutive clean business dates",
    "no FAILED side",
    "no stale accepted difference",
    "no expired accepted difference",
    "candidate speedup on the median date",
    "accounting invariants hold on the candidate",
]


@pytest.fixture
def recorded(capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path) -> dict[str, Any]:
    """One run of 2024-03-01..02 on a seeded source; its run.json."""
    seed_small(db)
    args = run_args(db, tmp_path, "--from", "2024-03-01", "--to", "2024-03-02")
    assert invoke(capsys, *args).code == 0
    return dict(json.loads((tmp_path / "report" / "run.json").read_text()))


def as_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[CliResult, Any]:
    """The command with --json, its stdout parsed (it must be one JSON document and nothing else)."""
    result = invoke(capsys, *argv, "--json")
    return result, json.loads(result.out)


def test_show_json_is_the_run_document_as_run_json_holds_it(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, recorded: dict[str, Any], tmp_path: Path
) -> None:
    result = invoke(capsys, "show", "--dsn", db.uri, "--json")
    assert (result.code, result.err) == (0, "")
    assert result.out == (tmp_path / "report" / "run.json").read_text()


def test_gate_json_keeps_the_exit_codes_and_names_the_pair(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, recorded: dict[str, Any], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    for need, code in ((2, 0), (3, 1)):
        policy.write_text(f"[gate]\nmin_clean_dates = {need}\nmin_speedup = 0.0\n")
        argv = ("gate", "--dsn", db.uri, "--policy", str(policy))
        assert invoke(capsys, *argv).code == code
        result, document = as_json(capsys, *argv)
        assert (result.code, result.err) == (code, "config: bundled default\n")
        assert list(document) == ["phase", "pair", "ready", "criteria", "runs"]
        sides = recorded["sides"]
        assert document["phase"] == "parallel"
        assert document["pair"] == {
            "control": "legacy",
            "control_sha256": sides["control"]["sql_sha256"],
            "candidate": "enhanced",
            "candidate_sha256": sides["candidate"]["sql_sha256"],
            "config_sha256": recorded["provenance"]["config"]["sha256"],
        }
        assert document["ready"] is (code == 0)
        assert document["runs"] == [recorded["run"]["run_id"]]
        assert [c["name"] for c in document["criteria"]] == GATE_CRITERIA
        assert all(list(c) == ["name", "passed", "figure", "required"] for c in document["criteria"])
    assert document["criteria"][0] == {
        "name": "consecutive clean business dates",
        "passed": False,
        "figure": "2 most recent date(s) clean",
        "required": ">= 3",
    }


def test_decommission_gate_json(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    argv = ("gate", "--phase", "decommission", "--dsn", clean_db.uri)
    assert invoke(capsys, *argv).code == 1
    result, document = as_json(capsys, *argv)
    assert (result.code, result.err) == (1, "config: bundled default\n")
    assert list(document) == ["phase", "books_schema", "published_dates", "ready", "criteria", "runs"]
    assert {k: document[k] for k in ("phase", "books_schema", "published_dates", "ready", "runs")} == {
        "phase": "decommission",
        "books_schema": "enhanced",
        "published_dates": 0,
        "ready": False,
        "runs": [],
    }
    assert document["criteria"][0] == {
        "name": "consecutive clean cutover dates",
        "passed": False,
        "figure": "0 most recent cutover date(s) CLEAN of 0 published",
        "required": ">= 20",
    }


def test_an_error_is_no_json_document(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    result = invoke(capsys, "gate", "--dsn", clean_db.uri, "--json")
    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines()[-1] == "error: the ledger holds no runs yet; start one with 'harness run'"


def test_verify_ledger_json_intact_then_tampered(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, recorded: dict[str, Any], tmp_path: Path
) -> None:
    seq, digest = recorded["run"]["ledger_seq"][1], recorded["run"]["ledger_hash"]
    result, document = as_json(capsys, "verify-ledger", "--dsn", db.uri)
    assert (result.code, result.err) == (0, "")
    assert document == {"intact": True, "entries": seq, "problems": [], "anchor": None}
    anchored = ("verify-ledger", "--dsn", db.uri, "--anchor", str(tmp_path / "report" / "run.json"))
    result, document = as_json(capsys, *anchored)
    assert result.code == 0
    assert document["anchor"] == {"seq": seq, "hash": digest, "held": True}

    with db.connect() as conn, conn.transaction():
        conn.execute("ALTER TABLE harness.entry DISABLE TRIGGER entry_append_only")
        conn.execute(f"UPDATE harness.entry SET hash = repeat('0', 64) WHERE seq = {seq}")
        conn.execute("ALTER TABLE harness.entry ENABLE TRIGGER entry_append_only")
    assert invoke(capsys, *anchored).code == 1
    result, document = as_json(capsys, *anchored)
    assert result.code == 1
    assert list(document) == ["intact", "entries", "problems", "anchor"]
    assert (document["intact"], document["entries"]) == (False, seq)
    assert document["problems"][-1] == {
        "seq": seq,
        "problem": f"entry {seq} no longer has the anchored hash: the ledger was rewritten up to it",
    }
    assert all(list(p) == ["seq", "problem"] for p in document["problems"])
    assert document["anchor"] == {"seq": seq, "hash": digest, "held": False}


def test_verify_ledger_json_on_an_empty_ledger(
    capsys: pytest.CaptureFixture[str], clean_db: TestDatabase
) -> None:
    result, document = as_json(capsys, "verify-ledger", "--dsn", clean_db.uri)
    assert result.code == 0
    assert document == {"intact": True, "entries": 0, "problems": [], "anchor": None}
    digest = "ab" * 32
    result, document = as_json(capsys, "verify-ledger", "--dsn", clean_db.uri, "--anchor", f"7:{digest}")
    assert result.code == 1
    assert document == {
        "intact": False,
        "entries": 0,
        "problems": [{"seq": 7, "problem": "entry 7 of the anchor is gone: the ledger is empty"}],
        "anchor": {"seq": 7, "hash": digest, "held": False},
    }
