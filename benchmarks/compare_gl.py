"""Benchmark: compare gl_entries-shaped tables of N rows per side, harness vs plain datacompy.

Run by hand:  python -m benchmarks.compare_gl --rows 100000 1000000
Uses a fresh embedded server in a temporary harness home unless --dsn is given.

For each size the tables are built once with generate_series (control; the candidate a copy
with other surrogate ids and timestamps, which the spec ignores), then compared twice: with
no differences, and with 1,000 (800 changed base_amount, 100 rows missing on the candidate,
100 extra on the candidate). Every measurement runs in its own child process so peak memory
(ru_maxrss) is per case:
  harness    comparisons.compare_entity: the pushdown in PostgreSQL, datacompy on <= 10,000
             examined keys
  datacompy  both full tables (the compared columns) loaded into pandas with psycopg, then
             datacompy.PandasCompare on (txn_reference, line_no)
"server MB" is the peak RSS of the child's PostgreSQL backend (VmHWM; it includes the
shared buffers the backend touched), read from /proc when the server runs on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.scratch import scratch_database

CONTROL, CANDIDATE = "bench_cmp_control", "bench_cmp_candidate"
DAY = date(2024, 3, 1)
REPO = Path(__file__).resolve().parents[1]
KEY = ["txn_reference", "line_no"]
COMPARED = [
    "account_code",
    "dc_marker",
    "currency",
    "txn_amount",
    "base_amount",
    "period",
    "business_date",
    "t0",
    "t1",
    "t2",
    "t3",
]
SPEC = {
    "name": "gl_entries",
    "query": "SELECT * FROM gl_entries WHERE business_date = :business_date",
    "key": KEY,
    "ignore": ["gl_entry_id", "journal_id", "created_at"],
    "context": ["t0"],
}

TABLE = """
CREATE TABLE {schema}.gl_entries (
    gl_entry_id bigint, journal_id bigint, txn_reference text, line_no integer, account_code text,
    dc_marker char(1), currency char(3), txn_amount numeric(18,2), base_amount numeric(18,2),
    period text, business_date date, t0 text, t1 text, t2 text, t3 text,
    created_at timestamptz DEFAULT now()
)
"""
# Five lines per transaction, amounts and analysis codes varying with i.
ROWS = """
INSERT INTO {schema}.gl_entries
SELECT i + {id_offset}, i / 5 + {id_offset}, 'TX-20240301-' || lpad((i / 5)::text, 7, '0'), i % 5 + 1,
       (1000 + i % 37)::text, CASE WHEN i % 2 = 0 THEN 'D' ELSE 'C' END,
       (ARRAY['GBP', 'EUR', 'USD'])[i % 3 + 1], (i % 100000) / 100.0, round((i % 100000) / 100.0 * 1.17, 2),
       '2024/003', DATE '2024-03-01', (ARRAY['MOTOR', 'PROPERTY', 'MARINE'])[i % 3 + 1],
       'P' || (i % 11), 'BRK' || (i % 7), 'POL-' || lpad((i % 5000)::text, 7, '0'), now()
FROM generate_series(0, {rows} - 1) AS i
"""
# 1,000 differences spread over the table: 800 amounts, 100 missing, 100 extra.
DIFFERENCES = """
UPDATE {c}.gl_entries SET base_amount = base_amount + 0.01 WHERE gl_entry_id - {off} IN (
    SELECT (g * ({rows} / 1000))::bigint FROM generate_series(0, 799) g);
DELETE FROM {c}.gl_entries WHERE gl_entry_id - {off} IN (
    SELECT (g * ({rows} / 1000))::bigint FROM generate_series(800, 899) g);
INSERT INTO {c}.gl_entries
SELECT 9000000000 + g, 9000000000 + g, 'TX-EXTRA-' || g, 1, '1100', 'D', 'GBP', 1.00, 1.00, '2024/003',
       DATE '2024-03-01', 'MOTOR', 'P1', 'BRK1', 'POL-0000001', now()
FROM generate_series(1, 100) g;
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dsn")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain datacompy")
    parser.add_argument("--child", choices=["harness", "datacompy"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.dsn)))
        return
    with scratch_database(args.dsn) as database:
        _measure(database.uri, args)


def _measure(uri: str, args: argparse.Namespace) -> None:
    results = []
    for rows in args.rows:
        for differences in (0, 1000):
            _build(uri, rows, differences)
            for method in ("harness", *(() if args.no_baseline else ("datacompy",))):
                measured = _run_child(method, uri)
                results.append({"rows": rows, "differences": differences, "method": method, **measured})
                _print_row(results[-1])
    _drop(uri)
    _summary(results)


