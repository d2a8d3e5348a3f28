"""The hand-built documents' "trend": their timings per 1,000 transactions after four dates
of two earlier runs, judged by harness.trend's own rule so baselines and sentences agree."""

from __future__ import annotations

from typing import Any

from harness.trend import TOTAL, Point, judged_series
from tests.reports.parts import RUN_ID

FACTOR = 1.5
EARLIER = [
    ("20240227_101500_c4d1", "2024-02-26"),
    ("20240227_101500_c4d1", "2024-02-27"),
    ("20240229_101500_77aa", "2024-02-28"),
    ("20240229_101500_77aa", "2024-02-29"),
]
JITTER = (1.02, 0.97, 1.01, 0.99)  # the earlier dates' times about this run's first date's
ROWS = 2000


def trend_of(
    timings: list[dict[str, Any]], slower: dict[tuple[str, str], float] | None = None
) -> dict[str, Any]:
    """``slower``: (side, phase) -> how many times slower this run is than the earlier runs."""
    series, regressions = [], []
    for side in ("control", "candidate"):
        for phase, seconds in _series(timings, side).items():
            first = seconds[0][1] * 1000 / ROWS
            ratio = (slower or {}).get((side, phase), 1.0)
            before = [
                Point(day, run, _sig(first / ratio * j), round(first / ratio * j * ROWS / 1000, 6), ROWS)
                for (run, day), j in zip(EARLIER, JITTER, strict=True)
            ]
            current = [Point(day, RUN_ID, _sig(s * 1000 / ROWS), s, ROWS) for day, s in seconds]
            found, sentences = judged_series(side, phase, before, current, FACTOR, "transactions")
            series.append(found)
            regressions += sentences
    return {
        "factor": FACTOR,
        "unit_label": "transactions",
        "series": series,
        "regressions": regressions,
    }


def _series(timings: list[dict[str, Any]], side: str) -> dict[str, list[tuple[str, float]]]:
    found: dict[str, list[tuple[str, float]]] = {}
    for t in timings:
        timing = t[side]
        if timing["status"] != "OK":
            continue
        found.setdefault(TOTAL, []).append((t["business_date"], timing["seconds"]))
        for phase in [*timing["logged_phases"], *timing["phases"]]:
            found.setdefault(phase["name"], []).append((t["business_date"], phase["seconds"]))
    return found


def _sig(value: float) -> float:
    return float(f"{value:.4g}")
