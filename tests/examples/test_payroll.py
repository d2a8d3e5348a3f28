"""examples/payroll end to end: the good pair is READY, the defective one differs on exactly
the rows its planted defect (OVERTIME at 1.25 instead of 1.5) touches."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TestDatabase
from tests.helpers import invoke

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "payroll"
INSURANCE_WORDS = re.compile(r"journal|\bGL\b|gl_|voucher|transaction|insurance", re.IGNORECASE)
SCHEMA = "payroll_source"
FIRST, LAST = "2025-01-06", "2025-01-10"
DATES = ("2025-01-06", "2025-01-07", "2025-01-08", "2025-01-09", "2025-01-10")

# Per date: the employees with at least one valid OVERTIME row (known, active, hours > 0):
# their payslip and their OVERTIME line are what the defect changes; nothing else is.
OVERTIME_PAYSLIPS = """
SELECT t.work_date::text, count(DISTINCT t.employee_id)
FROM timesheet t JOIN employee e ON e.employee_id = t.employee_id
WHERE e.active AND t.hours > 0 AND t.kind = 'OVERTIME'
GROUP BY t.work_date
"""
# The same employees one by one: the payslips the full key list must name, and only them.
OVERTIME_EMPLOYEES = """
SELECT DISTINCT t.work_date::text, t.employee_id
FROM timesheet t JOIN employee e ON e.employee_id = t.employee_id
WHERE e.active AND t.hours > 0 AND t.kind = 'OVERTIME'
"""
# Per date: the keys of each entity (the payslips, the lines: one per employee and kind,
# and the errors), from the same rules.
KEYS = """
SELECT t.work_date::text,
       count(DISTINCT t.employee_id) FILTER (WHERE e.active AND t.hours > 0),
       count(DISTINCT (t.employee_id, t.kind)) FILTER (WHERE e.active AND t.hours > 0),
       count(*) FILTER (WHERE e.employee_id IS NULL OR NOT e.active OR t.hours <= 0)
FROM timesheet t LEFT JOIN employee e ON e.employee_id = t.employee_id
GROUP BY t.work_date
"""
# Per date: all rows, and the unknown-employee, inactive-employee and non-positive-hours rows.
EDGE_CASES = """
SELECT t.work_date::text, count(*),
       count(*) FILTER (WHERE e.employee_id IS NULL),
       count(*) FILTER (WHERE NOT e.active),
       count(*) FILTER (WHERE t.hours <= 0)
FROM timesheet t LEFT JOIN employee e ON e.employee_id = t.employee_id
GROUP BY t.work_date
"""


@pytest.fixture
def payroll_db(capsys: pytest.CaptureFixture[str], db: TestDatabase) -> TestDatabase:
    """The test database with the example's source loaded as the README says."""
    loaded = invoke(capsys, "source", "load", str(EXAMPLE / "source"), "--schema", SCHEMA, "--dsn", db.uri)
    assert loaded.code == 0, loaded.err
    return db


def source_rows(db: TestDatabase, query: str) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        conn.execute(f"SET search_path = {SCHEMA}")
        return conn.execute(query).fetchall()


def run_pair(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, config: str, out: Path
) -> tuple[int, str, dict[str, Any]]:
    result = invoke(
        capsys,
        "run",
        "--config",
        str(EXAMPLE / config),
        "--dsn",
        db.uri,
        "--from",
        FIRST,
        "--to",
        LAST,
        "--out",
        str(out),
        "--metrics",
        str(out / "run.prom"),
    )
    document = json.loads((out / "run.json").read_text()) if (out / "run.json").is_file() else {}
    return result.code, result.out + result.err, document


def counts(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, int]]:
    """(entity, date) -> the comparison's counts."""
    return {(c["entity"], c["business_date"]): c["counts"] for c in document["comparisons"]}


def test_source_has_the_edge_cases(payroll_db: TestDatabase) -> None:
    per_date = {d: (n, u, i, z) for d, n, u, i, z in source_rows(payroll_db, EDGE_CASES)}
    assert sorted(per_date) == list(DATES)
    for rows, unknown, inactive, zero in per_date.values():
        assert 30 <= rows <= 60 and unknown >= 1 and inactive >= 1 and zero >= 1


def test_the_good_pair_is_ready(
    capsys: pytest.CaptureFixture[str], payroll_db: TestDatabase, tmp_path: Path
) -> None:
    code, output, document = run_pair(capsys, payroll_db, "harness.toml", tmp_path / "good")
    assert code == 0, output
    assert " READY; " in output
    keys = {d: (p, lines, errors) for d, p, lines, errors in source_rows(payroll_db, KEYS)}
    found = counts(document)
    assert len(found) == 3 * len(DATES)
    for date, (payslips, lines, errors) in keys.items():
        for entity, expected in (
            ("payslips", payslips),
            ("payslip_lines", lines),
            ("payroll_errors", errors),
        ):
            got = found[(entity, date)]
            assert (got["equal"], got["different"]) == (expected, 0), (entity, date, got)


