"""The run's figures in the Prometheus text exposition format (version 0.0.4).

Every sample carries the run id; durations are in seconds. A node_exporter textfile
collector or a Pushgateway can take the output as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
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
            yield f"{self.name}{{{_labels(labels)}}} {_number(figure)}"


def _labels(labels: dict[str, str]) -> str:
    return ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(figure: float | int) -> str:
    return str(figure) if isinstance(figure, int) else repr(float(figure))


def render_metrics(doc: dict[str, Any]) -> str:
    """The figures of a run document as Prometheus text exposition."""
    run_id = doc["run"]["run_id"]
    families = [
        *_run_families(doc, run_id),
        *_timing_families(doc, run_id),
        *_comparison_families(doc, run_id),
    ]
    return "\n".join(line for family in families for line in family.lines()) + "\n"


def _run_families(doc: dict[str, Any], run_id: str) -> list[Family]:
    run = {"run_id": run_id}
    ready = Family(
        "harness_ready", "1 if every date and entity is MATCH or ACCEPTED and no side failed, else 0."
    )
    ready.add(run, doc["verdict"]["ready"])
    verdicts = Family("harness_verdicts", "Comparisons (date and entity) by verdict.")
    for verdict, n in doc["verdict"]["counts"].items():
        verdicts.add({**run, "verdict": verdict}, n)
    info = Family("harness_run_info", "Run metadata as labels; the value is always 1.")
    info.add(
        {
            **run,
            "status": doc["run"]["status"],
            "control": doc["sides"]["control"]["side"],
            "candidate": doc["sides"]["candidate"]["side"],
            "version": doc["run"]["harness_version"],
        },
        1,
    )
    dates = Family("harness_dates", "Business dates the run was asked for.")
    dates.add(run, len(doc["run"]["dates"]))
    stale = Family("harness_accepted_differences", "Configured accepted differences by status.")
    for status in ("active", "stale", "expired"):
        stale.add(
            {**run, "status": status}, sum(1 for e in doc["accepted_differences"] if e["status"] == status)
        )
    return [info, ready, verdicts, dates, stale]


def _timing_families(doc: dict[str, Any], run_id: str) -> list[Family]:
    side_seconds = Family("harness_side_seconds", "Wall time of one side on one business date.")
    side_failed = Family("harness_side_failed", "1 if the side failed on the business date, else 0.")
    phase = Family(
        "harness_phase_seconds",
        "Wall time of one phase of one side on one business date, timed by the harness.",
    )
    phase_rows = Family("harness_phase_rows", "Rows written by one phase of one side on one business date.")
    logged = Family(
        "harness_logged_phase_seconds", "Phase time a side logged itself (not timed by the harness)."
    )
    speedup = Family("harness_speedup", "Control seconds divided by candidate seconds on the business date.")
    transactions = Family("harness_transactions", "Transactions of the business date.")
    throughput = Family(
        "harness_throughput_per_second", "Transactions per second of one side on the business date."
    )
    for t in doc["timings"]:
        day = {"run_id": run_id, "date": t["business_date"]}
        for side in SIDES:
            s = t[side]
            labels = {**day, "side": side}
            side_seconds.add(labels, s["seconds"])
            side_failed.add(labels, s["status"] != "OK")
            for p in s["phases"]:
                phase.add({**labels, "phase": p["name"]}, p["seconds"])
                phase_rows.add({**labels, "phase": p["name"]}, p.get("rows"))
            for p in s["logged_phases"]:
                logged.add({**labels, "phase": p["name"]}, p["seconds"])
            throughput.add(labels, t["throughput"][side])
        speedup.add(day, t["speedup"])
        transactions.add(day, t["transactions"])
    return [side_seconds, side_failed, phase, phase_rows, logged, speedup, transactions, throughput]


def _comparison_families(doc: dict[str, Any], run_id: str) -> list[Family]:
    compared = Family("harness_rows_compared", "Rows of one entity on one side for the business date.")
    rows = Family("harness_rows", "Keys of one entity and business date by comparison outcome.")
    verdict = Family("harness_comparison_verdict", "1 for the verdict of one entity on one business date.")
    for c in doc["comparisons"]:
        labels = {"run_id": run_id, "date": c["business_date"], "entity": c["entity"]}
        verdict.add({**labels, "verdict": c["verdict"]}, 1)
        if c["counts"] is None:
            continue
        for side in SIDES:
            compared.add({**labels, "side": side}, c["counts"][f"{side}_rows"])
        for outcome in DIFFERENCES:
            rows.add({**labels, "outcome": outcome}, c["counts"][outcome])
    return [compared, rows, verdict]
