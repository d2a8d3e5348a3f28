"""The run's figures in the Prometheus text exposition format (version 0.0.4).

Only harness_run_info carries the run id, so the number of series does not grow with every
run: join on it (`... * on(instance) group_left(run_id) harness_run_info`) when a panel needs it. The
other families are run-level aggregates whose labels take a bounded set of values (verdicts,
states, sides, phase and entity names of the configuration); no family has a date label.
Durations are in seconds. A node_exporter textfile collector or a Pushgateway can take the
output as it is. A family with no sample (harness_run_finished_timestamp_seconds of a run that
has not finished, the speedups of a run in which no date has one) is left out. The families:

harness_run_info{run_id,status,verdict,control,candidate,version}   always 1
harness_ready                                       1 if READY, else 0
harness_run_started_timestamp_seconds               run.started_at, unix seconds
harness_run_finished_timestamp_seconds              run.finished_at, unix seconds
harness_verdicts{verdict}                           comparisons (date and entity) by verdict
harness_books_verdicts{verdict}                     whole-books comparisons by verdict
harness_entity_verdicts{entity,verdict}             dates of one entity by verdict
harness_dates                                       business dates the run was asked for
harness_dates_by_state{state}                       matched, mismatched, failed, not_run
harness_accepted_differences{status}                active, stale, expired
harness_side_seconds{side}                          a side's wall time over the recorded dates
harness_side_failed_dates{side}                     dates on which a side failed
harness_phase_seconds{side,phase}                   harness-timed phase time over the dates
harness_phase_rows{side,phase}                      rows a phase wrote over the dates
harness_logged_phase_seconds{side,phase}            phase time the side logged itself
harness_speedup_median, harness_speedup_min         of the dates' control / candidate seconds
harness_input_rows{unit}                            input rows ([source] unit) of the recorded dates
harness_throughput_per_second{side,unit}            input rows per second of the dates a side ran
harness_rows_compared{entity,side}                  rows of an entity on a side over the dates
harness_rows{entity,outcome}                        keys of an entity by comparison outcome
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SIDES = ("control", "candidate")
DIFFERENCES = (
    "equal",
    "different",
    "control_only",
    "candidate_only",
    "duplicate_keys",
    "within_tolerance",
    "invalid_json",
    "accepted",
    "unexplained",
)
DATE_STATES = ("matched", "mismatched", "failed", "not_run")
PASSING = frozenset({"MATCH", "ACCEPTED"})


@dataclass
class Family:
    """One metric: its help line, type and samples (labels, value)."""

    name: str
    help: str
    kind: str = "gauge"
    samples: list[tuple[dict[str, str], float | int]] = field(default_factory=list)

    def add(self, labels: dict[str, str], figure: float | int | bool | None) -> None:
        if figure is not None:
            self.samples.append((labels, int(figure) if isinstance(figure, bool) else figure))

    def lines(self) -> Iterator[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} {self.kind}"
        for labels, figure in self.samples:
            yield f"{self.name}{_labels(labels)} {_number(figure)}"


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(figure: float | int) -> str:
    return str(figure) if isinstance(figure, int) else repr(float(figure))


def _sum(figures: Iterable[float | int | None]) -> float:
    """Rounded so that summing 1.91 and 2.04 gives 3.95, not 3.9499999999999997."""
    return round(sum(f for f in figures if f is not None), 6)


def _unix(text: str | None) -> float | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def render_metrics(doc: dict[str, Any]) -> str:
    """The figures of a run document as Prometheus text exposition."""
    families = [*_run_families(doc), *_date_families(doc), *_timing_families(doc), *_row_families(doc)]
    return "\n".join(line for family in families if family.samples for line in family.lines()) + "\n"


def _run_families(doc: dict[str, Any]) -> list[Family]:
    run = doc["run"]
    info = Family("harness_run_info", "Run metadata as labels; the value is always 1.")
    info.add(
        {
            "run_id": run["run_id"],
            "status": run["status"],
            "verdict": doc["verdict"]["label"],
            "control": doc["sides"]["control"]["side"],
            "candidate": doc["sides"]["candidate"]["side"],
            "version": run["harness_version"],
        },
        1,
    )
    ready = Family(
        "harness_ready", "1 if every date and entity is MATCH or ACCEPTED and no side failed, else 0."
    )
    ready.add({}, doc["verdict"]["ready"])
    started = Family("harness_run_started_timestamp_seconds", "When the run started, in unix seconds.")
    started.add({}, _unix(run["started_at"]))
    finished = Family(
        "harness_run_finished_timestamp_seconds", "When the run finished, in unix seconds; absent if not."
    )
    finished.add({}, _unix(run["finished_at"]))
    stale = Family("harness_accepted_differences", "Configured accepted differences by status.")
    statuses = Counter(e["status"] for e in doc["accepted_differences"])
    for status in ("active", "stale", "expired"):
        stale.add({"status": status}, statuses[status])
    return [info, ready, started, finished, *_verdict_families(doc), stale]


def _verdict_families(doc: dict[str, Any]) -> list[Family]:
    names = list(doc["verdict"]["counts"])  # every verdict, so that zeros are series too
    verdicts = Family("harness_verdicts", "Comparisons (date and entity) by verdict.")
    for verdict, n in doc["verdict"]["counts"].items():
        verdicts.add({"verdict": verdict}, n)
    books = Family("harness_books_verdicts", "Whole-books comparisons (entity) by verdict.")
    found = Counter(b["verdict"] for b in doc.get("books", []))
    for verdict in names:
        books.add({"verdict": verdict}, found[verdict])
    entities = Family("harness_entity_verdicts", "Business dates of one entity by its verdict.")
    per_entity = Counter((c["entity"], c["verdict"]) for c in doc["comparisons"])
    for entity in doc["entities"]:
        for verdict in names:
            entities.add({"entity": entity, "verdict": verdict}, per_entity[(entity, verdict)])
    return [verdicts, books, entities]


def _date_families(doc: dict[str, Any]) -> list[Family]:
    dates = Family("harness_dates", "Business dates the run was asked for.")
    dates.add({}, len(doc["run"]["dates"]))
    states = Family(
        "harness_dates_by_state",
        "Business dates by state: matched (every entity MATCH or ACCEPTED), mismatched, failed "
        "(a side failed), not_run (nothing compared).",
    )
    found = Counter(_date_state(doc, day) for day in doc["run"]["dates"])
    for state in DATE_STATES:
        states.add({"state": state}, found[state])
    return [dates, states]


def _date_state(doc: dict[str, Any], day: str) -> str:
    verdicts = {c["verdict"] for c in doc["comparisons"] if c["business_date"] == day}
    timing = next((t for t in doc["timings"] if t["business_date"] == day), None)
    side_failed = timing is not None and any((timing[s] or {}).get("status") == "FAILED" for s in SIDES)
    if "FAILED" in verdicts or side_failed:
        return "failed"
    if not verdicts:
        return "not_run"
    return "matched" if verdicts <= PASSING else "mismatched"


def _timing_families(doc: dict[str, Any]) -> list[Family]:
    side_seconds = Family("harness_side_seconds", "Wall time of one side summed over the recorded dates.")
    side_failed = Family("harness_side_failed_dates", "Business dates on which the side failed.")
    throughput = Family(
        "harness_throughput_per_second",
        "Input rows ([source] unit) per second of one side over the recorded dates on which it did not fail.",
    )
    timings, unit = doc["timings"], doc["unit"]
    for side in SIDES:
        ran = [t for t in timings if t[side] is not None]
        side_seconds.add({"side": side}, _sum(t[side]["seconds"] for t in ran))
        side_failed.add({"side": side}, sum(t[side]["status"] == "FAILED" for t in ran))
        rated = [t for t in ran if t["throughput"][side] is not None]
        seconds = _sum(t[side]["seconds"] for t in rated)
        count = _sum(t["input_rows"] for t in rated)
        if unit:
            throughput.add(
                {"side": side, "unit": unit["label"]}, round(count / seconds, 1) if seconds else None
            )
    speedups = [t["speedup"] for t in timings if t["speedup"] is not None]
    median = Family("harness_speedup_median", "Median over the dates of control seconds / candidate seconds.")
    median.add({}, statistics.median(speedups) if speedups else None)
    slowest = Family("harness_speedup_min", "Lowest over the dates of control seconds / candidate seconds.")
    slowest.add({}, min(speedups) if speedups else None)
    input_rows = Family("harness_input_rows", "Rows of the unit of work of the recorded business dates.")
    if unit:
        input_rows.add({"unit": unit["label"]}, int(_sum(t["input_rows"] for t in timings)))
    return [side_seconds, side_failed, *_phase_families(doc), median, slowest, input_rows, throughput]


def _phase_families(doc: dict[str, Any]) -> list[Family]:
    phase = Family(
        "harness_phase_seconds", "Wall time of one phase of one side over the dates, timed by the harness."
    )
    phase_rows = Family("harness_phase_rows", "Rows written by one phase of one side over the dates.")
    logged = Family(
        "harness_logged_phase_seconds",
        "Phase time a side logged itself over the dates (not timed by the harness).",
    )
    for side in SIDES:
        sides = [t[side] for t in doc["timings"] if t[side] is not None]
        for family, key, figure in (
            (phase, "phases", "seconds"),
            (phase_rows, "phases", "rows"),
            (logged, "logged_phases", "seconds"),
        ):
            names = list(dict.fromkeys(p["name"] for s in sides for p in s[key]))
            for name in names:
                values = [p.get(figure) for s in sides for p in s[key] if p["name"] == name]
                total = _sum(values) if any(v is not None for v in values) else None
                family.add(
                    {"side": side, "phase": name},
                    int(total) if figure == "rows" and total is not None else total,
                )
    return [phase, phase_rows, logged]


def _row_families(doc: dict[str, Any]) -> list[Family]:
    compared = Family("harness_rows_compared", "Rows of one entity on one side summed over the dates.")
    rows = Family("harness_rows", "Keys of one entity summed over the dates by comparison outcome.")
    counted = [c for c in doc["comparisons"] if c["counts"] is not None]
    for entity in doc["entities"]:
        mine = [c["counts"] for c in counted if c["entity"] == entity]
        if not mine:
            continue
        for side in SIDES:
            compared.add({"entity": entity, "side": side}, int(_sum(n[f"{side}_rows"] for n in mine)))
        for outcome in DIFFERENCES:
            rows.add({"entity": entity, "outcome": outcome}, int(_sum(n[outcome] for n in mine)))
    return [compared, rows]
