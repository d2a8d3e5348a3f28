"""harness run / history / show / verify-ledger / report / gate as users see them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import enhanced
import harness
from tests.conftest import TestDatabase
from tests.harness.runs import seed_small
from tests.helpers import BUNDLED_SOURCE, invoke


@pytest.fixture
def seeded(db: TestDatabase) -> TestDatabase:
    """Source with 2024-03-01..03, 30 transactions a day (seed 7)."""
    seed_small(db)
    return db


def run_args(db: TestDatabase, tmp_path: Path, *extra: str) -> tuple[str, ...]:
    return ("run", "--dsn", db.uri, "--quiet", "--out", str(tmp_path / "report"), *extra)


def test_run_history_show_report_verify_and_gate(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path
) -> None:
    result = invoke(
        capsys,
        *run_args(
            seeded,
            tmp_path,
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-02",
            "--metrics",
            str(tmp_path / "run.prom"),
        ),
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("entities: 1 journals, 2 gl_entries, ")
    assert lines[2].startswith("date")
    assert lines[3].startswith("2024-03-01")
    assert lines[5] == "codes: ok = MATCH, acc = ACCEPTED"
    assert " READY; " in lines[6]
    assert (
        lines[-2]
        == f"next: open {(tmp_path / 'report' / 'report.html').resolve().as_uri()} · harness gate · harness history"
    )
    assert lines[-1].startswith("ledger anchor: ")
    for name in ("report.html", "run.json", "junit.xml"):
        assert (tmp_path / "report" / name).is_file()
    assert "harness_" in (tmp_path / "run.prom").read_text()
    run_id = lines[6].split()[1]

    history = invoke(capsys, "history", "--dsn", seeded.uri)
    assert history.code == 0
    assert history.out.splitlines()[1].startswith(run_id)
    assert "completed" in history.out

    show = invoke(capsys, "show", run_id, "--dsn", seeded.uri)
    assert show.code == 0
    assert show.out.splitlines()[6].startswith(f"run {run_id} (completed): READY")

    original = (tmp_path / "report" / "report.html").read_text()
    again = invoke(capsys, "report", run_id, "--dsn", seeded.uri, "--out", str(tmp_path / "again"))
    assert again.code == 0
    assert (tmp_path / "again" / "report.html").read_text() == original

    verify = invoke(capsys, "verify-ledger", "--dsn", seeded.uri)
    assert verify.code == 0
    assert verify.out.startswith("ledger OK: ")

    policy = tmp_path / "policy.toml"
    policy.write_text("[gate]\nmin_clean_dates = 2\nmin_speedup = 0.0\n")
    gate = invoke(capsys, "gate", "--dsn", seeded.uri, "--policy", str(policy))
    assert gate.code == 0, gate.out
    assert gate.out.splitlines()[-1].startswith("READY for cutover")

    strict = tmp_path / "strict.toml"
    strict.write_text("[gate]\nmin_clean_dates = 3\nmin_speedup = 0.0\n")
    gate = invoke(capsys, "gate", "--dsn", seeded.uri, "--policy", str(strict))
    assert gate.code == 1
    assert "FAIL  consecutive clean business dates: 2 most recent date(s) clean (required >= 3)" in gate.out


def test_verify_ledger_catches_a_tampered_row(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path
) -> None:
    assert invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-01")).code == 0
    with seeded.connect() as conn, conn.transaction():
        conn.execute("ALTER TABLE harness.entry DISABLE TRIGGER entry_append_only")
        conn.execute(
            "UPDATE harness.entry SET body = replace(body, 'MATCH', 'MATCH ') WHERE kind = 'comparison'"
        )
        conn.execute("ALTER TABLE harness.entry ENABLE TRIGGER entry_append_only")
    result = invoke(capsys, "verify-ledger", "--dsn", seeded.uri)
    assert result.code == 1
    assert "was altered" in result.out
    assert result.out.splitlines()[-1].startswith("ledger TAMPERED: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--from", "2024-03-03", "--to", "2024-03-01"),
            "error: --to 2024-03-01 is before --from 2024-03-03; give the earlier date first\n",
        ),
        (
            ("--dates", "2024-02-31"),
            "error: Invalid value for '--dates': '2024-02-31' is not a date; write it as YYYY-MM-DD, e.g. 2024-03-01 (see 'harness run --help')\n",
        ),
        (
            ("--from", "2024-03-01"),
            "error: give --from and --to (or --dates, or --demo) (see 'harness run --help')\n",
        ),
    ],
    ids=["reversed", "bad-date", "half-range"],
)
def test_run_usage_errors(
    capsys: pytest.CaptureFixture[str],
    seeded: TestDatabase,
    tmp_path: Path,
    args: tuple[str, ...],
    message: str,
) -> None:
    result = invoke(capsys, *run_args(seeded, tmp_path, *args))
    assert (result.code, result.err) == (2, message)


def test_config_typo_names_file_and_key(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path
) -> None:
    config = tmp_path / "pair.toml"
    config.write_text(
        BUNDLED_SOURCE
        + '[control]\nside = "bundled:legacy"\n[candidate]\nside = "bundled:enhanced"\n[run]\nphase_timeot = 5\n'
    )
    result = invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-01", "--config", str(config)))
    assert result.code == 2
    assert result.err == (
        f"config: {config} (--config)\n"
        f"error: {config}: unknown key 'run.phase_timeot' (known here: calibrated, phase_timeout, repeat, role_isolation)\n"
    )


def test_unknown_side_in_config(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path
) -> None:
    config = tmp_path / "pair.toml"
    config.write_text(BUNDLED_SOURCE + '[control]\nside = "bundled:legacy"\n[candidate]\nside = "enhancd"\n')
    result = invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-01", "--config", str(config)))
    assert result.code == 2
    assert result.err == (
        f"config: {config} (--config)\n"
        f"error: {config}: 'candidate.side': 'enhancd' is not a side: {tmp_path / 'enhancd'} holds no manifest.toml\n"
    )


@pytest.mark.parametrize("beside", [False, True], ids=["no such directory", "a directory of that name"])
def test_a_bare_bundled_name_in_a_team_config_is_refused(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path, beside: bool
) -> None:
    """Only bundled:legacy means the harness's own side; a bare legacy next to a team's own
    legacy/ folder must never silently pick ours."""
    if beside:
        (tmp_path / "legacy").mkdir()
        (tmp_path / "legacy" / "manifest.toml").write_text('[[phases]]\nname = "p"\nsql = "SELECT 1"\n')
    config = tmp_path / "pair.toml"
    config.write_text(BUNDLED_SOURCE + '[control]\nside = "legacy"\n[candidate]\nside = "bundled:enhanced"\n')
    result = invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-01", "--config", str(config)))
    assert result.code == 2
    said = (
        "could mean the bundled side (bundled:legacy) or the directory" if beside else "write bundled:legacy"
    )
    assert said in result.err and len(result.err.splitlines()) == 2


def test_failed_side_exits_1(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path
) -> None:
    """The candidate crashes halfway through the date: its entity is FAILED and the run exits 1."""
    config = tmp_path / "pair.toml"
    halfway = Path(__file__).parents[1] / "fixtures" / "sides" / "halfway"
    config.write_text(
        BUNDLED_SOURCE + f'[control]\nside = "bundled:legacy"\n[candidate]\nside = "{halfway}"\n'
        '[[entities]]\nname = "transaction_status"\n'
        'query = "SELECT txn_reference, status FROM insurance_transaction WHERE business_date = :business_date"\n'
        'key = ["txn_reference"]\n'
    )
    result = invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-01", "--config", str(config)))
    assert result.code == 1
    assert (
        "  - 2024-03-01 candidate: FAILED (halfway failed in phase 'crash' on 2024-03-01: division by zero [SQLSTATE 22012])"
        in result.out.splitlines()
    )
    assert "transaction_status: FAILED" not in result.out


DRIFT_PHASE = '''
[[phases]]
name = "drift"
sql = """
UPDATE gl_entries SET txn_amount = txn_amount + 0.01
WHERE account_code = '4000' AND business_date = %(business_date)s
  AND txn_reference = (SELECT min(txn_reference) FROM gl_entries
                       WHERE account_code = '4000' AND business_date = %(business_date)s)
