"""The cutover gate: evaluate a readiness policy over the run history in the ledger."""

from __future__ import annotations

import statistics
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.readiness import CLEAN, DateEvidence, date_reasons

DEFAULT_POLICY: dict[str, Any] = {
    "min_clean_dates": 5,
    "allow_failed": False,
    "allow_stale_accepted": False,
    "allow_expired_accepted": False,
    "min_speedup": 1.0,
    "require_candidate_invariants": True,
    # business cases (harness.cases) the gate's dates must have exercised: "case" or "case: cell"
    "require_cases": [],
}
POLICY_KEYS = set(DEFAULT_POLICY)


@dataclass(frozen=True)
class Criterion:
    """One line of the gate: what was required, what was found, pass or fail."""

    name: str
    passed: bool
    figure: str
    required: str

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class GateResult:
    criteria: tuple[Criterion, ...]
    runs: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return all(c.passed for c in self.criteria)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "runs": list(self.runs),
            "criteria": [c.to_dict() for c in self.criteria],
        }


def load_policy(path: Path | None, config_gate: dict[str, Any], where: str) -> dict[str, Any]:
    """The policy: defaults, overridden by the config's [gate], overridden by --policy FILE."""
    policy = {**DEFAULT_POLICY, **_checked(config_gate, where)}
    if path is not None:
        policy.update(_checked(policy_file(path), str(path)))
    return policy


def policy_file(path: Path) -> dict[str, Any]:
    """The [gate] table of a policy file (or the whole file when it has none)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read policy {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    table = data.get("gate", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'gate' must be a table ([gate])")
    return table


def _checked(table: dict[str, Any], where: str) -> dict[str, Any]:
    # [gate.decommission] is the phase 4 gate's policy (harness.cutover.decommission)
    table = {k: v for k, v in table.items() if k != "decommission"}
    for key, value in table.items():
        if key not in POLICY_KEYS:
            raise ConfigError(f"{where}: unknown key 'gate.{key}' (known: {', '.join(sorted(POLICY_KEYS))})")
        expected = type(DEFAULT_POLICY[key])
        if expected is list and not _names(value):
            raise ConfigError(f"{where}: 'gate.{key}' must be a list of case names, got {value!r}")
        if not fits(value, expected):
            raise ConfigError(f"{where}: 'gate.{key}' must be {expected.__name__}, got {value!r}")
    return dict(table)


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def fits(value: Any, expected: type) -> bool:
    # bool is an int in Python: a flag must not pass as a number, nor a number as a flag.
    if isinstance(value, bool) != (expected is bool):
        return False
    return isinstance(value, (int, float) if expected is float else expected)


def evaluate(policy: dict[str, Any], documents: list[dict[str, Any]]) -> GateResult:
    """Evaluate over run documents (oldest first); a date's latest result wins."""
    latest = _latest_by_date(documents)
    criteria = (
        _clean_dates(policy, latest),
        _no_failed(policy, latest),
        _accepted_health(policy, documents, "stale", "allow_stale_accepted"),
        _accepted_health(policy, documents, "expired", "allow_expired_accepted"),
        _speedup(policy, latest),
        _invariants(policy, latest, _invariants_title(documents)),
        *_cases(policy, latest),
    )
    return GateResult(criteria, tuple(d["run"]["run_id"] for d in documents))


