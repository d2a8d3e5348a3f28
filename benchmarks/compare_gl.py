"""Benchmark: compare gl_entries-shaped tables of N rows per side: counts, verdict, time, memory.

Run by hand:  python -m benchmarks.compare_gl --rows 1000000 [--scenarios none 1k] [--methods ...]
on a fresh embedded server in a temporary harness home unless --dsn is given. Per size the control
is built once (generate_series); per scenario the candidate again (other surrogate ids and
timestamps: the spec ignores them) with the differences' kinds interleaved over the keys:
  none  no differences
  1k    1,000: 800 base_amount +0.01, 100 rows missing on the candidate, 100 extra on it
  200k  200,000: 100,000 txn_amount +0.01 (within its tolerance of 1 minor unit), 100,000 t2
        rewritten 'X-' || t2 (covered by an accepted difference with a where rule)
(scaled down to a fifth of the rows when larger). Each method, in a child process, compares twice:
timed, with max RSS (ru_maxrss) read after it, then under tracemalloc for the Python peak (not
timed: tracing slows allocation). "server MB": the child's backend's VmHWM. The methods:
  harness    comparisons.compare_entity (datacompy on <= --max-detail-rows keys), counts and verdict
             checked; "stage 1 s": its run_stage1 alone, set against the floor of each scenario
             and against its checksum pass with every row in one bucket (benchmarks/one_bucket.py)
and, see benchmarks/compare_peers.py, datacompy, polars, duckdb and reladiff. Then issue 18's targets.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, fields
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import compare_peers as peers
from benchmarks.one_bucket import one_bucket_seconds
from benchmarks.scratch import scratch_database

CONTROL, CANDIDATE = "bench_cmp_control", "bench_cmp_candidate"
DAY = date(2024, 3, 1)
REPO = Path(__file__).resolve().parents[1]
CANDIDATE_IDS = 10**9  # the candidate's surrogate ids: the control's plus this
KEY = ["txn_reference", "line_no"]
COMPARED = "account_code, dc_marker, currency, txn_amount, base_amount, period, business_date, t0, t1, t2, t3"
SIDES = peers.Sides(
    CONTROL, CANDIDATE, tuple(KEY), tuple(COMPARED.split(", ")), f"business_date = DATE '{DAY}'"
)
METHODS = ("harness", *peers.BASELINES)
SPEC = {
    "name": "gl_entries",
    "query": "SELECT * FROM gl_entries WHERE business_date = :business_date",
    "key": KEY,
    "ignore": ["gl_entry_id", "journal_id", "created_at"],
    "context": ["t0"],
    "tolerances": {"txn_amount": 1},
}
# Covers the t2 rewrites: the accepted difference as a config's [[accepted_differences]] gives it.
ACCEPTED = {"id": "bench-t2-prefix", "entity": "gl_entries", "columns": ["t2"], "expires": date(2099, 12, 31)}
ACCEPTED |= {
    "where": "candidate.t2 = 'X-' || control.t2",
    "reason": "benchmark",
    "approved_by": "-",
    "ticket": "-",
}

TABLE = """
CREATE TABLE {schema}.gl_entries (
    gl_entry_id bigint, journal_id bigint, txn_reference text, line_no integer, account_code text,
    dc_marker char(1), currency char(3), txn_amount numeric(18,2), base_amount numeric(18,2),
    period text, business_date date, t0 text, t1 text, t2 text, t3 text, created_at timestamptz DEFAULT now())
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
# The candidate rows at positions g (of spread, spaced evenly over its rows) in the array %(g)s.
PICKED = "unnest(%(g)s::bigint[]) AS g WHERE gl_entry_id = {off} + g * {rows} / {spread}"
EDITS = {
    "changed": "UPDATE {t} SET base_amount = base_amount + 0.01 FROM " + PICKED,
    "missing": "DELETE FROM {t} USING " + PICKED,
    "tolerated": "UPDATE {t} SET txn_amount = txn_amount + 0.01 FROM " + PICKED,
    "accepted": "UPDATE {t} SET t2 = 'X-' || t2 FROM " + PICKED,
}
EXTRA = """
INSERT INTO {t}
SELECT 9000000000 + g, 9000000000 + g, 'TX-EXTRA-' || g, 1, '1100', 'D', 'GBP', 1.00, 1.00, '2024/003',
       DATE '2024-03-01', 'MOTOR', 'P1', 'BRK1', 'POL-0000001', now()
FROM generate_series(1, {n}) AS g
"""


