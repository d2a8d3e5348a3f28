"""The run document's timings: a row per date, both sides' times, the speedup and, for
repeated timings (harness run --repeat), the spreads and the speedup's interval."""

from __future__ import annotations

import statistics
from typing import Any

from harness.timing_stats import speedup_interval, spread

PHASE_ORDER = ("data fetch", "journal creation", "GL posting", "voucher creation", "export")
# What a timing row shows of a side's execution entry (checked against the schema in a test)
TIMING_KEYS = ("status", "error", "seconds", "phases", "logged_phases", "plans", "functions")


def timings(
    dates: list[str], executions: list[dict[str, Any]], dates_done: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_key = {(e["business_date"], e["label"]): e for e in executions}
    input_rows = {d["business_date"]: d["input_rows"] for d in dates_done}
    rows = []
    for day in dates:
        control, candidate = by_key.get((day, "control")), by_key.get((day, "candidate"))
        if control is None and candidate is None:
            continue
        count = input_rows.get(day)
        rows.append(
            {
                "business_date": day,
                "control": _side_timing(control),
                "candidate": _side_timing(candidate),
                "speedup": _speedup(control, candidate),
                "speedup_interval": _interval(control, candidate),
                "input_rows": count,
                "throughput": {
                    label: _rate(count, ex) for label, ex in (("control", control), ("candidate", candidate))
                },
            }
        )
    return rows


def _side_timing(execution: dict[str, Any] | None) -> dict[str, Any] | None:
    if execution is None:
        return None
    return {**{k: execution.get(k) for k in TIMING_KEYS}, "repeats": _repeats(execution)}


def _repeats(execution: dict[str, Any]) -> dict[str, Any] | None:
    """Spreads of the side's timed executions (harness run --repeat), None for one."""
    samples = execution.get("samples") or []
    if len(samples) < 2:
        return None
    names = list(dict.fromkeys(p["name"] for s in samples for p in s["phases"]))
    phases = [
        {"name": n, **spread([p["seconds"] for s in samples for p in s["phases"] if p["name"] == n])}
        for n in names
    ]
    return {
        **spread([s["seconds"] for s in samples]),
        "samples": [s["seconds"] for s in samples],
        "phases": phases,
    }


def _totals(execution: dict[str, Any]) -> list[float]:
    samples = execution.get("samples") or []
    return [float(s["seconds"]) for s in samples] or [float(execution["seconds"])]


def _speedup(control: dict[str, Any] | None, candidate: dict[str, Any] | None) -> float | None:
    """Control / candidate seconds: of the medians when the sides were timed repeatedly."""
    if not control or not candidate or "FAILED" in (control["status"], candidate["status"]):
        return None
    below = statistics.median(_totals(candidate))
    return round(statistics.median(_totals(control)) / below, 2) if below else None


def _interval(control: dict[str, Any] | None, candidate: dict[str, Any] | None) -> dict[str, Any] | None:
    if _speedup(control, candidate) is None or control is None or candidate is None:
        return None
    return speedup_interval(_totals(control), _totals(candidate))


def _rate(count: int | None, execution: dict[str, Any] | None) -> float | None:
    if count is None or not execution or execution["status"] == "FAILED" or not execution["seconds"]:
        return None
    return round(count / float(execution["seconds"]), 1)


def phase_names(executions: list[dict[str, Any]]) -> list[str]:
    seen = {p["name"] for e in executions for p in [*e["phases"], *e.get("logged_phases", [])]}
    ordered = [p for p in PHASE_ORDER if p in seen]
    return ordered + sorted(seen - set(ordered))
