"""What a finished run prints and writes: the summary table and the report files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import reports

SHORT = {
    "MATCH": "ok",
    "ACCEPTED": "acc",
    "MISMATCH": "DIFF",
    "FAILED": "FAIL",
    "NO_OUTPUT": "NONE",
    "REWRITTEN": "RWRT",
    "NOT RUN": "-",
}


def write_outputs(doc: dict[str, Any], out_dir: Path, metrics_path: Path | None) -> reports.ReportFiles:
    return reports.write_reports(doc, out_dir, metrics=metrics_path)


def print_summary(doc: dict[str, Any]) -> None:
    """A table per date: both sides' seconds, the speedup, and a verdict per entity."""
    entities = doc["entities"]
    timings = {t["business_date"]: t for t in doc["timings"]}
    header = f"{'date':<12}{'control s':>10}{'cand. s':>9}{'speedup':>9}  " + " ".join(
        f"{e[:10]:>10}" for e in entities
    )
    click.echo(header)
    for row in doc["matrix"]:
        day = row["business_date"]
        timing = timings.get(day)
        cells = " ".join(f"{SHORT.get(c['verdict'], c['verdict']):>10}" for c in row["cells"])
        click.echo(
            f"{day:<12}{_seconds(timing, 'control'):>10}{_seconds(timing, 'candidate'):>9}"
            f"{_speedup(timing):>9}  {cells}"
        )
    verdict = doc["verdict"]
    counts = ", ".join(f"{n} {v}" for v, n in verdict["counts"].items() if n)
    click.echo(
        f"run {doc['run']['run_id']} ({doc['run']['status']}): {verdict['label']}; {counts or 'no results'}"
    )
    for reason in verdict["reasons"][:10]:
        click.echo(f"  - {reason}")
    if len(verdict["reasons"]) > 10:
        click.echo(f"  ... and {len(verdict['reasons']) - 10} more (see the report)")


def _seconds(timing: dict[str, Any] | None, label: str) -> str:
    side = timing and timing.get(label)
    if not side:
        return "-"
    return "FAILED" if side["status"] == "FAILED" else f"{side['seconds']:.2f}"


def _speedup(timing: dict[str, Any] | None) -> str:
    return f"{timing['speedup']:.1f}x" if timing and timing.get("speedup") else "-"
