"""harness.trend: time per 1,000 units against the median of the dates before it."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from harness.config import load_config, parse_config
from harness.errors import ConfigError
from harness.ledger.entries import (
    DateFinished,
    ExecutionStatus,
    RunFinished,
    RunStarted,
    RunStatus,
    SideExecution,
)
from harness.ledger.runs import RunRecord
from harness.method import method_of
from harness.trend import Point, judged, trend

UNIT = {"table": "insurance_transaction", "label": "transactions"}
# business date -> the candidate's seconds (None: it failed), and the date's input rows
Dates = dict[str, tuple[float | None, int | None]]


def run(
    run_id: str,
    seq: int,
    dates: Dates,
    *,
    sha: str = "config-a",
    status: RunStatus = RunStatus.COMPLETED,
    unit: dict[str, str] | None = UNIT,
    method: dict[str, float] | None = None,
) -> RunRecord:
    started = RunStarted(
        run_id, "2024-03-01T00:00:00+00:00", list(dates), "out", "0.1.0", "harness run", "u", "h",
        {"path": "harness.toml", "sha256": sha, "text": ""}, {}, {"roles": True}, {}, {}, {}, {}, {},
        unit=unit, method=method or {},
    )  # fmt: skip
    executions = []
    for day, (seconds, _) in dates.items():
        executions.append(_execution(day, "control", 2.0))
        executions.append(_execution(day, "candidate", seconds))
    return RunRecord(
        started=started,
        resumed=(),
        executions=tuple(executions),
        comparisons=(),
        books=(),
        dates=tuple(DateFinished(day, rows, {}, []) for day, (_, rows) in dates.items()),
        finished=RunFinished(status, "2024-03-01T01:00:00+00:00", len(dates), {}),
        first_seq=seq,
        last_seq=seq + 10,
        head_hash="0" * 64,
    )


def _execution(day: str, label: str, seconds: float | None) -> SideExecution:
    status = ExecutionStatus.FAILED if seconds is None else ExecutionStatus.OK
    phases = [{"name": "journal creation", "seconds": (seconds or 0.0) / 2, "rows": 10}]
    return SideExecution(day, label, label, status, None, seconds or 0.0, phases, [], [])


def series(doc: dict, side: str = "candidate", phase: str = "total") -> dict:
    return next(s for s in doc["series"] if s["side"] == side and s["phase"] == phase)


def points(values: list[float], run_id: str = "r") -> list[Point]:
    return [Point(f"2024-03-{i + 1:02d}", run_id, v, v, 1000) for i, v in enumerate(values)]


def test_a_point_is_judged_against_the_median_of_all_its_predecessors() -> None:
    done = judged(points([1.0, 1.2, 5.0]), points([1.1, 3.0, 1.9]), factor=1.5)
    # medians: of 1, 1.2, 5 -> 1.2; then of 1, 1.1, 1.2, 5 -> 1.15; then of 1, 1.1, 1.2, 3, 5 -> 1.2
    assert [p.baseline for p in done] == [1.2, 1.15, 1.2]
    assert [p.regression for p in done] == [False, True, True]


def test_exactly_factor_times_the_median_is_not_a_regression() -> None:
    # 1.5 * 0.7 is 1.0499999999999998 in floating point: 1.05 must still count as exactly 1.5x
    for baseline in (0.7, 0.8, 1.1, 0.35):
        exactly = round(baseline * 1.5, 6)
        (at,) = judged(points([baseline]), points([exactly]), factor=1.5)
        (above,) = judged(points([baseline]), points([exactly + 0.001]), factor=1.5)
        assert (at.regression, above.regression) == (False, True), baseline


def test_a_first_point_without_predecessors_has_no_baseline() -> None:
    (only,) = judged([], points([9.0]), factor=1.5)
    assert only.baseline is None and not only.regression


def test_per_thousand_units_and_the_regression_sentence() -> None:
    record = run("now", 100, {"2024-03-01": (1.0, 2000), "2024-03-02": (4.6, 2400)})
    doc = trend(record)
    total = series(doc)
    assert [p["per_thousand"] for p in total["points"]] == [0.5, 1.917]
    assert total["points"][1]["baseline"] == 0.5 and total["points"][1]["regression"]
    assert doc["regressions"] == [
        "2024-03-02 candidate in total: 1.92 s per 1,000 transactions, 3.8x the median of its 1 predecessor (0.50 s)",
        "2024-03-02 candidate journal creation: 0.96 s per 1,000 transactions, 3.8x the median of its "
        "1 predecessor (0.25 s)",
    ]
    assert doc["factor"] == 1.5 and doc["unit_label"] == "transactions"


def test_failed_and_empty_dates_are_left_out() -> None:
    record = run("now", 100, {"2024-03-01": (1.0, 1000), "2024-03-02": (None, 1000), "2024-03-03": (9.0, 0)})
    doc = trend(record)
    assert [p["business_date"] for p in series(doc)["points"]] == ["2024-03-01"]
    assert len(series(doc, "control")["points"]) == 2  # the control did not fail 2024-03-02
    assert doc["regressions"] == []


def test_earlier_runs_count_only_when_completed_before_under_the_same_config() -> None:
    earlier = [
        run("same", 10, {"2024-02-01": (1.0, 1000), "2024-02-02": (1.1, 1000)}),
        run("other-config", 30, {"2024-02-03": (0.1, 1000)}, sha="config-b"),
        run("failed-run", 50, {"2024-02-04": (0.1, 1000)}, status=RunStatus.FAILED),
        run("later", 200, {"2024-02-05": (0.1, 1000)}),
    ]
    doc = trend(run("now", 100, {"2024-03-01": (1.6, 1000)}), earlier)
    total = series(doc)
    assert [(p["run_id"], p["business_date"]) for p in total["earlier_points"]] == [
        ("same", "2024-02-01"),
        ("same", "2024-02-02"),
    ]
    assert "baseline" not in total["earlier_points"][0]
    (point,) = total["points"]
    assert point["baseline"] == 1.05 and point["regression"]


def test_only_the_last_twenty_earlier_points_are_kept() -> None:
    earlier = [run(f"r{i}", i * 20, {f"2024-01-{i + 1:02d}": (float(i + 1), 1000)}) for i in range(25)]
    doc = trend(run("now", 1000, {"2024-03-01": (1.0, 1000)}), earlier)
    kept = series(doc)["earlier_points"]
    assert len(kept) == 20 and kept[0]["run_id"] == "r5" and kept[-1]["run_id"] == "r24"


def test_the_factor_comes_from_the_runs_method_and_no_unit_means_no_trend() -> None:
    dates: Dates = {"2024-03-01": (1.0, 1000), "2024-03-02": (1.9, 1000)}
    assert trend(run("now", 1, dates))["regressions"]
    assert trend(run("now", 1, dates, method={"regression_factor": 2.0}))["regressions"] == []
    assert trend(run("now", 1, dates, unit=None)) == {
        "factor": 1.5,
        "unit_label": None,
        "series": [],
        "regressions": [],
    }


def test_the_config_records_its_regression_factor() -> None:
    config = load_config()
    assert config.regression_factor == 1.5
    assert method_of(config)["regression_factor"] == 1.5


@pytest.mark.parametrize("value", ["1", "0.9", "'fast'", "true", "inf"])
def test_a_regression_factor_must_be_a_number_above_one(value: str, tmp_path: Path) -> None:
    text = load_config().text.replace("regression_factor = 1.5", f"regression_factor = {value}")
    with pytest.raises(ConfigError, match=r"'report.regression_factor' must be a number above 1, got "):
        parse_config(text, "bad.toml", base=tmp_path, queries=files("harness"))