def _latest_by_date(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for doc in documents:
        # The run's whole books belong to every date of it: rows no date compared, or
        # rewritten after, leave none of its dates clean.
        books = doc.get("books", [])
        recorded = {row["business_date"] for row in doc["matrix"] if row.get("recorded")}
        for day in doc["run"]["dates"]:
            evidence = DateEvidence.of(doc, day)
            if evidence.results:
                timing = next((t for t in doc["timings"] if t["business_date"] == day), None)
                latest[day] = {
                    "results": [*evidence.results, *books],
                    "timing": timing,
                    "invariants": evidence.invariants,
                    # the date's own rule, the one the run's verdict applied (harness.readiness)
                    "reasons": date_reasons(evidence) + _books_reasons(books),
                    "finished": doc["run"]["status"] == "completed" and day in recorded,
                    "cases": (doc.get("coverage") or {}).get("by_date", {}).get(day, []),
                }
    return dict(sorted(latest.items()))


def _books_reasons(books: list[dict[str, Any]]) -> list[str]:
    return [f"whole books {r['entity']}: {r['verdict']}" for r in books if r["verdict"] not in CLEAN]


def _is_clean(day: dict[str, Any]) -> bool:
    # An unfinished run's results are not a verdict.
    return bool(day["finished"]) and not day["reasons"]


def _clean_dates(policy: dict[str, Any], latest: dict[str, dict[str, Any]]) -> Criterion:
    streak = len(_streak(latest))
    need = int(policy["min_clean_dates"])
    dirty = [d for d, v in latest.items() if not _is_clean(v)]
    figure = f"{streak} most recent date(s) clean" + (f"; last unclean {dirty[-1]}" if dirty else "")
    return Criterion("consecutive clean business dates", streak >= need, figure, f">= {need}")


def _no_failed(policy: dict[str, Any], latest: dict[str, dict[str, Any]]) -> Criterion:
    failed = sorted({d for d, v in latest.items() for r in v["results"] if r["verdict"] == "FAILED"})
    passed = bool(policy["allow_failed"]) or not failed
    figure = f"{len(failed)} date(s) with a FAILED side" + (f" ({', '.join(failed)})" if failed else "")
    return Criterion("no FAILED side", passed, figure, "0" if not policy["allow_failed"] else "any")


def _accepted_health(
    policy: dict[str, Any], documents: list[dict[str, Any]], status: str, key: str
) -> Criterion:
    entries = documents[-1]["accepted_differences"] if documents else []
    bad = [a["id"] for a in entries if a["status"] == status]
    passed = bool(policy[key]) or not bad
    figure = f"{len(bad)} {status}" + (f" ({', '.join(bad)})" if bad else "")
    return Criterion(f"no {status} accepted difference", passed, figure, "0" if not policy[key] else "any")


def _speedup(policy: dict[str, Any], latest: dict[str, dict[str, Any]]) -> Criterion:
    """The median over the dates of each date's speedup, or, for a date timed repeatedly, of
    the lower bound of its interval: noise never counts in the candidate's favour."""
    timed = [v["timing"] for v in latest.values() if v["timing"] and v["timing"]["speedup"]]
    need = float(policy["min_speedup"])
    if not timed:
        return Criterion("candidate speedup on the median date", False, "no timed dates", f">= {need:g}x")
    bounded = [t["speedup_interval"] for t in timed if t.get("speedup_interval")]
    median = statistics.median(
        t["speedup_interval"]["low"] if t.get("speedup_interval") else t["speedup"] for t in timed
    )
    figure = f"{median:.2f}x"
    if bounded:
        level = f"{bounded[0]['level']:.0%}"
        figure += f" (the lower bound of its {level} interval on {len(bounded)} of {len(timed)} date(s))"
    return Criterion("candidate speedup on the median date", median >= need, figure, f">= {need:g}x")


def _invariants_title(documents: list[dict[str, Any]]) -> str:
    method = documents[-1].get("method", {}) if documents else {}
    return str(method.get("invariants_title", "invariants"))


def _invariants(policy: dict[str, Any], latest: dict[str, dict[str, Any]], title: str) -> Criterion:
    broken = sorted(
        {
            f"{d} {i['name']}"
            for d, v in latest.items()
            for i in v["invariants"]
            if i["label"] == "candidate" and not i["holds"]
        }
    )
    checked = sum(1 for v in latest.values() for i in v["invariants"] if i["label"] == "candidate")
    passed = not policy["require_candidate_invariants"] or (not broken and checked > 0)
    figure = f"{checked - len(broken)} of {checked} candidate invariant checks hold"
    if broken:
        figure += f"; broken: {', '.join(broken[:3])}"
    return Criterion(f"{title} hold on the candidate", passed, figure, "all")


def _cases(policy: dict[str, Any], latest: dict[str, dict[str, Any]]) -> list[Criterion]:
    """Each required case (or "case: cell") exercised by at least one unit of a matched cell
    on the clean dates the gate counts (its most recent streak): a case only a dirty or
    unfinished date exercised is not covered. No criterion when the policy requires none."""
    required = list(policy["require_cases"])
    if not required:
        return []
    units: dict[str, int] = {}
    for day in _streak(latest):
        for cell in latest[day]["cases"]:
            if cell["status"] != "matched":
                continue
            for name in (cell["case"], f"{cell['case']}: {cell['cell']}"):
                units[name] = units.get(name, 0) + int(cell["units"])
    missing = [name for name in required if not units.get(name)]
    figure = f"{len(required) - len(missing)} of {len(required)} required case(s) exercised"
    figure += " on the clean dates"
    if missing:
        figure += f"; none of: {', '.join(missing[:5])}"
    return [Criterion("business cases exercised", not missing, figure, ", ".join(required))]


def _streak(latest: dict[str, dict[str, Any]]) -> list[str]:
    """The most recent consecutive clean dates: the ones the gate counts."""
    days = []
    for day in reversed(list(latest)):
        if not _is_clean(latest[day]):
            break
        days.append(day)
    return days
