"""What benchmarks/compare_gl.py measures the harness against, the floor, and issue 18's targets.

The peers install into the project's venv (no conflict with its pins):  pip install -e '.[bench]'
(a peer not installed is reported and skipped). Each compares the key and compared columns exactly,
so their counts are checked with every injected change different (a tolerated one too):
  datacompy  both full tables fetched into pandas, plain PandasCompare on the key
  polars     both sides exported at once (two connections) by COPY (SELECT key, compared ...) TO
             STDOUT (FORMAT csv) into files of a temporary directory (timed: "export s"), then
             scan_csv with the server's column types, a full join on the key, ne_missing per column
  duckdb     the same export, then read_csv and FULL OUTER JOIN ... IS DISTINCT FROM in duckdb (in
             memory, default threads; not its postgres scanner: extensions do not download here)
  reladiff   reladiff's hashdiff (forced: on one server AUTO picks joindiff), key (txn_reference,
             line_no), the compared columns as extra columns, 2 threads; compare_gl puts a unique
             index on the key of both tables, untimed, for every method (--key-index all, the
             default: it lets the harness skip its repeated-key pass) or for reladiff alone
tracemalloc does not see polars' Rust or duckdb's C++ memory: max RSS does. The floor: per side
count(*), bit_xor(hash_record_extended(ROW(<compared columns>), 0)) in one UNION ALL, the server's
max_parallel_workers_per_gather left as it is; the median of 3 runs.
"""

from __future__ import annotations

import importlib.util
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PEERS = ("polars", "duckdb", "reladiff")
BASELINES = ("datacompy", *PEERS)
NEEDS = {method: [method] for method in BASELINES} | {"reladiff": ["reladiff", "psycopg2"]}
GATHER = "max_parallel_workers_per_gather"
RELADIFF_THREADS = 2  # per database: the machine's cores
COUNTS = ("equal", "different", "control_only", "candidate_only")
TYPES = "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass"
FLOOR = "SELECT count(*), bit_xor(hash_record_extended(ROW({}), 0)) FROM {}.gl_entries WHERE {}"


@dataclass(frozen=True)
class Sides:
    """The two tables compared: schemas, key, compared columns and the rows' filter (SQL)."""

    control: str
    candidate: str
    key: tuple[str, ...]
    compared: tuple[str, ...]
    where: str

    @property
    def schemas(self) -> tuple[str, str]:
        return self.control, self.candidate

    def select(self, schema: str) -> str:
        return f"SELECT {', '.join(self.key + self.compared)} FROM {schema}.gl_entries WHERE {self.where}"


def missing(method: str) -> str | None:
    """Why the method cannot run here, or None."""
    if all(importlib.util.find_spec(module) for module in NEEDS.get(method, [])):
        return None
    return "not installed: pip install -e '.[bench]'"


def preload(method: str) -> None:
    """Imports done before the clock starts: the timings compare work, not imports."""
    for module in NEEDS.get(method, []):
        importlib.import_module(module)


def run(method: str, conn: Any, uri: str, sides: Sides) -> dict[str, Any]:
    work = {"datacompy": _datacompy, "polars": _polars, "duckdb": _duckdb, "reladiff": _reladiff}
    result: dict[str, Any] = work[method](conn, uri, sides)
    return result


def _datacompy(conn: Any, uri: str, sides: Sides) -> dict[str, Any]:
    import datacompy
    import pandas as pd

    frames = []
    for schema in sides.schemas:
        cursor = conn.execute(sides.select(schema))
        frames.append(pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description]))
    compare = datacompy.PandasCompare(frames[0], frames[1], join_columns=list(sides.key))
    equal = int(compare.count_matching_rows())
    counts = {"equal": equal, "different": len(compare.intersect_rows) - equal}
    counts |= {"control_only": len(compare.df1_unq_rows), "candidate_only": len(compare.df2_unq_rows)}
    return {"verdict": "MATCH" if compare.matches() else "MISMATCH", **counts}


def _export(conn: Any, uri: str, sides: Sides, folder: str) -> tuple[list[Path], dict[str, str], float]:
    """Both sides COPYed to CSV files at once (one connection each); the column types; the seconds."""
    from harness.database import connect

    started = time.perf_counter()
    types = dict(conn.execute(TYPES, (f"{sides.control}.gl_entries",)).fetchall())
    paths = [Path(folder, f"{side}.csv") for side in ("control", "candidate")]

    def copy(side: Any, schema: str, path: Path) -> None:
        copying = side.cursor().copy(f"COPY ({sides.select(schema)}) TO STDOUT (FORMAT csv)")
        with copying as rows, path.open("wb") as out:
            for chunk in rows:
                out.write(chunk)

    with connect(uri) as other, ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(copy, conn, sides.control, paths[0])]
        jobs.append(pool.submit(copy, other, sides.candidate, paths[1]))
        for job in jobs:
            job.result()
    return paths, {c: types[c] for c in sides.key + sides.compared}, time.perf_counter() - started


