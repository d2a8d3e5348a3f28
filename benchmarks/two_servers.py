"""Benchmark: comparing sides on two servers, transfer "hashes" against "bisect" and reladiff.

Run by hand:  python -m benchmarks.two_servers [--rows 1000000] [--scenarios none 1k 100k]
The control's gl_entries-shaped table (benchmarks.compare_gl) on a scratch embedded
PostgreSQL 18, the candidate's on a PostgreSQL 15 started for the run (tests.servers,
Debian's postgresql-15); the comparison's own session on the 18. Per scenario the candidate
is rebuilt with the differences of compare_gl's kinds interleaved over the keys:
  none   no differences
  1k     1,000: 800 base_amount +0.01, 100 rows missing on the candidate, 100 extra on it
  100k   100,000: 80,000 changed, 10,000 missing, 10,000 extra
Each mode compares twice: timed, with the bytes it moved between the servers, then under
tracemalloc for the Python peak (not timed). reladiff's hashdiff (pip install -e '.[bench]')
compares the same two tables across the same two servers, timed once; its counts are
checked against the injected ones too.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date
from typing import Any

from benchmarks import compare_gl as gl
from benchmarks.scratch import scratch_database

SCENARIOS = {"none": gl.Scenario(), "1k": gl.SCENARIOS["1k"]}
SCENARIOS["100k"] = gl.Scenario(changed=80_000, missing=10_000, extra=10_000)
MODES = ("hashes", "bisect")
SCHEMA = "bench_two"


@dataclass(frozen=True)
class Measured:
    method: str
    seconds: float
    moved_mb: float | None
    python_mb: float | None
    counts: dict[str, int]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per side")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--no-reladiff", action="store_true")
    args = parser.parse_args()
    from tests.servers import start_pg15

    pg15 = start_pg15()
    try:
        with scratch_database() as pg18:
            _measure(pg18.uri, pg15.uri(), args)
    finally:
        pg15.remove()


def _measure(control_uri: str, candidate_uri: str, args: argparse.Namespace) -> None:
    from harness.database import connect

    with connect(control_uri) as control, connect(candidate_uri) as candidate:
        _build(control, args.rows, gl.Scenario())
        print(
            f"{args.rows:,} GL rows per side; control on PostgreSQL {control.info.server_version // 10000}, ",
            end="",
        )
        print(f"candidate on PostgreSQL {candidate.info.server_version // 10000}; {os.cpu_count()} cores")
        for name in args.scenarios:
            scenario = SCENARIOS[name].fitted(args.rows)
            _build(candidate, args.rows, scenario)
            print(f"\n== scenario {name}: {scenario}; load average {os.getloadavg()[0]:.1f}", flush=True)
            print(f"{'method':<10} {'seconds':>8} {'moved MB':>9} {'Python MB':>10}  counts")
            expected = scenario.expected(args.rows)
            for mode in MODES:
                _report(_harness(control_uri, candidate_uri, mode), expected)
            if not args.no_reladiff:
                _report(_reladiff(control_uri, candidate_uri), expected)


def _build(conn: Any, rows: int, scenario: gl.Scenario) -> None:
    """gl_entries in SCHEMA, as compare_gl builds a side (the control: no differences)."""
    conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    conn.execute(f"CREATE SCHEMA {SCHEMA}")
    conn.execute(gl.TABLE.format(schema=SCHEMA))
    offset = gl.CANDIDATE_IDS if scenario.total else 0
    conn.execute(gl.ROWS.format(schema=SCHEMA, rows=rows, id_offset=offset))
    gl.inject(conn, SCHEMA, rows, scenario, offset)
    conn.execute(f"CREATE UNIQUE INDEX bench_key ON {SCHEMA}.gl_entries (txn_reference, line_no)")
    conn.execute(f"VACUUM ANALYZE {SCHEMA}.gl_entries")


def _harness(control_uri: str, candidate_uri: str, mode: str) -> Measured:
    import comparisons
    from comparisons.across import compare_entity_across
    from comparisons.stream import Meter
    from harness.database import connect

    spec = comparisons.parse_entity_specs([gl.SPEC], "bench")[0]
    accepted = comparisons.parse_accepted([gl.ACCEPTED], "bench", entities=(spec,))

    def compare(meter: Meter) -> Any:
        with connect(control_uri) as a, connect(candidate_uri) as b, connect(control_uri) as session:
            return compare_entity_across(
                session,
                (a, b),
                spec,
                (SCHEMA, SCHEMA),
                gl.DAY,
                accepted,
                transfer=mode,
                today=date.today(),
                meter=meter,
            )

    meter = Meter()
    started = time.perf_counter()
    result = compare(meter)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    compare(Meter())
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    counts = {**result.counts.to_dict(), "verdict": str(result.verdict)}
    return Measured(mode, seconds, meter.bytes / 2**20, peak, counts)


def _reladiff(control_uri: str, candidate_uri: str) -> Measured:
    try:
        import reladiff
    except ImportError:
        return Measured("reladiff", 0.0, None, None, {"skipped": 1})
    options = {"key_columns": tuple(gl.KEY), "extra_columns": tuple(gl.COMPARED.split(", "))}
    options["where"] = f"business_date = DATE '{gl.DAY}'"
    started = time.perf_counter()
    dbs = [
        reladiff.connect({"driver": "postgresql", "dsn": uri}, thread_count=2, shared=False)
        for uri in (control_uri, candidate_uri)
    ]
    try:
        tables = [reladiff.connect_to_table(db, (SCHEMA, "gl_entries"), **options) for db in dbs]
        with reladiff.diff_tables(
            *tables, algorithm=reladiff.Algorithm.HASHDIFF, max_threadpool_size=4
        ) as diff:
            for _ in diff:
                pass
            stats = diff.get_stats_dict()
    finally:
        for db in dbs:
            db.close()
    counts = {"equal": stats["unchanged"], "different": stats["updated"]}
    counts |= {"control_only": stats["exclusive_A"], "candidate_only": stats["exclusive_B"]}
    return Measured("reladiff", time.perf_counter() - started, None, None, counts)


def _report(measured: Measured, expected: dict[str, Any]) -> None:
    if "skipped" in measured.counts:
        print(f"{measured.method:<10} skipped: pip install -e '.[bench]' for reladiff")
        return
    exact = measured.method != "reladiff"  # reladiff has no tolerance or accepted differences
    wanted = dict(expected)
    if not exact:
        wanted = {k: wanted[k] for k in ("equal", "different", "control_only", "candidate_only")}
        wanted["equal"] -= expected["within_tolerance"]
        wanted["different"] += expected["within_tolerance"]
    wrong = {k: (measured.counts.get(k), v) for k, v in wanted.items() if measured.counts.get(k) != v}
    moved = f"{measured.moved_mb:9.1f}" if measured.moved_mb is not None else f"{'-':>9}"
    python = f"{measured.python_mb:10.1f}" if measured.python_mb is not None else f"{'-':>10}"
    said = "agree with the injected differences" if not wrong else f"DIFFER: {wrong}"
    print(f"{measured.method:<10} {measured.seconds:8.2f} {moved} {python}  {said}", flush=True)


if __name__ == "__main__":
    main()
