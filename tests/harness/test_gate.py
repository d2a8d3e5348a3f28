"""Each gate criterion passes and fails on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.errors import ConfigError
from harness.gate import DEFAULT_POLICY, evaluate, load_policy

DATES = ["2024-03-01", "2024-03-02", "2024-03-03"]


def document(
    run_id: str = "r1",
    dates: list[str] = DATES,
    verdicts: dict[str, str] | None = None,
    speedups: dict[str, float | None] | None = None,
    broken_candidate: dict[str, str] | None = None,
    accepted_status: str = "active",
    transactions: dict[str, int] | None = None,
    status: str = "completed",
) -> dict[str, Any]:
    """A run document reduced to what the gate reads: all MATCH, 4x faster, invariants hold."""
    verdicts = verdicts or {}
    speedups = speedups or {}
    broken_candidate = broken_candidate or {}
    transactions = transactions or {}
    return {
        "run": {"run_id": run_id, "dates": dates, "status": status},
        "method": {"invariants_title": "accounting invariants"},
        "unit": {"table": "insurance_transaction", "label": "transactions"},
        "matrix": [
            {"business_date": d, "input_rows": transactions.get(d, 100), "recorded": True, "cells": []}
            for d in dates
        ],
        "comparisons": [
            {
                "business_date": d,
                "entity": e,
                "verdict": verdicts.get(d, "MATCH") if e == "journals" else "MATCH",
            }
            for d in dates
            for e in ("journals", "gl_entries")
        ],
        "timings": [
            {"business_date": d, "speedup": speedups.get(d, 4.0), "input_rows": transactions.get(d, 100)}
            for d in dates
        ],
        "invariants": [
            {
                "business_date": d,
                "label": label,
                "name": "journals balance",
                "holds": not (label == "candidate" and d in broken_candidate),
            }
            for d in dates
            for label in ("control", "candidate")
        ],
        "accepted_differences": [{"id": "legacy-json", "status": accepted_status}],
    }


def policy(**overrides: Any) -> dict[str, Any]:
    return {**DEFAULT_POLICY, "min_clean_dates": 3, "min_speedup": 2.0, **overrides}


def criterion(result: Any, name: str) -> tuple[bool, str]:
    found = next(c for c in result.criteria if c.name == name)
    return found.passed, found.figure


def test_all_criteria_pass_on_a_clean_history() -> None:
    result = evaluate(policy(), [document()])
    assert result.ready
    assert [c.passed for c in result.criteria] == [True] * 6


def test_too_few_consecutive_clean_dates() -> None:
    result = evaluate(policy(), [document(verdicts={"2024-03-02": "MISMATCH"})])
    assert criterion(result, "consecutive clean business dates") == (
        False,
        "1 most recent date(s) clean; last unclean 2024-03-02",
    )
    assert not result.ready


def test_a_date_with_no_data_is_never_clean() -> None:
    result = evaluate(policy(), [document(transactions={"2024-03-03": 0})])
    assert criterion(result, "consecutive clean business dates") == (
        False,
        "0 most recent date(s) clean; last unclean 2024-03-03",
    )
    assert not result.ready


@pytest.mark.parametrize("status", ["running", "interrupted", "failed"])
def test_dates_of_an_unfinished_run_are_not_clean(status: str) -> None:
    result = evaluate(policy(), [document(status=status)])
    assert criterion(result, "consecutive clean business dates")[0] is False
    assert not result.ready


def test_a_run_whose_whole_books_differ_has_no_clean_date() -> None:
    """Every date of it matched, yet its books as it left them did not: none of its dates counts."""
    doc = document()
    doc["books"] = [{"business_date": DATES[-1], "entity": "journal_errors", "verdict": "MISMATCH"}]
    result = evaluate(policy(), [doc])
    assert criterion(result, "consecutive clean business dates") == (
        False,
        "0 most recent date(s) clean; last unclean 2024-03-03",
    )
    doc["books"][0]["verdict"] = "MATCH"
    assert evaluate(policy(), [doc]).ready


def test_a_later_clean_rerun_of_a_date_wins() -> None:
    first = document("r1", verdicts={"2024-03-02": "MISMATCH"})
    rerun = document("r2", dates=["2024-03-02"])
    result = evaluate(policy(), [first, rerun])
    assert criterion(result, "consecutive clean business dates")[0] is True


def test_failed_side() -> None:
    result = evaluate(policy(min_clean_dates=0), [document(verdicts={"2024-03-01": "FAILED"})])
    assert criterion(result, "no FAILED side") == (False, "1 date(s) with a FAILED side (2024-03-01)")
    assert [c.passed for c in result.criteria].count(False) == 1


@pytest.mark.parametrize("status", ["stale", "expired"])
def test_stale_or_expired_accepted_difference(status: str) -> None:
    result = evaluate(policy(), [document(accepted_status=status)])
    assert criterion(result, f"no {status} accepted difference") == (False, f"1 {status} (legacy-json)")
    assert [c.passed for c in result.criteria].count(False) == 1


def test_median_speedup_below_the_bar() -> None:
    slow = document(speedups={"2024-03-01": 1.5, "2024-03-02": 1.9, "2024-03-03": 9.0})
    result = evaluate(policy(), [slow])
    assert criterion(result, "candidate speedup on the median date") == (False, "1.90x")
    assert [c.passed for c in result.criteria].count(False) == 1


def test_broken_candidate_invariant() -> None:
    result = evaluate(policy(), [document(broken_candidate={"2024-03-03": "x"})])
    assert criterion(result, "accounting invariants hold on the candidate") == (
        False,
        "2 of 3 candidate invariant checks hold; broken: 2024-03-03 journals balance",
    )


def test_policy_file_overrides_and_typos(tmp_path: Path) -> None:
    good = tmp_path / "policy.toml"
    good.write_text("[gate]\nmin_clean_dates = 10\nmin_speedup = 5\n")
    loaded = load_policy(good, {"min_clean_dates": 2}, "harness.toml")
    assert (loaded["min_clean_dates"], loaded["min_speedup"]) == (10, 5)
    bad = tmp_path / "bad.toml"
    bad.write_text("[gate]\nmin_clean_date = 10\n")
    with pytest.raises(ConfigError, match=r"bad.toml: unknown key 'gate.min_clean_date'"):
        load_policy(bad, {}, "harness.toml")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[gate]\nmin_clean_dates = 'five'\n")
    with pytest.raises(ConfigError, match=r"'gate.min_clean_dates' must be int, got 'five'"):
        load_policy(wrong, {}, "harness.toml")
