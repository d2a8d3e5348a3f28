"""Benchmark: what repeated timings and plan capture cost (issue #17), and the interval they give.

Run by hand:  python -m benchmarks.evidence_cost --per-day 10000 --days 5 --repeat 5
Seeds a fresh embedded server, then runs the bundled pair over the same dates twice, each
run in its own isolated schemas: once plainly, once with --repeat N --plans. Prints both
wall times, their ratio, and per date the speedup with its bootstrap interval.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.scratch import scratch_database
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--first", type=date.fromisoformat, default=date(2024, 3, 20))
    args = parser.parse_args()
    with scratch_database() as database:
        dates = tuple(args.first + timedelta(days=i) for i in range(args.days))
        with connect(database.uri) as conn:
            seed(conn, "source", dates[0], dates[-1], args.per_day, 7)
        plain, plain_doc = timed(database, RunRequest(dates=dates, out_dir=_out()))
        full, doc = timed(database, RunRequest(dates=dates, out_dir=_out(), repeat=args.repeat, plans=True))
    print(f"{args.days} dates x {args.per_day} transactions, bundled pair")
    print(f"plain run:                 {plain:8.1f} s  verdict {plain_doc['verdict']['label']}")
    print(
        f"--repeat {args.repeat} --plans:       {full:8.1f} s  verdict {doc['verdict']['label']}  ({full / plain:.2f}x)"
    )
    for t in doc["timings"]:
        interval = t["speedup_interval"] or {}
        print(
            f"  {t['business_date']}: speedup {t['speedup']:.2f}x, 95% interval "
            f"{interval.get('low', float('nan')):.2f}-{interval.get('high', float('nan')):.2f}; "
            f"control spread {t['control']['repeats']['spread']:.2f} s, candidate {t['candidate']['repeats']['spread']:.2f} s"
        )


def timed(database: Database, request: RunRequest) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    state = Runner(database, load_config(), Progress(quiet=True)).run(request)
    wall = time.perf_counter() - started
    with connect(database.uri) as conn:
        return wall, run_document(conn, state.run_id)


def _out() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench-evidence-"))


if __name__ == "__main__":
    main()
