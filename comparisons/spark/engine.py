"""The ``spark`` engine: stage 1 of every entity on Spark, the rest as across two servers.

Spark reads both sides over JDBC in partitions (comparisons.spark.reads), each of its
sessions in the snapshot the harness's reader session of that side exported, computes
every row's digest and settles the keys (comparisons.spark.stage1). The unsettled keys'
rows are then fetched from the sides into the comparison's session and compared exactly,
with the same tolerances, normalizers and accepted differences as on one server; the
examined keys' detail runs through datacompy's SparkSQLCompare (comparisons.detail).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from comparisons.connection import Connection
from comparisons.errors import EntityQueryError
from comparisons.plan import Plan
from comparisons.qualify import render
from comparisons.spark.jdbc import jdbc_side
from comparisons.spark.reads import (
    PART,
    Partitioning,
    partition_expression,
    partition_name,
    partitioning,
    side_read,
)
from comparisons.spark.session import SparkSettings, reason, spark_session
from comparisons.spark.stage1 import Stage1Counts, per_key
from comparisons.work import key_alias

Progress = Callable[[str], None]
POLL_SECONDS = 1.0


@dataclass
class SparkEngine:
    """Compares on Spark with ``settings``; ``progress`` hears the stages done / total."""

    settings: SparkSettings = field(default_factory=SparkSettings)
    progress: Progress | None = None

    @property
    def session(self) -> Any:
        return spark_session(self.settings)

    def settle(
        self,
        sides: tuple[Connection, Connection],
        plan: Plan,
        queries: tuple[Any, Any],
        types: tuple[dict[str, int], dict[str, int]],
        partition_column: str,
        entity: str,
        seed: str,
    ) -> Stage1Counts:
        """Stage 1 over ``sides`` (each in a REPEATABLE READ transaction, which it exports)."""
        spark = self.session
        parts = self.settings.partitions or spark.sparkContext.defaultParallelism
        agreed = {n: t for n, t in types[0].items() if types[1].get(n) == t}
        name = partition_name(plan, partition_column, agreed)
        part = partition_expression(plan, name, agreed, parts)
        reads = tuple(
            side_read(plan, query, side, conn.info.server_version, part)
            for side, (conn, query) in enumerate(zip(sides, queries, strict=True))
        )
        bounds = partitioning(sides, (reads[0], reads[1]), not name, parts)
        token = uuid.uuid4().hex[:10]
        views = (f"harness_{token}_control", f"harness_{token}_candidate")
        try:
            for conn, read, view in zip(sides, reads, views, strict=True):
                _register(spark, conn, read, bounds, view)
            with self._reporting(entity, token):
                return _run(spark, plan, views, seed)
        except EntityQueryError:
            raise
        except Exception as exc:  # py4j and Spark raise their own types for a failed read or job
            raise EntityQueryError(f"{entity}: the comparison on Spark failed: {reason(exc)}") from exc
        finally:
            for view in views:
                spark.catalog.dropTempView(view)

    @contextmanager
    def _reporting(self, entity: str, group: str) -> Iterator[None]:
        """Spark's stages done / total of this entity's jobs, every second, to ``progress``."""
        context = self.session.sparkContext
        context.setJobGroup(group, f"harness stage 1: {entity}")
        done = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(context, entity, group, done), daemon=True)
        if self.progress is not None:
            watcher.start()
        try:
            yield
        finally:
            done.set()
            if watcher.is_alive():
                watcher.join()

    def _watch(self, context: Any, entity: str, group: str, done: threading.Event) -> None:
        tracker = context.statusTracker()
        while not done.wait(POLL_SECONDS):
            stages = [
                tracker.getStageInfo(stage)
                for job in tracker.getJobIdsForGroup(group)
                if (info := tracker.getJobInfo(job)) is not None
                for stage in info.stageIds
            ]
            known = [s for s in stages if s is not None]
            finished = sum(1 for s in known if s.numTasks and s.numCompletedTasks == s.numTasks)
            tasks = sum(s.numCompletedTasks for s in known), sum(s.numTasks for s in known)
            if self.progress is not None and known:
                self.progress(
                    f"{entity}: Spark stages {finished}/{len(stages)} done, tasks {tasks[0]}/{tasks[1]}"
                )


def _register(spark: Any, conn: Connection, read: Any, bounds: Partitioning, view: str) -> None:
    """The side's rows as Spark view ``view``: JDBC reads in ``bounds``' partitions, each in the
    snapshot ``conn`` exports now."""
    snapshot = str(conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()[0])  # type: ignore[index]
    reader = spark.read.format("jdbc").options(**jdbc_side(conn, snapshot).options())
    reader = reader.option("dbtable", f"({render(read)}) AS r").option("partitionColumn", PART)
    reader = reader.option("lowerBound", bounds.lower).option("upperBound", bounds.upper)
    reader.option("numPartitions", bounds.parts).load().createOrReplaceTempView(view)


def _run(spark: Any, plan: Plan, views: tuple[str, str], seed: str) -> Stage1Counts:
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    keys = [key_alias(i) for i in range(len(plan.key))]
    totals = Observation("harness_stage1")
    rows = spark.sql(per_key(plan, views, seed)).observe(
        totals,
        F.sum(F.col("settled").cast("long")).alias("equal"),
        F.sum("n0").alias("n0"),
        F.sum("n1").alias("n1"),
    )
    unsettled = [tuple(r) for r in rows.where("NOT settled").select(*keys).collect()]
    found = totals.get
    equal = int(found.get("equal") or 0)
    return Stage1Counts(int(found.get("n0") or 0), int(found.get("n1") or 0), equal, unsettled)