def _polars(conn: Any, uri: str, sides: Sides) -> dict[str, Any]:
    import polars as pl

    def dtype(sql: str) -> Any:
        if sql.startswith("numeric("):
            return pl.Decimal(*(int(n) for n in sql[8:-1].split(",")))
        return {"integer": pl.Int32, "bigint": pl.Int64, "date": pl.Date}.get(sql, pl.String)

    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        paths, types, export_s = _export(conn, uri, sides, folder)
        schema = {c: dtype(t) for c, t in types.items()}
        control, candidate = (pl.scan_csv(p, has_header=False, schema=schema) for p in paths)
        joined = control.with_columns(_c=pl.lit(True)).join(
            candidate.with_columns(_d=pl.lit(True)), on=list(sides.key), how="full", suffix="_d"
        )
        both = pl.col("_c").is_not_null() & pl.col("_d").is_not_null()
        differ = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_d")) for c in sides.compared])
        found = joined.select(
            equal=(both & ~differ).sum(),
            different=(both & differ).sum(),
            control_only=pl.col("_d").is_null().sum(),
            candidate_only=pl.col("_c").is_null().sum(),
        ).collect()
    return {"export_s": export_s, **{k: int(v) for k, v in found.row(0, named=True).items()}}


def _duckdb(conn: Any, uri: str, sides: Sides) -> dict[str, Any]:
    import duckdb

    def dtype(sql: str) -> str:
        text = "char" in sql or sql == "text"
        return "VARCHAR" if text else sql.upper().replace("NUMERIC", "DECIMAL")

    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        paths, types, export_s = _export(conn, uri, sides, folder)
        columns = "{" + ", ".join(f"'{c}': '{dtype(t)}'" for c, t in types.items()) + "}"
        read = [f"read_csv('{p}', header = false, columns = {columns})" for p in paths]
        on = " AND ".join(f"c.{k} = d.{k}" for k in sides.key)
        differ = " OR ".join(f"c.{c} IS DISTINCT FROM d.{c}" for c in sides.compared)
        c, d = (f"{side}.{sides.key[0]} IS NULL" for side in "cd")
        kinds = [f"NOT {c} AND NOT {d} AND NOT ({differ})", f"NOT {c} AND NOT {d} AND ({differ})", d, c]
        counts = ", ".join(f"count(*) FILTER (WHERE {kind})" for kind in kinds)
        with duckdb.connect() as db:
            row = db.execute(f"SELECT {counts} FROM {read[0]} c FULL JOIN {read[1]} d ON {on}").fetchone()
    assert row is not None
    return {"export_s": export_s, **dict(zip(COUNTS, (int(n) for n in row), strict=True))}


def _reladiff(conn: Any, uri: str, sides: Sides) -> dict[str, Any]:
    import reladiff

    db = reladiff.connect({"driver": "postgresql", "dsn": uri}, thread_count=RELADIFF_THREADS, shared=False)
    options = {"key_columns": sides.key, "extra_columns": sides.compared, "where": sides.where}
    tables = [reladiff.connect_to_table(db, (s, "gl_entries"), **options) for s in sides.schemas]
    try:
        hashdiff = {"algorithm": reladiff.Algorithm.HASHDIFF, "max_threadpool_size": RELADIFF_THREADS * 2}
        with reladiff.diff_tables(*tables, **hashdiff) as diff:
            signs = [sign for sign, _ in diff]
            stats = diff.get_stats_dict()
    finally:
        db.close()
    counts = {"equal": stats["unchanged"], "different": stats["updated"]}
    counts |= {"control_only": stats["exclusive_A"], "candidate_only": stats["exclusive_B"]}
    return {**counts, "minus_rows": signs.count("-"), "plus_rows": signs.count("+")}


def floor(conn: Any, sides: Sides, runs: int = 3) -> float:
    """Reading and hashing both tables (the compared columns): the median seconds, printed with the plan."""
    columns = ", ".join(sides.compared)
    query = " UNION ALL ".join(FLOOR.format(columns, s, sides.where) for s in sides.schemas)
    plan = [row[0] for row in conn.execute("EXPLAIN " + query)]
    workers = [line.split(":")[1].strip() for line in plan if "Workers Planned" in line]
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = conn.execute(query).fetchall()
        seconds.append(time.perf_counter() - started)
    median, (setting,) = statistics.median(seconds), conn.execute(f"SHOW {GATHER}").fetchone()
    said = f"{median:.2f} s (median of {runs}; rows {' + '.join(f'{r[0]:,}' for r in rows)}; workers"
    print(
        f"floor, reading and hashing both tables: {said} planned per side: {', '.join(workers) or 'none'}",
        end="",
    )
    print(f"; {GATHER} {setting}, the server's)", flush=True)
    return median