@dataclass(frozen=True)
class Scenario:
    """Differences to inject, by kind (and, once injected, the rows each statement changed)."""

    changed: int = 0  # base_amount +0.01: different, unexplained
    missing: int = 0  # deleted from the candidate: control_only, unexplained
    tolerated: int = 0  # txn_amount +0.01: within its tolerance, so equal
    accepted: int = 0  # t2 -> 'X-' || t2: different, covered by the accepted difference
    extra: int = 0  # added to the candidate: candidate_only, unexplained

    @property
    def total(self) -> int:
        return sum(asdict(self).values())

    def fitted(self, rows: int) -> Scenario:
        """Scaled down to at most a fifth of the rows."""
        if self.total <= rows // 5:
            return self
        return Scenario(**{k: v * (rows // 5) // self.total for k, v in asdict(self).items()})

    def expected(self, rows: int) -> dict[str, Any]:
        unexplained = self.changed + self.missing + self.extra
        return {
            "control_rows": rows,
            "candidate_rows": rows - self.missing + self.extra,
            "equal": rows - self.changed - self.missing - self.accepted,  # within tolerance is equal
            "different": self.changed + self.accepted,
            "control_only": self.missing,
            "candidate_only": self.extra,
            "within_tolerance": self.tolerated,
            "accepted": self.accepted,
            "unexplained": unexplained,
            "verdict": "MISMATCH" if unexplained else "ACCEPTED" if self.accepted else "MATCH",
        }

    def __str__(self) -> str:
        kinds = [f"{getattr(self, f.name):,} {f.name}" for f in fields(self) if getattr(self, f.name)]
        return f"injected {self.total:,} differences" + (f" ({', '.join(kinds)})" if kinds else "")


SCENARIOS = {"none": Scenario(), "1k": Scenario(changed=800, missing=100, extra=100)}
SCENARIOS["200k"] = Scenario(tolerated=100_000, accepted=100_000)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000], help="rows per side")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--max-detail-rows", type=int, default=10_000, help="harness stage 2 cap")
    parser.add_argument("--dsn")
    parser.add_argument("--methods", nargs="+", choices=METHODS, help="default: all installed")
    parser.add_argument("--no-baseline", action="store_true", help="the harness alone")
    parser.add_argument("--max-baseline-rows", type=int, default=2_000_000, help="skip datacompy above")
    parser.add_argument("--key-index", choices=["reladiff", "all"], default="all")
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.dsn, args.max_detail_rows)))
        return
    with scratch_database(args.dsn) as database:
        _measure(database.uri, args)


