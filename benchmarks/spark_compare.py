"""Benchmark: engine spark against engine postgres on gl_entries-shaped tables, N rows per side.

Run by hand:  python -m benchmarks.spark_compare [--rows 1000000 10000000] [--scenarios none 1k]
On a scratch embedded PostgreSQL 18 (benchmarks.scratch), the control's and the candidate's
tables of benchmarks.compare_gl (the candidate rebuilt per scenario with its differences). Each
method compares in a child process of its own, timed once, its counts checked against the
injected ones:
  postgres    comparisons.compare_entity on the one server (engine postgres)
  spark-local engine spark, master local[2] (the driver's JVM runs the tasks on 2 cores)
  spark-2w    engine spark on a standalone cluster started here: a master and two workers of
              one core each (pyspark's spark-class), executors in JVMs of their own
Memory: the child's peak RSS (Python, with pyspark's py4j client), and the peak RSS of every
JVM (driver, and executors) summed. Per method the cost per row and core, and from it what
a cluster of N executors (4 cores each) would take for 1 billion rows per side, if the
sides' servers kept up (they serve every JDBC partition: the estimate is a lower bound).
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

from benchmarks import compare_gl as gl
from benchmarks.scratch import scratch_database

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = {"none": gl.Scenario(), "1k": gl.SCENARIOS["1k"]}
METHODS = ("postgres", "spark-local", "spark-2w")
CORES = {"postgres": 2, "spark-local": 2, "spark-2w": 2}
BILLION = 10**9


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    parser.add_argument("--master", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.dsn, args.master)))
        return
    with scratch_database() as database:
        _measure(database.uri, args)


def _measure(uri: str, args: argparse.Namespace) -> None:
    from harness.database import connect

    cluster = _start_cluster() if "spark-2w" in args.methods else None
    try:
        with connect(uri) as conn:
            for rows in args.rows:
                gl._build(conn, gl.CONTROL, rows, 0)
                for name in args.scenarios:
                    done = gl._candidate(conn, rows, SCENARIOS[name].fitted(rows))
                    print(f"\n{rows:,} rows per side, {done}")
                    print(
                        f"{'method':<12} {'wall s':>8} {'Python MB':>10} {'JVM MB':>8} {'us/row/core':>12}  1B rows on 8 / 32 / 128 executors x 4 cores"
                    )
                    expected = {k: v for k, v in done.expected(rows).items() if k != "verdict"}
                    for method in args.methods:
                        master = cluster.url if method == "spark-2w" and cluster else None
                        measured = _run_child(method, uri, master)
                        _report(method, rows, measured, expected)
    finally:
        if cluster:
            cluster.stop()


def _report(method: str, rows: int, measured: dict[str, Any], expected: dict[str, int]) -> None:
    counts = {k: measured["counts"][k] for k in expected}
    if counts != expected:
        raise SystemExit(f"{method}: counts {counts} are not the injected {expected}")
    per_row_core = measured["seconds"] * CORES[method] / (2 * rows)  # both sides' rows
    estimates = " / ".join(_duration(2 * BILLION * per_row_core / (n * 4)) for n in (8, 32, 128))
    print(
        f"{method:<12} {measured['seconds']:>8.2f} {measured['python_mb']:>10.0f} {measured['jvm_mb']:>8.0f} "
        f"{per_row_core * 1e6:>12.3f}  {estimates}   counts exact"
    )


def _duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def _run_child(method: str, uri: str, master: str | None) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "benchmarks.spark_compare", "--child", method, "--dsn", uri]
    command += ["--master", master] if master else []
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _child(method: str, uri: str, master: str | None) -> dict[str, Any]:
    import comparisons
    from comparisons.across import compare_entity_across
    from comparisons.spark.engine import SparkEngine
    from comparisons.spark.session import SparkSettings
    from harness.database import connect

    spec = comparisons.parse_entity_specs([gl.SPEC], "bench")[0]
    accepted = comparisons.parse_accepted([gl.ACCEPTED], "bench", entities=(spec,))
    engine = None
    if method != "postgres":
        conf = (("spark.pyspark.python", sys.executable), ("spark.driver.memory", "4g"))
        settings = SparkSettings(master=master or "local[2]", conf=conf, partitions=4)
        engine = SparkEngine(settings)
        engine.session  # noqa: B018 - started before the clock: a run starts it before the sides run
    with connect(uri) as a, connect(uri) as b, connect(uri) as session:
        session.execute("SET search_path = pg_catalog, pg_temp")
        started = time.perf_counter()
        if engine is None:
            result = comparisons.compare_entity(
                a, spec, gl.CONTROL, gl.CANDIDATE, gl.DAY, accepted, today=date.today()
            )
        else:
            result = compare_entity_across(
                session,
                (a, b),
                spec,
                (gl.CONTROL, gl.CANDIDATE),
                gl.DAY,
                accepted,
                transfer="spark",
                today=date.today(),
                engine=engine,
            )
        seconds = time.perf_counter() - started
    python_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "python_mb": python_mb,
        "jvm_mb": _jvm_mb(),
        "counts": result.counts.to_dict(),
    }


def _jvm_mb() -> float:
    """Peak RSS of every JVM running Spark here (driver and executors), summed."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if b"java" in command and (b"SparkSubmit" in command or b"CoarseGrainedExecutorBackend" in command):
            total += next((int(line.split()[1]) for line in text.splitlines() if line.startswith("VmHWM")), 0)
    return total / 1024


def _start_cluster() -> Any:
    from tests.spark_cluster import start_cluster

    return start_cluster(Path("/tmp/spark-bench-work"), workers=2, cores=1, memory="3g")


if __name__ == "__main__":
    main()
