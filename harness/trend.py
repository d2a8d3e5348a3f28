"""The run document's trend: each side's time per 1,000 units of work, per phase and in
total, across the run's dates and the earlier runs of the same config in the ledger, with a
date flagged when it is more than a factor slower than the median of what came before it.

Time per unit, not wall time, so a busy month-end date does not pass for a slowdown.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from harness.ledger.entries import RunStatus, SideExecution
from harness.ledger.runs import RunRecord
from harness.timings_doc import PHASE_ORDER
from reports.formatting import per_thousand as per_thousand_text

SIDES = ("control", "candidate")
TOTAL = "total"
DEFAULT_FACTOR = 1.5  # also runs recorded before [report] regression_factor existed
EARLIER_POINTS = 20  # per series: enough for a stable median, few enough to follow a change

Series = dict[tuple[str, str], list["Point"]]


@dataclass(frozen=True)
class Point:
    """One side's time in one phase (or in total) on one date of one run."""

    business_date: str
    run_id: str
    per_thousand: float  # seconds per 1,000 units
    seconds: float
    input_rows: int
    baseline: float | None = None  # median per_thousand of the predecessors; None without any
    regression: bool = False

    def to_dict(self, judged: bool = True) -> dict[str, Any]:
        found = self.__dict__.copy()
        if not judged:  # an earlier run's point is context, judged in its own run
            del found["baseline"], found["regression"]
        return found


def trend(record: RunRecord, earlier: Sequence[RunRecord] = ()) -> dict[str, Any]:
    """The document's "trend": nothing to chart when the run declares no unit."""
    factor = float(record.started.method.get("regression_factor", DEFAULT_FACTOR))
    unit = record.started.unit
    if not unit:
        return {"factor": factor, "unit_label": None, "series": [], "regressions": []}
    label = unit["label"]
    history: Series = {}
    for run in comparable(record, earlier):
        for key, points in run_points(run).items():
            history.setdefault(key, []).extend(points)
    current = run_points(record)
    series, regressions = [], []
    for side, phase in _ordered(current.keys() | history.keys()):
        before = history.get((side, phase), [])[-EARLIER_POINTS:]
        found, sentences = judged_series(side, phase, before, current.get((side, phase), []), factor, label)
        series.append(found)
        regressions += sentences
    return {"factor": factor, "unit_label": label, "series": series, "regressions": regressions}


def judged_series(
    side: str, phase: str, before: Sequence[Point], points: Sequence[Point], factor: float, unit_label: str
) -> tuple[dict[str, Any], list[str]]:
    """One series of the document, its points judged against their predecessors, and the
    sentences of its regressions."""
    done = judged(before, points, factor)
    sentences = [sentence(side, phase, p, len(before) + i, unit_label) for i, p in enumerate(done)]
    found = {
        "side": side,
        "phase": phase,
        "points": [p.to_dict() for p in done],
        "earlier_points": [p.to_dict(judged=False) for p in before],
    }
    return found, [text for text in sentences if text]


def comparable(record: RunRecord, earlier: Iterable[RunRecord]) -> list[RunRecord]:
    """Earlier runs whose times say something about this one's: completed before it started,
    under the same config (its SQL, rules and unit)."""
    sha = record.started.config.get("sha256")
    return [
        run
        for run in earlier
        if run.status is RunStatus.COMPLETED
        and run.last_seq < record.first_seq
        and run.started.config.get("sha256") == sha
    ]


def run_points(record: RunRecord) -> Series:
    """(side, phase) -> the run's points in date order; a date is left out for a side that
    failed it, or when it had no units to divide by."""
    if not record.started.unit:
        return {}
    rows = {d.business_date: d.input_rows for d in record.dates}
    order = {day: i for i, day in enumerate(record.started.dates)}
    found: Series = {}
    for execution in sorted(record.executions, key=lambda e: order.get(e.business_date, len(order))):
        count = rows.get(execution.business_date)
        if execution.failed or not count or execution.label not in SIDES:
            continue
        for phase, secs in _seconds(execution).items():
            point = Point(execution.business_date, record.run_id, _per_thousand(secs, count), secs, count)
            found.setdefault((execution.label, phase), []).append(point)
    return found


def judged(before: Sequence[Point], points: Sequence[Point], factor: float) -> list[Point]:
    """Each point against the median of its predecessors: the earlier runs' points, then this
    run's earlier dates. Exactly `factor` times the median is not a regression."""
    history = [p.per_thousand for p in before]
    done = []
    for point in points:
        baseline = statistics.median(history) if history else None
        # the tolerance keeps a point at exactly factor x the median from being flagged by float noise
        slower = baseline is not None and point.per_thousand > factor * baseline * (1 + 1e-9)
        done.append(
            replace(point, baseline=None if baseline is None else _rounded(baseline), regression=slower)
        )
        history.append(point.per_thousand)
    return done


def sentence(side: str, phase: str, point: Point, predecessors: int, unit_label: str) -> str:
    """What a regression reads as in the report; "" for a point that is none."""
    if not point.regression or not point.baseline:
        return ""
    what = f"{side} {phase}" if phase != TOTAL else f"{side} in total"
    plural = "predecessor" if predecessors == 1 else "predecessors"
    return (
        f"{point.business_date} {what}: {per_thousand_text(point.per_thousand)} per 1,000 {unit_label}, "
        f"{point.per_thousand / point.baseline:.1f}x the median of its {predecessors} {plural} "
        f"({per_thousand_text(point.baseline)})"
    )


def _seconds(execution: SideExecution) -> dict[str, float]:
    """Total and per phase; the median of the timings when the side was timed repeatedly."""
    samples = execution.samples or [{"seconds": execution.seconds, "phases": execution.phases}]
    found = {TOTAL: statistics.median(float(s["seconds"]) for s in samples)}
    for phase in execution.logged_phases:
        found[phase["name"]] = float(phase["seconds"])
    names = dict.fromkeys(p["name"] for s in samples for p in s["phases"])
    for name in names:  # the harness's own timing of a phase outranks the side's log of it
        found[name] = statistics.median(
            float(p["seconds"]) for s in samples for p in s["phases"] if p["name"] == name
        )
    return {name: round(secs, 6) for name, secs in found.items()}


def _ordered(keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    def rank(key: tuple[str, str]) -> tuple[int, int, str]:
        side, phase = key
        place = (
            -1 if phase == TOTAL else PHASE_ORDER.index(phase) if phase in PHASE_ORDER else len(PHASE_ORDER)
        )
        return SIDES.index(side), place, phase

    return sorted(keys, key=rank)


def _per_thousand(secs: float, count: int) -> float:
    return _rounded(secs * 1000 / count)


def _rounded(value: float) -> float:
    """Four significant digits: a ratio of timings says no more."""
    return float(f"{value:.4g}")
