"""Benchmark: generate and load N transactions with harness seed; print rows/s and peak memory.

Run by hand:  python -m benchmarks.seed_load --rows 1000000 --days 5
Uses a fresh embedded server in a temporary harness home unless --dsn is given.
"""

from __future__ import annotations

import argparse
import resource
import time
import uuid
from datetime import date, timedelta

from psycopg import sql

from benchmarks.scratch import scratch_database
from harness.database import connect
from harness.synthetic.loader import seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--dsn")
    args = parser.parse_args()
    with scratch_database(args.dsn) as database:
        measure(database.uri, args)


def measure(uri: str, args: argparse.Namespace) -> None:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    first = date(2024, 3, 1)
    with connect(uri) as conn:
        started = time.perf_counter()
        result = seed(conn, schema, first, first + timedelta(days=args.days - 1), args.rows // args.days, 7)
        seconds = time.perf_counter() - started
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows loaded:        {result.rows:,}")
    print(f"wall time:          {seconds:.1f} s")
    print(f"throughput:         {result.rows / seconds:,.0f} rows/s")
    print(f"python peak memory: {peak_mb:.0f} MB (ru_maxrss)")


if __name__ == "__main__":
    main()
