"""``harness calibrate``: a side against a second copy of itself finds its own noise."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from harness.calibrate import self_pair
from harness.calibrate_proposals import CASEFOLD, IGNORE, JSON, TRIM, propose
from harness.config import load_config
from harness.history import run_document
from tests.conftest import TestDatabase
from tests.harness.runs import config_with, seed_small
from tests.helpers import invoke

DATES = ("--from", "2024-03-01", "--to", "2024-03-02")
# what two runs of the bundled (deterministic) jobs on the same input disagree on: the stamps
STAMPS = {
    "journals": ["created_at"],
    "gl_entries": ["created_at"],
    "vouchers": ["created_at"],
    "transaction_status": ["processed_at"],
}


@pytest.fixture
def bundled_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ./harness.toml, no HARNESS_CONFIG: the bundled config."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HARNESS_CONFIG", raising=False)


@pytest.mark.usefixtures("bundled_only")
def test_calibrating_the_legacy_side_proposes_exactly_the_ignores_its_noise_needs(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=20)
    out = tmp_path / "cal"
    result = invoke(capsys, "calibrate", *DATES, "--side", "control", "--dsn", db.uri, "--out", str(out))
    assert result.code == 1, result.err
    proposals = tomllib.loads((out / "calibration.toml").read_text(encoding="utf-8"))["entities"]
    assert {p["name"]: p["ignore"] for p in proposals} == STAMPS
    assert all(set(p) == {"name", "ignore"} for p in proposals)  # no normalizer, nothing else
    bundled = {spec.name: spec.ignore for spec in load_config().entities}
    assert all(set(columns) <= set(bundled[name]) for name, columns in STAMPS.items())
    assert "calibration of the control (legacy) against itself: run " in result.out
    lines = [line.split() for line in result.out.splitlines()]
    assert lines[2][:8] == ["journals", "created_at", "40", "/", "40", "ignore", "(ignored", "already):"]
    assert "ignored but no measured noise: journals.journal_id, journals.voucher_id," in result.out
    assert "control: noise found; written to " in result.out
    # the calibration is a run in the ledger like any other, of legacy against legacy
    found = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    with db.connect() as conn:
        doc = run_document(conn, found["run_id"])
    assert doc["sides"]["control"]["side"] == doc["sides"]["candidate"]["side"] == "legacy"
    assert doc["provenance"]["config"]["text"].startswith("# harness calibrate: the control (legacy) against")
    assert doc["provenance"]["config"]["sha256"] != load_config().sha256  # never counted by the gate's config
    assert (out / "report.html").is_file() and (out / "run.json").is_file()
    gate = invoke(capsys, "gate", "--dsn", db.uri)  # legacy against legacy is no candidate
    assert gate.code == 2 and "no run in the ledger compares two different sides" in gate.err


def test_a_random_column_is_found_and_the_applied_proposal_silences_it(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=20)
    config_with(tmp_path, candidate="noisy")  # tmp_path/harness.toml, its queries beside it
    options = ("--side", "candidate", "--dsn", db.uri, "--json")
    result = invoke(capsys, "calibrate", *DATES, "--config", str(tmp_path / "harness.toml"), *options)
    assert result.code == 1, result.err
    side = json.loads(result.out)["sides"][0]
    assert (side["label"], side["side"], side["clean"]) == ("candidate", "noisy", False)
    t3 = next(n for n in side["noise"] if n["column"] == "t3")
    assert (t3["entity"], t3["proposal"], t3["ignored"], t3["rows"]) == (
        "gl_entries",
        IGNORE,
        False,
        t3["compared"],
    )
    assert "hex strings" in t3["reason"]
    proposed = {p["name"]: p["ignore"] for p in tomllib.loads(side["toml"])["entities"]}
    assert proposed == {**STAMPS, "gl_entries": ["created_at", "t3"]}

    applied = tmp_path / "applied.toml"
    text = (tmp_path / "harness.toml").read_text(encoding="utf-8")
    old = 'ignore = ["gl_entry_id", "journal_id", "created_at"]'
    applied.write_text(text.replace(old, old[:-1] + ', "t3"]'), encoding="utf-8")
    result = invoke(capsys, "calibrate", *DATES, "--config", str(applied), *options)
    assert result.code == 1  # the ignores are stripped: the noise shows, now justified
    side = json.loads(result.out)["sides"][0]
    assert next(n for n in side["noise"] if n["column"] == "t3")["ignored"] is True
    assert not [i for i in side["ignored_without_noise"] if i.startswith("gl_entries.t3")]

    result = invoke(capsys, "calibrate", *DATES, "--config", str(applied), *options, "--keep-ignores")
    assert result.code == 0, result.out
    side = json.loads(result.out)["sides"][0]
    assert (side["clean"], side["noise"], side["keep_ignores"]) == (True, [], True)
    assert "# no noise measured" in side["toml"]


def test_the_self_pair_strips_every_ignore_and_accepted_difference() -> None:
    config = load_config()
    pair = self_pair(config, "candidate")
    assert pair.control == pair.candidate == config.candidate
    assert [s.ignore for s in pair.entities] == [()] * len(config.entities)
    assert [s.normalizers for s in pair.entities] == [s.normalizers for s in config.entities]
    assert pair.accepted_differences == ()
    assert pair.text.startswith("# harness calibrate: the candidate (enhanced) against a second copy")
    assert pair.sha256 != config.sha256
    assert self_pair(config, "control", keep_ignores=True).entities == config.entities


@pytest.mark.parametrize(
    ("pairs", "rows", "proposal", "reason"),
    [
        ([('{"a": 1, "b": 2}', '{"b":2,"a":1}')], 1, JSON, "as parsed JSON"),
        ([("Ab ", "Ab"), (" x", "x")], 2, TRIM, "blanks"),
        ([("ABC", "abc")], 1, CASEFOLD, "ignoring case"),
        (
            [("2024-03-01 10:00:00.1+00", "2024-03-01 10:00:01.2+00")],
            10,
            IGNORE,
            "timestamps, differ on every row",
        ),
        ([("17", "18")], 10, IGNORE, "whole numbers"),
        ([("x", "y")], 3, IGNORE, "only: nondeterminism"),
        ([], 10, IGNORE, "no sampled values"),
    ],
)
def test_proposals_from_sampled_values(
    pairs: list[tuple[str, str]], rows: int, proposal: str, reason: str
) -> None:
    found, why = propose(pairs, rows, compared=10)
    assert found == proposal
    assert reason in why


@pytest.mark.usefixtures("bundled_only")
def test_dates_in_the_wrong_order_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "calibrate", "--from", "2024-03-02", "--to", "2024-03-01")
    assert result.code == 2
    assert "--to 2024-03-01 is before --from 2024-03-02" in result.err