"""
'''


def drifting_side(tmp_path: Path) -> Path:
    """The enhanced side plus one last phase that adds a cent to one premium line's txn_amount."""
    side = tmp_path / "enhanced_drift"
    shutil.copytree(Path(enhanced.__file__).parent, side, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = side / "manifest.toml"
    text = manifest.read_text()
    head, export = text.split("\n[export]", 1)
    manifest.write_text(head + DRIFT_PHASE + "\n[export]" + export)
    return side


def test_gate_passes_on_clean_history_and_fails_after_a_deliberate_difference(
    capsys: pytest.CaptureFixture[str], seeded: TestDatabase, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[gate]\nmin_clean_dates = 3\nmin_speedup = 0.0\n")
    assert invoke(capsys, *run_args(seeded, tmp_path, "--from", "2024-03-01", "--to", "2024-03-03")).code == 0
    assert invoke(capsys, "gate", "--dsn", seeded.uri, "--policy", str(policy)).code == 0
    clean_hash = json.loads((tmp_path / "report" / "run.json").read_text())["sides"]["candidate"][
        "sql_sha256"
    ]

    config = tmp_path / "drift.toml"
    default = (Path(harness.__file__).parent / "default.toml").read_text()
    config.write_text(default.replace('side = "bundled:enhanced"', f'side = "{drifting_side(tmp_path)}"'))
    result = invoke(capsys, *run_args(seeded, tmp_path, "--dates", "2024-03-03", "--config", str(config)))
    assert result.code == 1
    assert "2024-03-03 gl_entries: MISMATCH (1 different, 1 unexplained)" in result.out

    gate = invoke(capsys, "gate", "--dsn", seeded.uri, "--policy", str(policy))
    assert gate.code == 1
    assert (
        "FAIL  consecutive clean business dates: 0 most recent date(s) clean; last unclean 2024-03-03 "
        "(required >= 3)"
    ) in gate.out
    assert gate.out.splitlines()[0].startswith("pair: legacy (")
    assert clean_hash[:12] not in gate.out.splitlines()[0]
    assert gate.out.splitlines()[-1] == "NOT READY for cutover (1 run(s) evaluated)"

    # the first candidate's own runs are still clean: another candidate's never mix in
    first = invoke(
        capsys, "gate", "--dsn", seeded.uri, "--policy", str(policy), "--candidate", clean_hash[:16]
    )
    assert first.code == 0, first.out
    assert first.out.splitlines()[-1] == "READY for cutover (1 run(s) evaluated)"
