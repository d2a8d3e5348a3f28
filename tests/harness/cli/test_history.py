"""harness history: one line per run, with each side's SQL hash to tell runs of other SQL apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import harness
from tests.conftest import TestDatabase
from tests.harness.cli.test_run_cli import drifting_side, run_args
from tests.harness.runs import seed_small
from tests.helpers import invoke


@pytest.fixture
def seeded(db: TestDatabase) -> TestDatabase:
    seed_small(db)
    return db


def recorded_hashes(tmp_path: Path) -> dict[str, str]:
    """Each side's sql_sha256 as the last run's run.json recorded it."""
    sides = json.loads((tmp_path / "report" / "run.json").read_text())["sides"]
    return {label: str(sides[label]["sql_sha256"]) for label in ("control", "candidate")}


def test_history_shows_each_sides_sql_hash_and_tells_other_sql_apart(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path
) -> None:
    assert invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-01")).code == 0
    clean = recorded_hashes(tmp_path)
    config = tmp_path / "drift.toml"
    default = (Path(harness.__file__).parent / "default.toml").read_text()
    config.write_text(default.replace('side = "bundled:enhanced"', f'side = "{drifting_side(tmp_path)}"'))
    run = invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-01", "--config", str(config)))
    assert run.code == 1, run.err  # the drifting candidate differs by a cent
    drifted = recorded_hashes(tmp_path)
    assert drifted["control"] == clean["control"]
    assert drifted["candidate"] != clean["candidate"]

    history = invoke(capsys, "history", "--dsn", seeded.uri)
    assert history.code == 0, history.err
    header, *rows = history.out.splitlines()
    column = header.index("control sql")
    assert header[column:].startswith("control sql    candidate sql  verdict")
    assert len(rows) == 2
    # the hashes sit under their headings, 12 hex digits each; only the candidate's differs
    shown = [row[column:].split()[:2] for row in rows]
    assert shown == [[h["control"][:12], h["candidate"][:12]] for h in (clean, drifted)]
    assert shown[0][0] == shown[1][0]
    assert shown[0][1] != shown[1][1]


def test_history_json_lists_each_runs_summary(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path
) -> None:
    empty = invoke(capsys, "history", "--dsn", seeded.uri, "--json")
    assert (empty.code, empty.out, empty.err) == (0, '{\n  "runs": []\n}\n', "")
    assert invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-01,2024-03-02")).code == 0
    run = json.loads((tmp_path / "report" / "run.json").read_text())
    history = invoke(capsys, "history", "--dsn", seeded.uri, "--json")
    assert (history.code, history.err) == (0, "")
    hashes = recorded_hashes(tmp_path)
    assert json.loads(history.out) == {
        "runs": [
            {
                "run_id": run["run"]["run_id"],
                "started_at": run["run"]["started_at"],
                "status": "completed",
                "dates": ["2024-03-01", "2024-03-02"],
                "verdict": "READY",
                "counts": run["verdict"]["counts"],
                "control_sha256": hashes["control"],
                "candidate_sha256": hashes["candidate"],
                "cutover": None,
            }
        ]
    }
    assert list(json.loads(history.out)["runs"][0])[:3] == ["run_id", "started_at", "status"]
