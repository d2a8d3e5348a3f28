"""Benchmark: legacy and enhanced on the same generated date, phase by phase, in one run.

Run by hand:  python -m benchmarks.sides --sizes 1000,10000,100000
For each size, seeds two identical source schemas (one per side, so neither sees the
other's status updates), processes 2024-03-01 with each side, and prints throughput,
per-phase times, the enhanced/legacy ratios, and enhanced's GL posting against the
ceiling: a plain INSERT ... SELECT of the same GL rows into an unindexed table (the median
of three fresh copies); then
issue 18's three targets (total >= 10x legacy, journal creation >= 5x legacy's, GL posting
within 1.5x the ceiling) with the ratios measured in this run and whether each is met
(they are set for 100,000 transactions; smaller sizes print them for comparison), and the
floors of enhanced's writes (its journals and GL lines into unindexed tables, the journals
into a table with sun_journal's indexes, the statuses in one UPDATE) against what the
targets leave.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import uuid
from datetime import date
from typing import Any

from psycopg import sql

from benchmarks.scratch import scratch_database
from harness.database import connect
from harness.execution import ProcessResult, install_side, process_date
from harness.manifest import load_side
from harness.synthetic.loader import seed

DAY = date(2024, 3, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--sides", default="legacy,enhanced")
    parser.add_argument("--dsn")
    args = parser.parse_args()
    with scratch_database(args.dsn) as database:
        for size in (int(s) for s in args.sizes.split(",")):
            results = {name: bench_side(database.uri, name, size) for name in args.sides.split(",")}
            report(size, results)
    print(
        f"python peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (ru_maxrss)"
    )


def bench_side(uri: str, name: str, size: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    source, schema = f"bsrc_{tag}", f"bside_{tag}"
    with connect(uri) as conn:
        seed(conn, source, DAY, DAY, size, 7)
        side = load_side(name)
        install_side(conn, side, schema)
        started = time.perf_counter()
        result = process_date(conn, side, schema, source, DAY)
        wall = time.perf_counter() - started
        counts = _counts(conn, schema)
        ceiling = _gl_ceiling(conn, schema) if name == "enhanced" else None
        floors = _floors(conn, schema, source) if name == "enhanced" else {}
        for s in (schema, source):
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(s)))
    return {"result": result, "wall": wall, "counts": counts, "ceiling": ceiling, "floors": floors}


def _counts(conn: Any, schema: str) -> dict[str, int]:
    out = {}
    for table in ("sun_journal", "gl_entries", "voucher", "journal_error"):
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
        ).fetchone()
        out[table] = int(row[0])
    return out


def _gl_ceiling(conn: Any, schema: str) -> float:
    return _copy_seconds(conn, schema, "gl_entries", "ceiling_copy")


def _copy_seconds(
    conn: Any, schema: str, table: str, target: str, *, indexed: bool = False, runs: int = 3
) -> float:
    """Median seconds of a plain INSERT ... SELECT of ``table``'s rows into an empty copy:
    unindexed, or ``indexed`` with the table's own indexes (its keys, GIN and partial ones).
    A median of fresh copies: one copy's time swings with what the server has left to write."""
    rows, copy = sql.Identifier(schema, table), sql.Identifier(schema, target)
    create = (
        "CREATE TABLE {} (LIKE {} INCLUDING INDEXES)"
        if indexed
        else "CREATE TABLE {} AS SELECT * FROM {} WITH NO DATA"
    )
    seconds = []
    for _ in range(runs):
        conn.execute(sql.SQL(create).format(copy, rows))
        started = time.perf_counter()
        conn.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(copy, rows))
        seconds.append(time.perf_counter() - started)
        conn.execute(sql.SQL("DROP TABLE {}").format(copy))
    return statistics.median(seconds)


def _floors(conn: Any, schema: str, source: str) -> dict[str, float]:
    """What any implementation must write, timed alone after the run: the date's journals into
    an unindexed table, and the date's transaction statuses in one UPDATE of the source table
    with its own indexes (set back to NEW: the same kind of update, which changes an indexed
    column and so cannot be HOT, as the job's own PROCESSED/ERROR update)."""
    journal_s = _copy_seconds(conn, schema, "sun_journal", "journal_floor")
    indexed_s = _copy_seconds(conn, schema, "sun_journal", "journal_indexed", indexed=True)
    started = time.perf_counter()
    conn.execute(
        sql.SQL("UPDATE {} SET status = 'NEW', processed_at = NULL WHERE business_date = %s").format(
            sql.Identifier(source, "insurance_transaction")
        ),
        (DAY,),
    )
    return {"journals": journal_s, "journals_indexed": indexed_s, "status": time.perf_counter() - started}


