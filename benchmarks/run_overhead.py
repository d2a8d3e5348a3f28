"""Benchmark: the harness's own overhead in a parallel run (issue: share of the whole run).

Run by hand:  python -m benchmarks.run_overhead --per-day 10000 --days 20 --first 2024-03-20
Seeds a fresh embedded server, runs `harness run` over the dates (legacy vs enhanced,
sequential, role isolation on) and splits the run's wall time, from the ledger, into:
the two sides' executions, the comparison (diff + invariants, of which the books drift
check), the whole-books comparison after the last date, and the rest: isolation,
source copies, fingerprints, installs, exports and ledger writes (the harness overhead).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.scratch import scratch_database
from harness import ledger
from harness.config import load_config
from harness.database import Database, connect
from harness.history import run_document
from harness.progress import Progress
from harness.run_plan import RunRequest
from harness.runner import Runner
from harness.synthetic.loader import seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--first", type=date.fromisoformat, default=date(2024, 3, 1), help="first date")
    args = parser.parse_args()
    with scratch_database() as database:
        measure(database, args)


def measure(database: Database, args: argparse.Namespace) -> None:
    dates = tuple(args.first + timedelta(days=i) for i in range(args.days))
    with connect(database.uri) as conn:
        seed(conn, "source", dates[0], dates[-1], args.per_day, 7)
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    started = time.perf_counter()
    state = Runner(database, load_config(), Progress(quiet=True)).run(RunRequest(dates=dates, out_dir=out))
    wall = time.perf_counter() - started
    report(database, state.run_id, wall, args)


def report(database: Database, run_id: str, wall: float, args: argparse.Namespace) -> None:
    with connect(database.uri) as conn:
        entries = ledger.entries(conn, run_id)
        doc = run_document(conn, run_id)
    setup = next(e.body["setup_seconds"] for e in entries if e.kind == "run_started")
    executions = [e.body for e in entries if e.kind == "execution"]
    control = sum(e["seconds"] for e in executions if e["label"] == "control")
    candidate = sum(e["seconds"] for e in executions if e["label"] == "candidate")
    compare = sum(e.body["compare_seconds"] for e in entries if e.kind == "date_finished")
    drift = sum(e.body.get("drift_seconds", 0.0) for e in entries if e.kind == "date_finished")
    books = next((e.body.get("books_seconds", 0.0) for e in entries if e.kind == "run_finished"), 0.0)
    overhead = wall - control - candidate - compare - books
    verdict = doc["verdict"]
    whole = ", ".join(f"{b['entity']} {b['verdict']}" for b in doc["books"])
    print(f"run {run_id}: {args.days} dates x {args.per_day:,} transactions: {verdict['label']}")
    print(f"  verdicts: {verdict['counts']}; whole books: {whole}")
    for reason in verdict["reasons"][:5]:
        print(f"  why: {reason}")
    print(f"  whole run (wall)         {wall:8.2f} s  100.0%")
    for name, seconds in (
        ("control executions", control),
        ("candidate executions", candidate),
        ("comparison + invariants", compare),
        ("  of which drift check", drift),
        ("whole-books comparison", books),
        ("harness overhead", overhead),  # isolation, copies, installs, exports, ledger
        ("  of which setup", setup),
    ):
        print(f"  {name:<24} {seconds:8.2f} s  {100 * seconds / wall:5.1f}%")
    print(f"  python peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
