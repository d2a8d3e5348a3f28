"""Benchmark: what shadowing costs in the cutover (issue: primary alone vs primary + shadow
+ comparison + publish).

Run by hand:  python -m benchmarks.cutover_cost --per-day 10000 --days 5
Seeds the same dates twice on a fresh embedded server (schemas `source` and `alone`, same
seed). "Primary alone": `harness process`'s path, the candidate processing each date of
`alone` into its own schema, as production would without a shadow. "Cutover": `harness
cutover` of each date of `source` (both sides isolated from the books, compared, whole
books, the candidate's output published). Prints the wall time per date and the ratio,
and where the cutover's time went, from the ledger.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.scratch import scratch_database
from harness import ledger
from harness.config import load_config
from harness.cutover.night import Cutover
from harness.database import Database, connect
from harness.execution import install_side, process_date
from harness.progress import Progress
from harness.synthetic.loader import seed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--first", type=date.fromisoformat, default=date(2024, 3, 28))
    args = parser.parse_args()
    dates = [args.first + timedelta(days=i) for i in range(args.days)]
    with scratch_database() as database:
        with connect(database.uri) as conn:
            for schema in ("source", "alone"):
                seed(conn, schema, dates[0], dates[-1], args.per_day, 7)
        alone = primary_alone(database, dates)
        shadowed, runs = with_shadow(database, dates)
        split = where_it_went(database, runs)
    print(f"{args.days} dates x {args.per_day:,} transactions (candidate primary, legacy shadow)")
    print(f"{'date':<12}{'primary alone s':>16}{'cutover s':>11}{'ratio':>8}")
    for day, a, s in zip(dates, alone, shadowed, strict=True):
        print(f"{day.isoformat():<12}{a:>16.2f}{s:>11.2f}{s / a:>7.1f}x")
    total_alone, total_shadow = sum(alone), sum(shadowed)
    print(f"{'total':<12}{total_alone:>16.2f}{total_shadow:>11.2f}{total_shadow / total_alone:>7.1f}x")
    print("cutover time by part (sum over dates):")
    split["isolation, installs, books copies, ledger (rest)"] = total_shadow - sum(split.values())
    for name, seconds in split.items():
        print(f"  {name:<36}{seconds:>8.2f} s  {100 * seconds / total_shadow:5.1f}%")


def primary_alone(database: Database, dates: list[date]) -> list[float]:
    side = load_config().candidate
    seconds = []
    with connect(database.uri) as conn:
        install_side(conn, side, "alone_books")
        for day in dates:
            started = time.perf_counter()
            process_date(conn, side, "alone_books", "alone", day)
            seconds.append(time.perf_counter() - started)
    return seconds


def with_shadow(database: Database, dates: list[date]) -> tuple[list[float], list[str]]:
    config = load_config()
    night = Cutover(database, config, Progress(quiet=True))
    out = Path(tempfile.mkdtemp(prefix="bench-cutover-"))
    seconds, runs = [], []
    for day in dates:
        started = time.perf_counter()
        result = night.process(day, None, out / day.isoformat())
        seconds.append(time.perf_counter() - started)
        runs.append(result.run_id)
        assert result.verdict.value == "CLEAN", result.entry.reasons
    return seconds, runs


def where_it_went(database: Database, runs: list[str]) -> dict[str, float]:
    split = {"control (shadow) execution": 0.0, "candidate (primary) execution": 0.0}
    split |= {"comparison + invariants + drift": 0.0, "whole books": 0.0, "publish": 0.0}
    with connect(database.uri) as conn:
        for run_id in runs:
            for entry in ledger.entries(conn, run_id):
                body = entry.body
                if entry.kind == "execution":
                    role = "shadow" if body["label"] == "control" else "primary"
                    split[f"{body['label']} ({role}) execution"] += body["seconds"]
                elif entry.kind == "date_finished":
                    split["comparison + invariants + drift"] += body["compare_seconds"]
                elif entry.kind == "run_finished":
                    split["whole books"] += body.get("books_seconds", 0.0)
                elif entry.kind == "cutover":
                    split["publish"] += body["publish_seconds"]
    return split


if __name__ == "__main__":
    main()
