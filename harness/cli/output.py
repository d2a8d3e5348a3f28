"""What a finished run prints and writes: the summary table and the report files."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click

import reports
from harness.cli.style import cell, verdict, verdicts
from harness.database import Connection
from harness.ledger.keys import key_lists
from harness.progress import CONSOLE
from reports.view import servers_apart

SHORT = {
    "MATCH": "ok",
    "ACCEPTED": "acc",
    "MISMATCH": "DIFF",
    "FAILED": "FAIL",
    "NO_OUTPUT": "NONE",
    "REWRITTEN": "RWRT",
    "NOT RUN": "-",
}
LEAD = f"{'date':<12}{'control s':>10}{'cand. s':>9}{'speedup':>9}  "
WIDTH = 100  # a table wider than this with the entities' names on top numbers its columns instead
CELL = 4  # the widest code
NUMBERED_CELL = 5
MAX_REASONS = 10  # without -v
SIDES = ("control", "candidate")
SHOWN_DATES = 3  # an accepted difference that applied on more dates shows their span


def write_outputs(
    doc: dict[str, Any], out_dir: Path, metrics_path: Path | None, ledger: Connection | None = None
) -> reports.ReportFiles:
    """The run's report files; given the ledger database's connection, mismatches/<entity>.csv
    lists every differing key recorded of the run (else only the sampled rows are written)."""
    lists = key_lists(ledger, doc) if ledger is not None else None
    return reports.write_reports(doc, out_dir, metrics=metrics_path, key_lists=lists)


def print_summary(doc: dict[str, Any], report: Path | None = None) -> None:
    """The run at a glance: a row per date (both sides' seconds, the speedup, a verdict per
    entity), the verdict and its reasons, the accepted differences that applied and, given
    the report's path, where to go next."""
    _print_table(doc)
    outcome = doc["verdict"]
    counts = ", ".join(f"{n} {verdict(v)}" for v, n in outcome["counts"].items() if n)
    click.echo(
        f"run {doc['run']['run_id']} ({doc['run']['status']}): {verdict(outcome['label'])}; "
        f"{counts or 'no results'}"
    )
    reasons = summary_reasons(doc)
    shown = reasons if CONSOLE.verbose else reasons[:MAX_REASONS]
    for reason in shown:
        click.echo(f"  - {verdicts(reason)}")
    if len(reasons) > len(shown):
        more = len(reasons) - len(shown)
        click.echo(f"  ... and {more} more (see the report, or: harness -v show {doc['run']['run_id']})")
    for line in accepted_lines(doc):
        click.echo(f"  {verdict('ACCEPTED')} {line}")
    for line in evidence_lines(doc):
        click.echo(line)
    if cutover := doc.get("cutover"):
        who = f"{cutover['side']}'s books ({cutover['published_by']})"
        click.echo(f"cutover {cutover['business_date']}: {verdict(cutover['verdict'])}, published {who}")
    if report is not None:
        path = doc["provenance"]["config"]["path"]
        given = "" if path.startswith("<bundled") else f" --config {shlex.quote(path)}"
        click.echo(f"next: open {report.resolve().as_uri()} · harness gate{given} · harness history")


def _print_table(doc: dict[str, Any]) -> None:
    """Entities named on top when the table fits in WIDTH columns, else numbered with a legend."""
    entities = doc["entities"]
    if len(LEAD) + sum(max(len(e), CELL) + 1 for e in entities) <= WIDTH:
        headers, widths = list(entities), [max(len(e), CELL) for e in entities]
    else:
        headers = [str(n) for n in range(1, len(entities) + 1)]
        widths = [max(len(h), NUMBERED_CELL) for h in headers]
        for line in wrapped("entities: ", [f"{n} {e}" for n, e in zip(headers, entities, strict=True)]):
            click.echo(line)
    click.echo(LEAD + " ".join(f"{h:>{w}}" for h, w in zip(headers, widths, strict=True)))
    timings = {t["business_date"]: t for t in doc["timings"]}
    seen: set[str] = set()
    for row in doc["matrix"]:
        day, timing = row["business_date"], timings.get(row["business_date"])
        verdicts_ = [c["verdict"] for c in row["cells"]]
        seen.update(verdicts_)
        cells = " ".join(cell(SHORT.get(v, v), w, v) for v, w in zip(verdicts_, widths, strict=False))
        click.echo(
            f"{day:<12}{cell(_seconds(timing, 'control'), 10)}{cell(_seconds(timing, 'candidate'), 9)}"
            f"{_speedup(timing):>9}  {cells}"
        )
    codes = [f"{cell(code, len(code), v)} = {v}" for v, code in SHORT.items() if v in seen]
    for line in wrapped("codes: ", codes):
        click.echo(line)


