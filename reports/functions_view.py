"""The Timings section's function statistics: each side's functions summed over the dates."""

from __future__ import annotations

from typing import Any

SIDES = ("control", "candidate")
SHOWN = 10  # the slowest functions per side, by their own (self) time


def functions_view(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Per side with any tracked function: its slowest functions over the run's dates."""
    found = []
    for label in SIDES:
        totals: dict[str, dict[str, Any]] = {}
        dates = 0
        for timing in doc["timings"]:
            side = timing.get(label) or {}
            functions = side.get("functions") or []
            dates += bool(functions)
            for f in functions:
                entry = totals.setdefault(
                    f["name"], {"name": f["name"], "calls": 0, "total_ms": 0.0, "self_ms": 0.0}
                )
                entry["calls"] += f["calls"]
                entry["total_ms"] += f["total_ms"]
                entry["self_ms"] += f["self_ms"]
        if totals:
            ranked = sorted(totals.values(), key=lambda f: (-f["self_ms"], f["name"]))
            found.append(
                {
                    "label": label,
                    "side": doc["sides"][label]["side"],
                    "dates": dates,
                    "functions": ranked[:SHOWN],
                }
            )
    return found