def key_index(conn: Any, sides: Sides, create: bool = True) -> None:
    """The key of both tables under a unique index (reladiff's hashdiff queries key ranges; the
    harness skips its repeated-key pass when the index proves the key unique), or not."""
    for schema in sides.schemas:
        conn.execute(f"DROP INDEX IF EXISTS {schema}.bench_key")
        if create:
            key = ", ".join(sides.key)
            conn.execute(f"CREATE UNIQUE INDEX bench_key ON {schema}.gl_entries ({key}) NULLS NOT DISTINCT")


@contextmanager
def key_indexed(conn: Any, sides: Sides, active: bool) -> Iterator[None]:
    """The key indexed while the block runs, if active."""
    if active:
        key_index(conn, sides)
    try:
        yield
    finally:
        if active:
            key_index(conn, sides, create=False)


def time_stage1() -> list[float]:
    """comparisons.entity's run_stage1 wrapped: the seconds of each call appended to the list returned."""
    entity = importlib.import_module("comparisons.entity")
    original, spent = entity.run_stage1, []

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    vars(entity)["run_stage1"] = timed  # the name compare_entity calls
    return spent


def backend_peak_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None  # the server runs elsewhere
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return kb / 1024 if kb is not None else None


def check(method: str, measured: dict[str, Any], expected: dict[str, Any], exact: bool) -> bool:
    """Counts against the injected differences (exact: the peers', every changed row different)."""
    if exact:
        tolerated = expected["within_tolerance"]
        expected = {k: expected[k] for k in COUNTS}
        expected |= {"equal": expected["equal"] - tolerated, "different": expected["different"] + tolerated}
    wrong = [f"{k} {measured.get(k)} (injected: {v})" for k, v in expected.items() if measured.get(k) != v]
    said = f"DIFFER in {', '.join(wrong)}" if wrong else f"all equal ({', '.join(expected)})"
    if "minus_rows" in measured:
        said += f"; its diff rows: {measured['minus_rows']:,} -, {measured['plus_rows']:,} +"
    print(f"   {method} counts vs injected{' (exact equality)' if exact else ''}: {said}", flush=True)
    return not wrong


def _line(what: str, figure: str | None, met: bool) -> None:
    print(f"  {what}: " + (f"{figure}: {'MET' if met else 'NOT MET'}" if figure else "not measured"))


def _faster(size: str, measured: dict[str, Any], names: tuple[str, ...], at_least: float) -> None:
    harness = measured["harness"]["seconds"]
    for name in names:
        peer = measured.get(name, {}).get("seconds")
        ratio = peer / harness if peer else 0
        figure = f"{harness:.2f} s vs {peer:.2f} s = {ratio:.2f}x" if peer else None
        what = "faster than" if at_least == 1 else f">= {at_least:g}x faster than"
        _line(f"{size}: harness {what} {name}", figure, ratio > 1 if at_least == 1 else ratio >= at_least)


def targets(results: dict[tuple[int, str], dict[str, Any]]) -> None:
    """Issue 18's comparison targets, each with its measured figure and MET / NOT MET."""
    print("\n== issue 18 targets (wall-clock of the timed runs; ratio: the peer's seconds / the harness's)")
    for rows in (1_000_000, 10_000_000):
        scenarios = [(s, r) for (n, s), r in results.items() if n == rows and "harness" in r]
        if not scenarios:
            print(f"  {rows:,} rows/side: not measured")
        for scenario, measured in scenarios:
            size, harness = f"{rows:,} rows/side, {scenario}", measured["harness"]
            if rows == 1_000_000:
                _faster(size, measured, ("datacompy",), 10)
                _faster(size, measured, PEERS, 2)
                continue
            _line(f"{size}: harness < 30 s", f"{harness['seconds']:.2f} s", harness["seconds"] < 30)
            traced = harness["traced_mb"]
            _line(f"{size}: harness Python peak < 300 MB", f"{traced:.0f} MB traced", traced < 300)
            _faster(size, measured, PEERS, 1.0)
    for (rows, scenario), measured in results.items():
        stage1, floor_s = measured.get("harness", {}).get("stage1_s"), measured["floor"]
        ratio = stage1 / floor_s if stage1 else 0
        figure = f"{stage1:.2f} s / {floor_s:.2f} s = {ratio:.2f}x" if stage1 else None
        _line(f"{rows:,} rows/side, {scenario}: stage 1 <= 1.3x the floor", figure, ratio <= 1.3)
        if one := measured.get("one_bucket"):
            print(
                f"    the checksum pass alone, all rows in one bucket: {one:.2f} s = {one / floor_s:.2f}x the floor"
            )