def _build(uri: str, rows: int, differences: int) -> None:
    from harness.database import connect

    with connect(uri) as conn:
        _drop_schemas(conn)
        for schema, offset in ((CONTROL, 0), (CANDIDATE, 10**9)):
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(TABLE.format(schema=schema))
            conn.execute(ROWS.format(schema=schema, rows=rows, id_offset=offset))
        if differences:
            conn.execute(DIFFERENCES.format(c=CANDIDATE, off=10**9, rows=rows))
        for schema in (CONTROL, CANDIDATE):
            conn.execute(f"VACUUM ANALYZE {schema}.gl_entries")  # hint bits set: both methods read alike


def _drop(uri: str) -> None:
    from harness.database import connect

    with connect(uri) as conn:
        _drop_schemas(conn)


def _drop_schemas(conn: Any) -> None:
    for schema in (CONTROL, CANDIDATE):
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _run_child(method: str, uri: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "benchmarks.compare_gl", "--child", method, "--dsn", uri]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} child failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _child(method: str, uri: str) -> dict[str, Any]:
    # imported before the clock starts: the timings compare work, not imports
    import datacompy  # noqa: F401

    import comparisons.entity  # noqa: F401
    from harness.database import connect

    with connect(uri) as conn:
        started = time.perf_counter()
        outcome = _harness(conn) if method == "harness" else _datacompy(conn)
        seconds = time.perf_counter() - started
        server_mb = _backend_peak_mb(conn.info.backend_pid)
    return {
        "seconds": round(seconds, 2),
        "python_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "server_mb": server_mb,
        **outcome,
    }


def _harness(conn: Any) -> dict[str, Any]:
    from comparisons import compare_entity, parse_entity_specs

    (spec,) = parse_entity_specs([SPEC], "benchmarks/compare_gl.py")
    result = compare_entity(conn, spec, CONTROL, CANDIDATE, DAY, (), today=DAY)
    counts = result.counts
    return {
        "verdict": result.verdict.value,
        "different": counts.different,
        "control_only": counts.control_only,
        "candidate_only": counts.candidate_only,
        "examined": counts.examined,
    }


def _datacompy(conn: Any) -> dict[str, Any]:
    import datacompy
    import pandas as pd

    columns = ", ".join([*KEY, *COMPARED])
    frames = []
    for schema in (CONTROL, CANDIDATE):
        cursor = conn.execute(f"SELECT {columns} FROM {schema}.gl_entries WHERE business_date = %s", (DAY,))
        frames.append(pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description]))
    compare = datacompy.PandasCompare(
        frames[0], frames[1], join_columns=KEY, df1_name="control", df2_name="candidate"
    )
    different = len(compare.intersect_rows) - compare.count_matching_rows()
    return {
        "verdict": "MATCH" if compare.matches() else "MISMATCH",
        "different": int(different),
        "control_only": len(compare.df1_unq_rows),
        "candidate_only": len(compare.df2_unq_rows),
        "examined": len(frames[0]) + len(frames[1]),
    }


def _backend_peak_mb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None  # the server runs elsewhere
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return round(kb / 1024) if kb is not None else None


HEADER = (
    f"{'rows/side':>10} {'diffs':>6} {'method':<10} {'wall s':>7} {'python MB':>10} {'server MB':>10} "
    f"{'verdict':<9} {'different':>9} {'ctl-only':>8} {'cand-only':>9}"
)


def _print_row(r: dict[str, Any]) -> None:
    if not getattr(_print_row, "printed", False):
        print(HEADER, flush=True)
        _print_row.printed = True  # type: ignore[attr-defined]
    server = "-" if r["server_mb"] is None else r["server_mb"]
    print(
        f"{r['rows']:>10,} {r['differences']:>6,} {r['method']:<10} {r['seconds']:>7.2f} "
        f"{r['python_mb']:>10,} {server:>10} {r['verdict']:<9} {r['different']:>9,} "
        f"{r['control_only']:>8,} {r['candidate_only']:>9,}",
        flush=True,
    )


def _summary(results: list[dict[str, Any]]) -> None:
    print()
    baselines = {(b["rows"], b["differences"]): b for b in results if b["method"] == "datacompy"}
    for r in results:
        base = baselines.get((r["rows"], r["differences"]))
        if r["method"] != "harness" or base is None:
            continue
        print(
            f"{r['rows']:>10,} rows, {r['differences']:>5,} differences: harness "
            f"{base['seconds'] / r['seconds']:.1f}x faster than datacompy on the full tables, "
            f"{base['python_mb'] / r['python_mb']:.1f}x less Python memory"
        )


if __name__ == "__main__":
    main()