def _measure(uri: str, args: argparse.Namespace) -> None:
    from harness.database import connect

    methods = ["harness"] if args.no_baseline else args.methods or list(METHODS)
    checked: dict[str, list[bool]] = {}
    results: dict[tuple[int, str], dict[str, Any]] = {}
    with connect(uri) as conn:
        for rows in args.rows:
            _build(conn, CONTROL, rows, 0)
            for name in args.scenarios:
                injected = _candidate(conn, rows, SCENARIOS[name].fitted(rows))
                peers.key_index(conn, SIDES, args.key_index == "all")  # (or none)
                print(f"\n== {rows:,} rows/side, scenario {name}: {injected}; --max-detail-rows", end=" ")
                print(f"{args.max_detail_rows:,}; key indexed for {args.key_index}; load", end=" ")
                print(f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
                results[rows, name] = {"floor": peers.floor(conn, SIDES), "one_bucket": _one_bucket(conn)}
                print(HEADER, flush=True)
                for method in methods:
                    if (measured := _method(conn, uri, args, method, rows)) is not None:
                        results[rows, name][method] = measured
                        ok = peers.check(method, measured, injected.expected(rows), method != "harness")
                        checked.setdefault(method, []).append(ok)
        conn.execute(f"DROP SCHEMA IF EXISTS {CONTROL}, {CANDIDATE} CASCADE")
    for method, oks in checked.items():
        print(f"{method} counts equal the injected numbers in {sum(oks)} of {len(oks)} scenario(s)")
    peers.targets(results)


def _one_bucket(conn: Any) -> float:
    seconds = one_bucket_seconds(conn, SPEC, (CONTROL, CANDIDATE), DAY)
    print(
        f"stage 1's checksum pass with every row in one bucket (nothing located): {seconds:.2f} s (median of 3)"
    )
    return seconds


def _method(conn: Any, uri: str, args: argparse.Namespace, method: str, rows: int) -> dict[str, Any] | None:
    skip = peers.missing(method)  # or measured in its child (None: skipped or failed, and why printed)
    if method == "datacompy" and rows > args.max_baseline_rows:
        skip = f"skipped: {rows:,} rows/side > --max-baseline-rows {args.max_baseline_rows:,}"
    if skip:
        print(f"{method:<10} {skip}", flush=True)
        return None
    with peers.key_indexed(conn, SIDES, method == "reladiff" and args.key_index == "reladiff"):  # untimed
        measured = _run_child(method, uri, args.max_detail_rows)
    if measured is not None:
        _print_row({"method": method, **measured})
    return measured


def _build(conn: Any, schema: str, rows: int, id_offset: int) -> None:
    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    conn.execute(TABLE.format(schema=schema))
    conn.execute(ROWS.format(schema=schema, rows=rows, id_offset=id_offset))


def _candidate(conn: Any, rows: int, scenario: Scenario) -> Scenario:
    """The candidate rebuilt with the scenario's differences; the rows each statement changed."""
    _build(conn, CANDIDATE, rows, CANDIDATE_IDS)
    done = inject(conn, CANDIDATE, rows, scenario, CANDIDATE_IDS)
    for schema in (CONTROL, CANDIDATE):
        conn.execute(f"VACUUM ANALYZE {schema}.gl_entries")  # hint bits set: both methods read alike
    return done


def inject(conn: Any, schema: str, rows: int, scenario: Scenario, id_offset: int) -> Scenario:
    """The scenario's differences made in ``schema``'s gl_entries; the rows each statement changed."""
    table, done = f"{schema}.gl_entries", {}
    positions = _interleaved(scenario)
    where = {"off": id_offset, "rows": rows, "spread": max(1, sum(len(p) for p in positions.values()))}
    for kind, statement in EDITS.items():
        done[kind] = conn.execute(statement.format(t=table, **where), {"g": positions[kind]}).rowcount
    done["extra"] = conn.execute(EXTRA.format(t=table, n=scenario.extra)).rowcount
    return Scenario(**done)


def _interleaved(scenario: Scenario) -> dict[str, list[int]]:
    """Positions 0, 1, ... dealt to the kinds of EDITS so that each kind spreads over all of them."""
    ideal = sorted(((j + 0.5) / n, k) for k in EDITS if (n := getattr(scenario, k)) for j in range(n))
    dealt: dict[str, list[int]] = {kind: [] for kind in EDITS}
    for g, (_, kind) in enumerate(ideal):
        dealt[kind].append(g)
    return dealt


def _run_child(method: str, uri: str, max_detail_rows: int) -> dict[str, Any] | None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "benchmarks.compare_gl", "--child", method, "--dsn", uri]
    command += ["--max-detail-rows", str(max_detail_rows)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, check=False)
    if done.returncode != 0 and method == "harness":
        raise SystemExit(f"{method} child failed:\n{done.stderr}")
    if done.returncode != 0:  # a peer's failure (out of memory at 10M, say) ends its line only
        print(f"{method:<10} failed ({done.returncode}): {(done.stderr.strip() or '?').splitlines()[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None


def _child(method: str, uri: str, max_detail_rows: int) -> dict[str, Any]:
    import comparisons.entity  # noqa: F401  (before the clock starts: timings compare work, not imports)
    from harness.database import connect

    peers.preload(method)
    stage1 = peers.time_stage1() if method == "harness" else []
    with connect(uri) as conn:
        harness = partial(_harness, conn, max_detail_rows)
        work = harness if method == "harness" else partial(peers.run, method, conn, uri, SIDES)
        started = time.perf_counter()
        outcome = work()
        seconds = time.perf_counter() - started
        outcome |= {"stage1_s": sum(stage1)} if stage1 else {}
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before tracing's own memory
        server_mb = None if method == "reladiff" else peers.backend_peak_mb(conn.info.backend_pid)
        tracemalloc.start()
        again = work()
        traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    counts = {k: v for k, v in outcome.items() if not k.endswith("_s")}
    assert counts == {k: v for k, v in again.items() if not k.endswith("_s")}, f"the traced run: {again}"
    memory = {"traced_mb": traced_mb, "rss_mb": rss_mb, "server_mb": server_mb}
    return {"seconds": seconds, **memory, **outcome}


def _harness(conn: Any, cap: int) -> dict[str, Any]:
    from comparisons import compare_entity, parse_accepted, parse_entity_specs

    (spec,) = parse_entity_specs([SPEC], "benchmarks/compare_gl.py")
    accepted = parse_accepted([ACCEPTED], "benchmarks/compare_gl.py", (spec,))
    result = compare_entity(conn, spec, CONTROL, CANDIDATE, DAY, accepted, max_detail_rows=cap, today=DAY)
    return {"verdict": result.verdict.value, **result.counts.to_dict()}


# (heading, result field, width: negative left-aligns); what a method does not give shows as "-"
COLUMNS = [("method", "method", -10), ("wall s", "seconds", 7), ("stage 1 s", "stage1_s", 9)]
COLUMNS += [("export s", "export_s", 8), ("traced MB", "traced_mb", 10), ("max RSS MB", "rss_mb", 11)]
COLUMNS += [("server MB", "server_mb", 10), ("verdict", "verdict", -9)]
COUNTS = ["equal", "different", "control_only", "candidate_only"]
COUNTS += ["within_tolerance", "accepted", "unexplained", "examined"]
COLUMNS += [(c.replace("_", "-"), c, 16 if "_" in c else 11) for c in COUNTS]
HEADER = " ".join(f"{h:<{-w}}" if w < 0 else f"{h:>{w}}" for h, _, w in COLUMNS)


def _n(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _print_row(r: dict[str, Any]) -> None:
    print(" ".join(f"{_n(r.get(f)):<{-w}}" if w < 0 else f"{_n(r.get(f)):>{w}}" for _, f, w in COLUMNS))


if __name__ == "__main__":
    main()
