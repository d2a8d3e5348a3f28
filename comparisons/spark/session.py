"""The Spark session of the ``spark`` engine: what it needs, started once per process.

pyspark comes from the ``spark`` extra; Java 17 and the JDBC drivers from the operating
system (Debian: ``openjdk-17-jre-headless``, ``libpostgresql-jdbc-java`` and, for servers
listening on a Unix socket only, like the embedded one, ``libjunixsocket-java``).
Starting a JVM costs seconds, so one session is kept per process and settings.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from comparisons.errors import EngineUnavailable

JARS = ("/usr/share/java/postgresql.jar", "/usr/share/java/junixsocket-common.jar")
DEFAULT_MASTER = "local[*]"
MASTER_TIMEOUT = 5.0
SECRET = re.compile(r"secret|password|token|credential|key", re.IGNORECASE)  # Spark's redaction, wider


@dataclass(frozen=True)
class SparkSettings:
    """``[compare]`` of engine spark: the master, conf passed through, partitions per side read."""

    master: str = DEFAULT_MASTER
    conf: tuple[tuple[str, str], ...] = ()
    partitions: int = 0  # JDBC partitions per side; 0: the session's default parallelism
    jars: tuple[str, ...] = field(default=JARS)

    def to_dict(self) -> dict[str, Any]:
        """As recorded with the run: a setting whose name says it holds a secret is redacted."""
        conf = {name: "<redacted>" if SECRET.search(name) else value for name, value in self.conf}
        return {"master": self.master, "conf": conf, "partitions": self.partitions}


def check_spark(settings: SparkSettings) -> None:
    """Raise EngineUnavailable, with what to install, when the engine cannot start here."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineUnavailable(
            "engine spark needs pyspark: pip install 'parallel-run-harness[spark]'"
        ) from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise EngineUnavailable("engine spark needs Java 17: apt-get install openjdk-17-jre-headless")
    _check_master(settings.master)
    missing = [jar for jar in settings.jars if not Path(jar).is_file()]
    if missing:
        raise EngineUnavailable(
            f"engine spark needs the JDBC driver {missing[0]}: "
            "apt-get install libpostgresql-jdbc-java libjunixsocket-java"
        )


def _check_master(master: str) -> None:
    """A standalone master (spark://host:port, or several) answers, or one line saying so: Spark
    itself retries for a minute, then fails without naming the master."""
    if not master.startswith("spark://"):
        return
    for address in master.removeprefix("spark://").split(","):
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=MASTER_TIMEOUT).close()
            return
        except (OSError, ValueError) as exc:
            reason = exc.strerror or str(exc) if isinstance(exc, OSError) else "not host:port"
    raise EngineUnavailable(f"cannot reach the Spark master {master}: {reason}; check [compare] spark_master")


_SESSION: dict[SparkSettings, Any] = {}


def spark_session(settings: SparkSettings) -> Any:
    """The process's Spark session for ``settings`` (another one's is stopped first)."""
    if settings in _SESSION:
        return _SESSION[settings]
    check_spark(settings)
    stop_spark()
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(settings.master)
        .appName("parallel-run-harness")
        .config("spark.jars", ",".join(settings.jars))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
    )
    for name, value in settings.conf:
        builder = builder.config(name, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM's own failure, raised by py4j as many types
        raise EngineUnavailable(f"Spark did not start on {settings.master}: {reason(exc)}") from exc
    session.sparkContext.setLogLevel("ERROR")
    _SESSION[settings] = session
    return session


def stop_spark() -> None:
    for session in _SESSION.values():
        session.stop()
    _SESSION.clear()


def reason(exc: BaseException) -> str:
    """The first line of what Spark or the JVM said: py4j's own first line only names the call."""
    java = getattr(exc, "java_exception", None)
    text = str(java.toString()) if java is not None else str(exc)
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__


atexit.register(stop_spark)
