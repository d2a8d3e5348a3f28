"""A misbehaving side fails its date, recorded, and the run goes on; crashes are not verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import InvalidInput
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small
from tests.helpers import invoke


def test_a_malformed_export_fails_that_side_for_each_date_and_the_run_continues(
    db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=10)
    _, doc = run(db, config_with(tmp_path, candidate="bad_export"), tmp_path, dates=DATES[:2])
    assert doc["run"]["status"] == "completed"
    assert [t["candidate"]["status"] for t in doc["timings"]] == ["FAILED", "FAILED"]
    assert [t["control"]["status"] for t in doc["timings"]] == ["OK", "OK"]
    error = doc["timings"][0]["candidate"]["error"]
    assert "bad_export wrote a malformed export for 2024-03-01" in error
    assert "line 2 has 3 fields, the header 15" in error
    assert {c["verdict"] for c in doc["comparisons"]} == {"FAILED"}
    assert doc["verdict"]["label"] == "NOT READY"


@pytest.mark.parametrize(("option", "value"), [("phase_timeout", -1.0), ("max_detail_rows", -5)])
def test_nonsense_limits_are_refused_before_anything_runs(
    db: TestDatabase, tmp_path: Path, option: str, value: float
) -> None:
    seed_small(db, per_day=5)
    with pytest.raises(InvalidInput, match=option.replace("_", "-")):
        run(db, config_with(tmp_path), tmp_path, dates=DATES[:1], **{option: value})
    with db.connect() as conn:
        assert conn.execute("SELECT to_regclass('harness.entry') IS NULL").fetchone() == (True,)
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run%'").fetchone() == (0,)


def test_an_unexpected_exception_exits_3_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: TestDatabase
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug in the harness")

    import sys

    monkeypatch.setattr(sys.modules["harness.cli.history"], "latest_run_id", broken)
    result = invoke(capsys, "show", "--dsn", db.uri)
    assert result.code == 3
    assert "Traceback (most recent call last)" in result.err
    assert "RuntimeError: a bug in the harness" in result.err
    assert "bug in the harness (exit 3)" in result.err


def test_a_full_disk_is_an_environment_error_not_a_side_failure(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ENOSPC simulated by its SQLSTATE: this machine offers no small filesystem to fill.
    seed_small(db, per_day=5)
    config = config_with(tmp_path, candidate="disk_full")
    result = invoke(
        capsys, "run", "--dsn", db.uri, "--config", str(config.path), "--dates", "2024-03-01", "--quiet"
    )
    assert result.code == 2
    assert "the database server failed, not the side" in result.err
    assert "Traceback" not in result.err
    with db.connect() as conn:
        status = conn.execute(
            "SELECT body::jsonb->>'status' FROM harness.entry WHERE kind = 'run_finished'"
        ).fetchone()
    assert status == ("failed",)


def test_the_side_hash_changes_when_any_phase_sql_changes(tmp_path: Path) -> None:
    from harness.isolation import side_space
    from harness.manifest import load_side
    from harness.provenance import side_record

    folder = tmp_path / "side"
    folder.mkdir()
    manifest = folder / "manifest.toml"
    hashes = []
    for phase_sql in ("SELECT 1", "SELECT 2"):
        manifest.write_text(f'name = "s"\ninstall = []\n[[phases]]\nname = "p"\nsql = "{phase_sql}"\n')
        hashes.append(side_record(side_space("r", "candidate", load_side(str(folder)), False))["sql_sha256"])
    assert hashes[0] != hashes[1]
