"""harness seed as users see it: one line per date, then the total."""

from __future__ import annotations

import re

import pytest

from tests.conftest import TestDatabase
from tests.helpers import invoke

DIGEST = "[0-9a-f]{16}"
TOTAL = r"seeded {} date\(s\), {} transactions into schema 'source' in \d+\.\d s \([\d,]+ rows/s\)"


def seed(capsys: pytest.CaptureFixture[str], db: TestDatabase, first: str, last: str) -> tuple[int, str, str]:
    result = invoke(capsys, "seed", "--dsn", db.uri, "--from", first, "--to", last, "--per-day", "500")
    return result.code, result.out, result.err


def test_each_date_is_printed_once(capsys: pytest.CaptureFixture[str], clean_db: TestDatabase) -> None:
    code, out, err = seed(capsys, clean_db, "2024-03-30", "2024-03-31")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 3, out
    assert re.fullmatch(f"2024-03-30: 500 rows, {DIGEST}", lines[0])
    assert re.fullmatch(f"2024-03-31: 500 rows, {DIGEST}", lines[1])
    assert re.fullmatch(TOTAL.format(2, 1000), lines[2])


def test_skipped_and_loaded_dates_in_date_order(
    capsys: pytest.CaptureFixture[str], clean_db: TestDatabase
) -> None:
    _, first, _ = seed(capsys, clean_db, "2024-03-31", "2024-03-31")
    code, out, err = seed(capsys, clean_db, "2024-03-30", "2024-04-01")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 4, out
    assert re.fullmatch(f"2024-03-30: 500 rows, {DIGEST}", lines[0])
    assert lines[1] == f"{first.splitlines()[0].replace(': ', ': already seeded (', 1)}), skipped"
    assert re.fullmatch(f"2024-04-01: 500 rows, {DIGEST}", lines[2])
    assert re.fullmatch(TOTAL.format(2, 1000), lines[3])