def wrapped(label: str, items: list[str], width: int = WIDTH) -> list[str]:
    """``label`` and the items, comma-separated, in lines of at most ``width`` columns (an
    item never split), the lines after the first indented under the first item."""
    lines, line = [], label
    for n, item in enumerate(items):
        text = item + ("," if n < len(items) - 1 else "")
        if line == label:
            line += text
        elif len(click.unstyle(f"{line} {text}")) > width:
            lines.append(line)
            line = " " * len(label) + text
        else:
            line = f"{line} {text}"
    return [*lines, line]


def summary_reasons(doc: dict[str, Any]) -> list[str]:
    """The verdict's reasons, a failed side once per date with its reason instead of its
    date's every entity FAILED with the same one."""
    failed = failed_sides(doc)
    dropped = {  # the head of each FAILED reason of a date a side failed on: its date
        (f"whole books after {c['business_date']}" if c.get("scope") == "books" else c["business_date"])
        + f" {c['entity']}: FAILED": c["business_date"]
        for c in [*doc["comparisons"], *doc.get("books", [])]
        if c["verdict"] == "FAILED" and c["business_date"] in failed
    }
    reasons: list[str] = []
    said: set[str] = set()
    for reason in doc["verdict"]["reasons"]:
        day = dropped.get(reason.split(" (", 1)[0])
        if day is None:
            reasons.append(reason)
        elif day not in said:
            said.add(day)
            reasons.extend(failed[day])
    return reasons + [line for day, lines in failed.items() if day not in said for line in lines]


def failed_sides(doc: dict[str, Any]) -> dict[str, list[str]]:
    """Per date, a line for each side that failed on it, with the side's reason."""
    failed: dict[str, list[str]] = {}
    for timing in doc["timings"]:
        for label in SIDES:
            side = timing.get(label)
            if side and side["status"] == "FAILED":
                failed.setdefault(timing["business_date"], []).append(
                    f"{timing['business_date']} {label}: FAILED ({side.get('error') or 'no reason recorded'})"
                )
    return failed


def evidence_lines(doc: dict[str, Any]) -> list[str]:
    """Coverage of the business cases, trend regressions and sides on different servers (their
    speedup is not like-for-like), one line each when there are any."""
    lines = []
    cases = (doc.get("coverage") or {}).get("cases", [])
    cells = [c for case in cases for c in case["cells"]]
    if cases:
        by = {
            word: sum(1 for c in cells if c["status"] == s)
            for s, word in (("differs", "differ"), ("unjudged", "unjudged"))
        }
        failed = [case["name"] for case in cases if case["errors"]]
        found = [f"{n} {s}" for s, n in by.items() if n] + (
            [f"failed: {', '.join(failed)}"] if failed else []
        )
        lines.append(
            f"coverage: {len(cases)} case(s), {len(cells)} cell(s) exercised"
            + "".join(f"; {f}" for f in found)
        )
    regressions = (doc.get("trend") or {}).get("regressions", [])
    if regressions:
        more = f" (+{len(regressions) - 1} more in the report)" if len(regressions) > 1 else ""
        lines.append(f"trend: {regressions[0]}{more}")
    if apart := servers_apart(doc):
        lines.append(f"servers: {apart}")
    return lines


def accepted_lines(doc: dict[str, Any]) -> list[str]:
    """Each accepted difference that applied: its entity, id, rows covered and dates."""
    applied: dict[tuple[str, str], dict[str, int]] = {}
    for comparison in doc["comparisons"]:  # per date only: whole books would count the rows again
        for ident, rows in (comparison.get("accepted") or {}).items():
            if rows:
                days = applied.setdefault((comparison["entity"], ident), {})
                days[comparison["business_date"]] = days.get(comparison["business_date"], 0) + rows
    lines = []
    for (entity, ident), days in applied.items():
        dates = sorted(days)
        span = f"{len(dates)} dates, {dates[0]}..{dates[-1]}"
        when = ", ".join(dates) if len(dates) <= SHOWN_DATES else span
        lines.append(f"{entity}: {ident} covered {sum(days.values())} row(s) on {when}")
    return lines


def _seconds(timing: dict[str, Any] | None, label: str) -> str:
    side = timing and timing.get(label)
    if not side:
        return "-"
    return "FAILED" if side["status"] == "FAILED" else f"{side['seconds']:.2f}"


def _speedup(timing: dict[str, Any] | None) -> str:
    return f"{timing['speedup']:.1f}x" if timing and timing.get("speedup") else "-"