def floor_lines(size: int, results: dict[str, dict[str, Any]]) -> list[str]:
    """The floors against what 10x legacy leaves (how far the total target is from the writes
    alone), then journal creation's and the status phase's own floors."""
    if not {"legacy", "enhanced"} <= set(results) or not results["enhanced"]["floors"]:
        return []
    enhanced, floors = results["enhanced"], results["enhanced"]["floors"]
    writes = floors["journals"] + floors["status"] + enhanced["ceiling"]
    allowed = results["legacy"]["wall"] / 10
    return [
        f"  floors at {size:,}: journals into an unindexed table {floors['journals'] * 1000:.0f} ms, "
        f"the date's statuses in one UPDATE {floors['status'] * 1000:.0f} ms, "
        f"GL lines into an unindexed table {enhanced['ceiling'] * 1000:.0f} ms: {writes * 1000:.0f} ms of writes",
        f"  10x legacy allows {allowed * 1000:.0f} ms in all: {max(allowed - writes, 0) * 1000:.0f} ms left for "
        f"the fetch, lookups and amounts, indexes, vouchers and the refresh "
        f"(enhanced spent {(enhanced['wall'] - writes) * 1000:.0f} ms on them)",
        *_phase_floor_lines(results, floors),
    ]


def _phase_floor_lines(results: dict[str, dict[str, Any]], floors: dict[str, float]) -> list[str]:
    """Journal creation's and the status phase's own floors, next to what they took."""
    lp, ep = phases(results["legacy"]["result"]), phases(results["enhanced"]["result"])
    lines = []
    if "journal creation" in lp and "journal creation" in ep:
        lines.append(
            f"  journal creation {ep['journal creation'] * 1000:.0f} ms; 5x legacy's allows "
            f"{lp['journal creation'] * 200:.0f} ms; the same journals into an empty copy with "
            f"sun_journal's indexes take {floors['journals_indexed'] * 1000:.0f} ms "
            f"(unindexed {floors['journals'] * 1000:.0f} ms)"
        )
    if "status" in ep:
        lines.append(
            f"  status phase {ep['status'] * 1000:.0f} ms vs the statuses' UPDATE alone "
            f"{floors['status'] * 1000:.0f} ms (legacy's job log counts its status updates under GL posting)"
        )
    return lines


def phases(result: ProcessResult) -> dict[str, float]:
    chosen = result.logged_phases or result.phases
    return {p.name: p.seconds for p in chosen}


def report(size: int, results: dict[str, dict[str, Any]]) -> None:
    print(f"\n=== {size:,} transactions on {DAY} ===")
    for name, r in results.items():
        c, wall = r["counts"], r["wall"]
        print(
            f"{name:>9}: {wall:8.2f} s  {size / wall:10,.0f} txn/s  {c['sun_journal'] / wall:10,.0f} journals/s  "
            f"{c['gl_entries'] / wall:10,.0f} GL lines/s  (journals {c['sun_journal']}, GL {c['gl_entries']}, "
            f"vouchers {c['voucher']}, errors {c['journal_error']})"
        )
        for phase, seconds in phases(r["result"]).items():
            print(f"{'':>11}{phase:<20}{seconds * 1000:10.0f} ms")
    if {"legacy", "enhanced"} <= set(results):
        legacy, enhanced = results["legacy"], results["enhanced"]
        print(f"  speedup enhanced vs legacy (total): {legacy['wall'] / enhanced['wall']:.1f}x")
        lp, ep = phases(legacy["result"]), phases(enhanced["result"])
        for phase in lp:
            if phase in ep and ep[phase] > 0:
                print(f"    {phase:<20} {lp[phase] / ep[phase]:8.1f}x")
    if "enhanced" in results and results["enhanced"]["ceiling"]:
        gl = phases(results["enhanced"]["result"]).get("GL posting")
        ceiling = results["enhanced"]["ceiling"]
        if gl:
            print(
                f"  enhanced GL posting {gl * 1000:.0f} ms vs plain INSERT ... SELECT {ceiling * 1000:.0f} ms "
                f"of the same rows: {gl / ceiling:.2f}x the ceiling"
            )
    for line in [*floor_lines(size, results), *targets(size, results)]:
        print(line)


# issue 18's targets: (label, the ratio's threshold, True when the ratio must reach at least it)
TARGETS = (
    ("total >= 10x legacy", 10.0, True),
    ("journal creation >= 5x legacy's", 5.0, True),
    ("GL posting <= 1.5x the ceiling", 1.5, False),
)


def targets(size: int, results: dict[str, dict[str, Any]]) -> list[str]:
    """One line per target with the ratio measured in this run and whether it is met."""
    if not {"legacy", "enhanced"} <= set(results):
        return []
    legacy, enhanced = results["legacy"], results["enhanced"]
    lp, ep = phases(legacy["result"]), phases(enhanced["result"])
    ceiling = enhanced["ceiling"]
    ratios = (
        legacy["wall"] / enhanced["wall"],
        lp["journal creation"] / ep["journal creation"] if ep.get("journal creation") else None,
        ep["GL posting"] / ceiling if ceiling and "GL posting" in ep else None,
    )
    lines = []
    for (label, threshold, at_least), ratio in zip(TARGETS, ratios, strict=True):
        if ratio is None:
            lines.append(f"target: {label} at {size:,}: not measured")
            continue
        met = ratio >= threshold if at_least else ratio <= threshold
        lines.append(f"target: {label} at {size:,}: {ratio:.2f}x  {'MET' if met else 'NOT MET'}")
    return lines


if __name__ == "__main__":
    main()
