"""``[compare]``: how the sides are compared; which engine, and with sides apart, how.

[compare]
engine = "spark"              # "postgres" (default) or "spark" (comparisons.spark)
spark_master = "local[*]"     # spark://host:7077, yarn, k8s://...
spark_partitions = 8          # JDBC partitions per side read; 0: Spark's parallelism
transfer = "hashes"           # sides on two servers, engine postgres: hashes or bisect

[compare.spark_conf]          # passed to Spark as given
"spark.executor.memory" = "4g"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import comparisons.errors
from comparisons import EntitySpec
from comparisons.expressions import needs_json_function
from comparisons.spark.reads import unsupported_json
from comparisons.spark.session import DEFAULT_MASTER, SparkSettings, spark_session
from comparisons.spec import Normalizer
from harness.database import Database
from harness.errors import ConfigError, EngineUnavailable
from harness.servers import TRANSFERS
from harness.source_config import check_keys

COMPARE_KEYS = {"transfer", "engine", "spark_master", "spark_partitions", "spark_conf"}
ENGINES = ("postgres", "spark")


@dataclass(frozen=True)
class CompareSettings:
    engine: str = "postgres"
    transfer: str = "hashes"
    spark: SparkSettings = field(default_factory=SparkSettings)

    def engine_note(self) -> str:
        """What the run's first line adds about the engine ("" for PostgreSQL's)."""
        return f"; compared on Spark at {self.spark.master}" if self.engine == "spark" else ""

    def to_dict(self) -> dict[str, Any]:
        described: dict[str, Any] = {"engine": self.engine, "transfer": self.transfer}
        if self.engine == "spark":
            described["spark"] = self.spark.to_dict()
        return described


def start_engine(compare: CompareSettings) -> None:
    """Engine spark started before anything runs: what is missing, or a master that does not
    answer, is one line before the sides run, not a FAILED comparison after."""
    if compare.engine != "spark":
        return
    try:
        spark_session(compare.spark)
    except comparisons.errors.EngineUnavailable as exc:
        raise EngineUnavailable(str(exc)) from exc


def check_engine_servers(
    compare: CompareSettings, entities: Sequence[EntitySpec], sides: Sequence[Database]
) -> None:
    """Engine spark's one refusal, before the sides run: JSON normalized on a side's server
    older than PostgreSQL 16 (comparisons.spark.reads)."""
    json = [(e.name, c) for e in entities for c, n in e.normalizers.items() if n is Normalizer.JSON]
    if compare.engine != "spark" or not json:
        return
    for label, database in zip(("control", "candidate"), sides, strict=True):
        with database.connect() as conn:
            version = conn.info.server_version
        if needs_json_function(version):
            raise ConfigError(f"{json[0][0]}: {unsupported_json(json[0][1], label, version)}")


def parse_compare(section: dict[str, Any], where: str) -> CompareSettings:
    check_keys(section, COMPARE_KEYS, where, "compare.")
    engine = _one_of(section, "engine", ENGINES, where)
    transfer = _one_of(section, "transfer", TRANSFERS, where)
    return CompareSettings(engine, transfer, _spark(section, where))


def _one_of(section: dict[str, Any], key: str, known: tuple[str, ...], where: str) -> str:
    value = section.get(key, known[0])
    if value not in known:
        listed = " or ".join(repr(k) for k in known)
        raise ConfigError(f"{where}: 'compare.{key}' must be {listed}, got {value!r}")
    return str(value)


def _spark(section: dict[str, Any], where: str) -> SparkSettings:
    master = section.get("spark_master", DEFAULT_MASTER)
    if not isinstance(master, str) or not master.strip():
        raise ConfigError(f"{where}: 'compare.spark_master' must be a Spark master URL, got {master!r}")
    parts = section.get("spark_partitions", 0)
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 0:
        raise ConfigError(f"{where}: 'compare.spark_partitions' must be a whole number >= 0, got {parts!r}")
    conf = section.get("spark_conf", {})
    if not isinstance(conf, dict) or not all(isinstance(v, str | int | float | bool) for v in conf.values()):
        raise ConfigError(f"{where}: 'compare.spark_conf' must be a table of Spark settings (name = value)")
    pairs = tuple(
        sorted((str(k), str(v).lower() if isinstance(v, bool) else str(v)) for k, v in conf.items())
    )
    return SparkSettings(master=master.strip(), conf=pairs, partitions=parts)


def _conf_value(value: str | int | float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
