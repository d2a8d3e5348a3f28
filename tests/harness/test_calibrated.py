"""``[run] calibrated = RUN``: a run's ignores checked against a calibration's measured noise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TestDatabase
from tests.harness.runs import config_with, seed_small
from tests.helpers import CliResult, invoke

DAY = ("--dates", "2024-03-01")


def calibrated_config(tmp_path: Path, calibrated: str) -> str:
    config_with(tmp_path)  # the bundled config and its queries, copied
    path = tmp_path / "harness.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("role_isolation = true", f"role_isolation = true\ncalibrated = {calibrated}")
    )
    return str(path)


def run_with(capsys: pytest.CaptureFixture[str], db: TestDatabase, config: str, out: Path) -> CliResult:
    return invoke(capsys, "run", *DAY, "--config", config, "--dsn", db.uri, "--out", str(out))


def calibrate(capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path) -> str:
    out = tmp_path / "cal"
    config = str(tmp_path / "harness.toml")
    result = invoke(
        capsys,
        "calibrate",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-01",
        "--side",
        "control",
        "--config",
        config,
        "--dsn",
        db.uri,
        "--out",
        str(out),
    )
    assert result.code == 1, result.err  # the legacy side's stamps are noise
    return str(json.loads((out / "calibration.json").read_text(encoding="utf-8"))["run_id"])


def test_ignores_measured_noise_supports_are_marked_and_the_rest_flagged(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=10)
    config_with(tmp_path)
    run_id = calibrate(capsys, db, tmp_path)
    result = run_with(capsys, db, calibrated_config(tmp_path, json.dumps(run_id)), tmp_path / "out")
    assert result.code == 0, result.err
    doc: dict[str, Any] = json.loads(next((tmp_path / "out").glob("**/run.json")).read_text(encoding="utf-8"))
    calibration = doc["method"]["calibration"]
    assert [r["run_id"] for r in calibration["runs"]] == [run_id]
    checked = {(i["entity"], i["column"]): i for i in calibration["ignores"]}
    assert checked[("journals", "created_at")]["supported"]
    assert checked[("journals", "created_at")]["evidence"] == [
        f"{run_id} (control): differed in 10 of 10 rows"
    ]
    assert not checked[("journals", "journal_id")]["supported"]  # the same ids on both copies: not noise
    html = next((tmp_path / "out").glob("**/report.html")).read_text(encoding="utf-8")
    assert "No calibration supports journals.journal_id, journals.voucher_id" in html


@pytest.mark.parametrize(
    ("calibrated", "message"),
    [
        ('"20990101_000000_none"', "names run '20990101_000000_none', which is not in the ledger"),
        ("3", "'run.calibrated' must be a run id or a list of them"),
    ],
)
def test_a_calibration_that_is_not_there_refuses_the_run(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path, calibrated: str, message: str
) -> None:
    seed_small(db, per_day=5)
    result = run_with(capsys, db, calibrated_config(tmp_path, calibrated), tmp_path / "out")
    assert result.code == 2
    assert message in result.err
    assert not (tmp_path / "out").exists()


def test_a_run_that_is_no_calibration_supports_nothing_and_is_refused(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=5)
    first = run_with(capsys, db, calibrated_config(tmp_path, "[]"), tmp_path / "first")
    assert first.code == 0, first.err
    plain = json.loads(next((tmp_path / "first").glob("**/run.json")).read_text(encoding="utf-8"))
    refused = run_with(
        capsys, db, calibrated_config(tmp_path, json.dumps([plain["run"]["run_id"]])), tmp_path / "x"
    )
    assert refused.code == 2
    assert "which is not a calibration run; make one with 'harness calibrate'" in refused.err


def test_a_run_that_only_claims_to_be_a_calibration_is_refused(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path
) -> None:
    """A header is text anyone can write: legacy against enhanced is no calibration of either."""
    seed_small(db, per_day=5)
    forged = tmp_path / "forged"
    forged.mkdir()
    config_with(forged)
    path = forged / "harness.toml"
    header = "# harness calibrate: the control (legacy) against a second copy of itself, forged\n"
    path.write_text(header + path.read_text(encoding="utf-8"), encoding="utf-8")
    first = run_with(capsys, db, str(path), tmp_path / "first")
    assert first.code == 0, first.err
    run_id = json.loads(next((tmp_path / "first").glob("**/run.json")).read_text(encoding="utf-8"))["run"][
        "run_id"
    ]
    refused = run_with(capsys, db, calibrated_config(tmp_path, json.dumps(run_id)), tmp_path / "x")
    assert refused.code == 2
    assert "which did not run the control (legacy) against itself" in refused.err
