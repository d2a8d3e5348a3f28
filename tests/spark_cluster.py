"""A standalone Spark cluster on this machine: a master and workers started from pyspark's
own ``spark-class``, for the tests and benchmarks of engine spark."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

START_SECONDS = 60
# For the tests' tiny tables: no code generation or adaptive planning to pay for, the JIT's
# quick tier only (about a fifth off each comparison here). Not defaults: books are not tiny.
QUICK_CONF = (
    ("spark.sql.codegen.wholeStage", "false"),
    ("spark.sql.adaptive.enabled", "false"),
    ("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1"),
)


@dataclass
class Cluster:
    url: str  # spark://127.0.0.1:<port>
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spark_class() -> str:
    import pyspark

    return str(Path(pyspark.__file__).parent / "bin" / "spark-class")


def _wait_for(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Spark {what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the Spark {what} did not listen on {port} within {START_SECONDS} s")


def _start(cluster: Cluster, what: str, port: int, arguments: list[str], work: Path) -> None:
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(work),
        "SPARK_WORKER_DIR": str(work),
    }
    command = [_spark_class(), *arguments, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--webui-port", str(free_port())]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cluster.processes.append(process)
    _wait_for(port, process, what)


def start_cluster(work: Path, workers: int = 1, cores: int = 1, memory: str = "1g") -> Cluster:
    """A master and ``workers`` workers of ``cores`` cores each, registered and listening."""
    port = free_port()
    cluster = Cluster(f"spark://127.0.0.1:{port}")
    try:
        _start(cluster, "master", port, ["org.apache.spark.deploy.master.Master"], work)
        for _ in range(workers):
            worker = [
                "org.apache.spark.deploy.worker.Worker",
                cluster.url,
                "--cores",
                str(cores),
                "--memory",
                memory,
            ]
            _start(cluster, "worker", free_port(), worker, work)
    except BaseException:
        cluster.stop()
        raise
    return cluster
