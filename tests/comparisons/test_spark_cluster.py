"""Engine spark on a real standalone cluster: a master and one worker started from
pyspark's own ``spark-class``, executors in their own JVM and Python, reading the sides
over JDBC themselves. The differential cases give what engine postgres gives."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from comparisons.spark.engine import SparkEngine
from comparisons.spark.session import SparkSettings, stop_spark
from tests.comparisons.test_property import ENTITIES_ACCEPTED, ENTITY
from tests.comparisons.test_spark import BOOK, MUTATIONS, Engines, _same, engines  # noqa: F401
from tests.spark_cluster import QUICK_CONF, start_cluster

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """spark://127.0.0.1:<port>, with one worker of 1 core registered."""
    started = start_cluster(tmp_path_factory.mktemp("spark"))
    try:
        yield started.url
    finally:
        stop_spark()
        started.stop()


def test_a_standalone_cluster_counts_what_postgres_counts(engines: Engines, cluster: str) -> None:  # noqa: F811
    conf = (("spark.pyspark.python", sys.executable), ("spark.cores.max", "1"), *QUICK_CONF)
    engine = SparkEngine(SparkSettings(master=cluster, conf=conf, partitions=2))
    for mutation in ("every defect",):
        engines.load(BOOK, MUTATIONS[mutation])
        on_cluster = engines.spark(ENTITY, ENTITIES_ACCEPTED, engine=engine)
        _same(engines.postgres(ENTITY, ENTITIES_ACCEPTED), on_cluster)
    executors = engine.session.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
    assert executors >= 2  # the driver and the worker's executor: the work left this process
