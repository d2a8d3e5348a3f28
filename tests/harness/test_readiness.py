"""harness run and harness gate decide every date by one rule (harness.readiness): over the
same ledger they agree, with a unit of work declared and without one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TestDatabase
from tests.helpers import invoke

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "payroll"
UNIT = 'unit = { table = "timesheet", label = "timesheets" }\n'
EMPTY_DAY = "2025-01-11"  # no timesheets: every entity empty on both sides


@pytest.fixture
def pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: TestDatabase, request: pytest.FixtureRequest
) -> Path:
    """The payroll example loaded, its config copied with or without its unit of work."""
    loaded = invoke(
        capsys, "source", "load", str(EXAMPLE / "source"), "--schema", "payroll_source", "--dsn", db.uri
    )
    assert loaded.code == 0, loaded.err
    shutil.copytree(EXAMPLE, tmp_path / "pair")
    config = tmp_path / "pair" / "harness.toml"
    text = config.read_text(encoding="utf-8")
    assert UNIT in text
    config.write_text(text if request.param else text.replace(UNIT, ""), encoding="utf-8")
    return config


def run_then_gate(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, config: Path, first: str, last: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    out = config.parent / f"run-{first}-{last}"
    common = ("--config", str(config), "--dsn", db.uri)
    ran = invoke(capsys, "run", *common, "--from", first, "--to", last, "--out", str(out), "--quiet")
    gate = invoke(capsys, "gate", *common, "--json")
    document = json.loads((out / "run.json").read_text(encoding="utf-8"))
    verdict = json.loads(gate.out)
    assert (ran.code == 0) == document["verdict"]["ready"] and (gate.code == 0) == verdict["ready"]
    return document, verdict


@pytest.mark.parametrize("pair", [True, False], ids=["unit", "no unit"], indirect=True)
def test_run_and_gate_agree_on_clean_dates(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, pair: Path
) -> None:
    document, gate = run_then_gate(capsys, db, pair, "2025-01-06", "2025-01-10")
    assert document["verdict"]["ready"] and gate["ready"], (document["verdict"], gate)


@pytest.mark.parametrize("pair", [True, False], ids=["unit", "no unit"], indirect=True)
def test_run_and_gate_agree_that_an_empty_date_is_not_clean(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, pair: Path
) -> None:
    document, gate = run_then_gate(capsys, db, pair, "2025-01-09", EMPTY_DAY)
    reasons = [r for r in document["verdict"]["reasons"] if r.startswith(f"{EMPTY_DAY}: NO_DATA")]
    assert len(reasons) == 1 and not document["verdict"]["ready"]
    streak = next(c for c in gate["criteria"] if c["name"] == "consecutive clean business dates")
    assert not gate["ready"] and streak["figure"] == f"0 most recent date(s) clean; last unclean {EMPTY_DAY}"
