"""The phase 4 gate: may the original system be switched off? Evaluated over the published
cutover dates of one books schema, most recent first (``harness gate --phase decommission``)."""

from __future__ import annotations

import calendar
import statistics
from datetime import date
from typing import Any

from harness.errors import ConfigError
from harness.gate import Criterion, GateResult, fits

DEFAULT_POLICY: dict[str, Any] = {
    "min_clean_dates": 20,
    "require_month_end": True,
    "allow_fallback": False,
    "allow_stale_accepted": False,
    "allow_expired_accepted": False,
    "min_speedup": 1.0,
}


def decommission_policy(*tables: dict[str, Any]) -> dict[str, Any]:
    """Defaults overridden by each ``[gate.decommission]`` table in turn (config, --policy)."""
    policy = dict(DEFAULT_POLICY)
    for table in tables:
        for key, value in table.items():
            if key not in DEFAULT_POLICY:
                known = ", ".join(sorted(DEFAULT_POLICY))
                raise ConfigError(f"unknown key 'gate.decommission.{key}' (known: {known})")
            if not fits(value, type(DEFAULT_POLICY[key])):
                expected = type(DEFAULT_POLICY[key]).__name__
                raise ConfigError(f"'gate.decommission.{key}' must be {expected}, got {value!r}")
            policy[key] = value
    if policy["min_clean_dates"] < 1:
        raise ConfigError(
            f"'gate.decommission.min_clean_dates' must be at least 1, got {policy['min_clean_dates']}"
        )
    return policy


def cutover_documents(documents: list[dict[str, Any]], books_schema: str) -> list[dict[str, Any]]:
    """The run documents of the cutover dates published into ``books_schema``."""
    return [d for d in documents if (d.get("cutover") or {}).get("books_schema") == books_schema]


def evaluate_decommission(policy: dict[str, Any], documents: list[dict[str, Any]]) -> GateResult:
    """``documents``: the run documents of published cutover dates of one books schema."""
    dated = sorted((d for d in documents if d.get("cutover")), key=lambda d: d["cutover"]["business_date"])
    need = int(policy["min_clean_dates"])
    window = dated[-need:] if need > 0 else dated
    criteria = (
        _clean_streak(dated, need),
        _month_end(window, bool(policy["require_month_end"])),
        _no_fallback(window, bool(policy["allow_fallback"])),
        _accepted(window, "stale", bool(policy["allow_stale_accepted"])),
        _accepted(window, "expired", bool(policy["allow_expired_accepted"])),
        _speedup(window, float(policy["min_speedup"])),
        _one_pair(window),
    )
    return GateResult(criteria, tuple(d["run"]["run_id"] for d in window))


def _one_pair(window: list[dict[str, Any]]) -> Criterion:
    """The window's dates ran one control and one candidate (by SQL hash): a streak of
    another candidate's dates says nothing about this one."""
    pairs = {
        tuple(
            (d.get("sides") or {}).get(label, {}).get("sql_sha256", "") for label in ("control", "candidate")
        )
        for d in window
    }
    figure = f"{len(pairs)} pair(s) of side SQL over the window"
    return Criterion("one control and candidate over the window", len(pairs) <= 1, figure, "1")


def _day(doc: dict[str, Any]) -> str:
    return str(doc["cutover"]["business_date"])


def _clean_streak(dated: list[dict[str, Any]], need: int) -> Criterion:
    streak = 0
    for doc in reversed(dated):
        if doc["cutover"]["verdict"] != "CLEAN":
            break
        streak += 1
    unclean = [_day(d) for d in dated if d["cutover"]["verdict"] != "CLEAN"]
    figure = f"{streak} most recent cutover date(s) CLEAN of {len(dated)} published"
    if unclean:
        figure += f"; last not clean {unclean[-1]}"
    return Criterion("consecutive clean cutover dates", streak >= need and bool(dated), figure, f">= {need}")


def _month_end(window: list[dict[str, Any]], required: bool) -> Criterion:
    ends = [_day(d) for d in window if _is_month_end(date.fromisoformat(_day(d)))]
    figure = f"{len(ends)} month end(s) in the window" + (f" ({', '.join(ends)})" if ends else "")
    return Criterion(
        "a month end among them", bool(ends) or not required, figure, ">= 1" if required else "any"
    )


def _is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _no_fallback(window: list[dict[str, Any]], allowed: bool) -> Criterion:
    fell = [_day(d) for d in window if d["cutover"]["verdict"] == "FELL BACK"]
    figure = f"{len(fell)} date(s) fell back" + (f" ({', '.join(fell)})" if fell else "")
    return Criterion("no fallback in the window", allowed or not fell, figure, "any" if allowed else "0")


def _accepted(window: list[dict[str, Any]], status: str, allowed: bool) -> Criterion:
    """Stale over the window: an entry that covered no row on any of its dates; expired:
    as the most recent date's run found it."""
    entries = window[-1]["accepted_differences"] if window else []
    if status == "stale":
        covered = {e["id"]: 0 for e in entries}
        for doc in window:
            for e in doc["accepted_differences"]:
                covered[e["id"]] = covered.get(e["id"], 0) + int(e.get("rows_covered") or 0)
        bad = sorted(i for i, n in covered.items() if n == 0)
    else:
        bad = [e["id"] for e in entries if e["status"] == status]
    figure = f"{len(bad)} {status}" + (f" ({', '.join(bad)})" if bad else "")
    return Criterion(
        f"no {status} accepted difference", allowed or not bad, figure, "any" if allowed else "0"
    )


def _speedup(window: list[dict[str, Any]], need: float) -> Criterion:
    found = [t["speedup"] for d in window for t in d["timings"] if t.get("speedup")]
    if not found:
        return Criterion("candidate speedup on the median date", False, "no timed dates", f">= {need:g}x")
    median = statistics.median(found)
    return Criterion(
        "candidate speedup on the median date", median >= need, f"{median:.2f}x", f">= {need:g}x"
    )
