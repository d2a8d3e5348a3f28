"""Engine spark on a real standalone cluster: a master and one worker started from
pyspark's own ``spark-class``, executors in their own JVM and Python, reading the sides
over JDBC themselves. The differential cases give what engine postgres gives."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from comparisons.spark.engine import SparkEngine
from comparisons.spark.session import SparkSettings, stop_spark
from tests.comparisons.test_property import ENTITIES_ACCEPTED, ENTITY
from tests.comparisons.test_spark import BOOK, MUTATIONS, Engines, _same, engines  # noqa: F401

pytestmark = pytest.mark.spark


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _wait_for(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Spark {what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the Spark {what} did not listen on {port} within 60 s")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """spark://127.0.0.1:<port>, with one worker of 1 core registered."""
    work = tmp_path_factory.mktemp("spark")
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(work),
        "SPARK_WORKER_DIR": str(work),
    }
    port, worker_port = _free_port(), _free_port()
    master_url = f"spark://127.0.0.1:{port}"
    command = [str(_spark_class()), "org.apache.spark.deploy.master.Master"]
    master = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(_free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        _wait_for(port, master, "master")
        worker = subprocess.Popen(
            [
                str(_spark_class()),
                "org.apache.spark.deploy.worker.Worker",
                master_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(worker_port),
                "--webui-port",
                str(_free_port()),
                "--cores",
                "1",
                "--memory",
                "1g",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(worker_port, worker, "worker")
        yield master_url
    finally:
        stop_spark()
        for process in (worker, master):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


def test_a_standalone_cluster_counts_what_postgres_counts(engines: Engines, cluster: str) -> None:  # noqa: F811
    conf = (("spark.pyspark.python", sys.executable), ("spark.cores.max", "1"))
    engine = SparkEngine(SparkSettings(master=cluster, conf=conf, partitions=2))
    for mutation in ("a cent and two over", "a line doubled"):
        engines.load(BOOK, MUTATIONS[mutation])
        on_cluster = engines.spark(ENTITY, ENTITIES_ACCEPTED, engine=engine)
        _same(engines.postgres(ENTITY, ENTITIES_ACCEPTED), on_cluster)
    executors = engine.session.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
    assert executors >= 2  # the driver and the worker's executor: the work left this process