def test_the_defective_pair_differs_on_the_overtime_rows_only(
    capsys: pytest.CaptureFixture[str], payroll_db: TestDatabase, tmp_path: Path
) -> None:
    code, output, document = run_pair(capsys, payroll_db, "defective.toml", tmp_path / "defective")
    assert code == 1, output
    assert "NOT READY" in output
    overtime = dict(source_rows(payroll_db, OVERTIME_PAYSLIPS))
    keys = {d: (p, lines, errors) for d, p, lines, errors in source_rows(payroll_db, KEYS)}
    assert all(overtime.get(d, 0) > 0 for d in DATES)
    found = counts(document)
    for date, (payslips, lines, errors) in keys.items():
        differing = overtime.get(date, 0)
        for entity, total, expected in (
            ("payslips", payslips, differing),
            ("payslip_lines", lines, differing),
            ("payroll_errors", errors, 0),
        ):
            got = found[(entity, date)]
            assert got["different"] == got["unexplained"] == expected, (entity, date, got)
            assert got["equal"] == total - expected, (entity, date, got)
            assert got["control_only"] == got["candidate_only"] == got["duplicate_keys"] == 0
    books = {c["entity"]: c["counts"] for c in document["books"]}
    assert books["payslips"]["different"] == books["payslip_lines"]["different"] == sum(overtime.values())
    assert books["payroll_errors"]["different"] == 0


def test_the_full_key_list_names_exactly_the_overtime_payslips(
    capsys: pytest.CaptureFixture[str], payroll_db: TestDatabase, tmp_path: Path
) -> None:
    run_pair(capsys, payroll_db, "defective.toml", tmp_path / "defective")
    with (tmp_path / "defective" / "mismatches" / "payslips.csv").open(newline="") as listed:
        found = {(r["business_date"], r["employee_id"], r["kind"]) for r in csv.DictReader(listed)}
    expected = {
        (day, str(employee), "different") for day, employee in source_rows(payroll_db, OVERTIME_EMPLOYEES)
    }
    assert found == expected


@pytest.mark.parametrize("config", ["harness.toml", "defective.toml"])
def test_no_insurance_word_in_what_a_team_sees(
    capsys: pytest.CaptureFixture[str], payroll_db: TestDatabase, tmp_path: Path, config: str
) -> None:
    out = tmp_path / "run"
    _, console, _ = run_pair(capsys, payroll_db, config, out)
    processed = invoke(
        capsys,
        "process",
        "--config",
        str(EXAMPLE / config),
        "--side",
        "control",
        "--date",
        FIRST,
        "--dsn",
        payroll_db.uri,
        "--schema",
        "payroll_process",
    )
    assert processed.code == 0, processed.err
    assert processed.out.startswith(f"payroll-legacy {FIRST}: ")
    texts = {"console": console + processed.out + processed.err}
    texts |= {p.name: p.read_text() for p in (out / "report.html", out / "run.prom", out / "junit.xml")}
    texts |= {p.name: p.read_text() for p in (out / "mismatches").glob("*.csv")}
    for name, text in texts.items():
        found = INSURANCE_WORDS.findall(_without_paths(text, tmp_path))
        assert not found, (name, sorted(set(found)))


def _without_paths(text: str, tmp_path: Path) -> str:
    """The file paths a report prints (the repository's, the test's own directory, named
    after this test) are not its words."""
    return text.replace(str(EXAMPLE.parents[1]), "<repo>").replace(str(tmp_path), "<tmp>")


def test_the_gate_judges_only_the_runs_of_the_config_it_is_given(
    capsys: pytest.CaptureFixture[str], payroll_db: TestDatabase, tmp_path: Path
) -> None:
    """A good pair's runs never stand in for the defective pair's, nor the other way round."""
    run_pair(capsys, payroll_db, "harness.toml", tmp_path / "good")

    def gate(config: str) -> tuple[int, str]:
        found = invoke(capsys, "gate", "--config", str(EXAMPLE / config), "--dsn", payroll_db.uri)
        return found.code, found.out + found.err

    code, said = gate("defective.toml")
    assert code == 2 and "no run in the ledger was made with this config" in said
    run_pair(capsys, payroll_db, "defective.toml", tmp_path / "defective")
    assert gate("defective.toml")[0] == 1
    code, said = gate("harness.toml")  # the latest run is the defective one: it does not count here
    assert code == 0 and "payroll-enhanced" in said, said
