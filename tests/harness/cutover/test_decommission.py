"""The decommission gate: each criterion passes and fails on its own."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from harness.cutover.decommission import DEFAULT_POLICY, decommission_policy, evaluate_decommission
from harness.errors import ConfigError

FIRST = date(2024, 3, 12)  # 20 dates from here include 2024-03-31


def published(days: int = 20, verdicts: dict[int, str] | None = None, **extra: Any) -> list[dict[str, Any]]:
    """Run documents of ``days`` published cutover dates, CLEAN, 3x faster, accepted entry used."""
    verdicts = verdicts or {}
    docs = []
    for i in range(days):
        day = (FIRST + timedelta(days=i)).isoformat()
        docs.append(
            {
                "run": {"run_id": f"r{i}"},
                "cutover": {"business_date": day, "verdict": verdicts.get(i, "CLEAN")},
                "timings": [{"business_date": day, "speedup": extra.get("speedup", 3.0)}],
                "accepted_differences": [
                    {
                        "id": "legacy-json-escaping",
                        "status": extra.get("status", "active"),
                        "rows_covered": extra.get("covered", 1 if i == 3 else 0),
                    }
                ],
            }
        )
    return docs


def criteria(docs: list[dict[str, Any]], **policy: Any) -> dict[str, tuple[bool, str]]:
    result = evaluate_decommission(decommission_policy(policy), docs)
    return {c.name: (c.passed, c.figure) for c in result.criteria}


def test_twenty_clean_dates_with_a_month_end_pass() -> None:
    found = criteria(published())
    assert all(passed for passed, _ in found.values()), found
    assert found["a month end among them"] == (True, "1 month end(s) in the window (2024-03-31)")
    assert evaluate_decommission(dict(DEFAULT_POLICY), published()).ready


def test_too_few_clean_dates_fail() -> None:
    passed, figure = criteria(published(days=19))["consecutive clean cutover dates"]
    assert (passed, figure) == (False, "19 most recent cutover date(s) CLEAN of 19 published")


def test_a_not_clean_date_breaks_the_streak() -> None:
    found = criteria(published(days=25, verdicts={20: "NOT CLEAN"}))["consecutive clean cutover dates"]
    assert found == (False, "4 most recent cutover date(s) CLEAN of 25 published; last not clean 2024-04-01")


def test_no_month_end_in_the_window_fails_unless_allowed() -> None:
    docs = published(days=20)[:19]  # 03-12..03-30
    assert criteria(docs, min_clean_dates=5)["a month end among them"] == (
        False,
        "0 month end(s) in the window",
    )
    assert criteria(docs, min_clean_dates=5, require_month_end=False)["a month end among them"][0]


def test_a_fallback_in_the_window_fails() -> None:
    found = criteria(published(days=22, verdicts={5: "FELL BACK"}), min_clean_dates=5)
    assert found["no fallback in the window"] == (True, "0 date(s) fell back")  # before the window
    found = criteria(published(days=22, verdicts={5: "FELL BACK"}))
    assert found["no fallback in the window"] == (False, "1 date(s) fell back (2024-03-17)")


@pytest.mark.parametrize(
    ("extra", "name", "figure"),
    [
        ({"covered": 0}, "no stale accepted difference", "1 stale (legacy-json-escaping)"),
        ({"status": "expired"}, "no expired accepted difference", "1 expired (legacy-json-escaping)"),
        ({"speedup": 0.9}, "candidate speedup on the median date", "0.90x"),
    ],
)
def test_accepted_health_and_speedup(extra: dict[str, Any], name: str, figure: str) -> None:
    assert criteria(published(**extra))[name] == (False, figure)


def test_a_window_of_two_candidates_fails() -> None:
    docs = published()
    for i, doc in enumerate(docs):
        doc["sides"] = {"control": {"sql_sha256": "c"}, "candidate": {"sql_sha256": "a" if i < 10 else "b"}}
    found = criteria(docs)["one control and candidate over the window"]
    assert found == (False, "2 pair(s) of side SQL over the window")


def test_policy_typos_are_errors() -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'gate\.decommission\.min_clean_day'"):
        decommission_policy({"min_clean_day": 3})
    with pytest.raises(ConfigError, match=r"'gate\.decommission\.allow_fallback' must be bool, got 1"):
        decommission_policy({"allow_fallback": 1})
    with pytest.raises(ConfigError, match=r"'gate\.decommission\.min_clean_dates' must be at least 1, got 0"):
        decommission_policy({"min_clean_dates": 0})
