"""A whole run compared on Spark: READY for the bundled pair, and the single-server suite's
defects give the verdicts and counts engine postgres gives; the report names the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.errors import ConfigError
from reports.html import render_html
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small, variant
from tests.harness.test_two_servers import DEFECTS, _findings
from tests.helpers import invoke
from tests.spark_cluster import QUICK_CONF

pytestmark = pytest.mark.spark

QUICK = "".join(f'"{name}" = "{value}"\n' for name, value in QUICK_CONF)
SPARK = f'\n[compare]\nengine = "spark"\nspark_master = "local[2]"\nspark_partitions = 2\n[compare.spark_conf]\n{QUICK}'


def _config(tmp_path: Path, candidate: str = "enhanced", extra: str = SPARK) -> Any:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return config_with(tmp_path, candidate=candidate, extra=extra)


def test_defects_give_on_spark_the_verdicts_and_counts_of_postgres(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db)
    candidate = variant(tmp_path, "enhanced", DEFECTS, "defects")
    _, on_postgres = run(db, _config(tmp_path / "pg", candidate, ""), tmp_path / "pg", DATES[:2])
    _, on_spark = run(db, _config(tmp_path / "spark", candidate), tmp_path / "spark", DATES[:2])
    assert _findings(on_spark) == _findings(on_postgres)
    assert {v for v, _ in _findings(on_spark).values()} >= {"MISMATCH", "MATCH"}
    assert not on_spark["verdict"]["ready"]
    assert on_spark["method"]["compare"]["engine"] == "spark"
    html = render_html(on_spark)
    assert "Apache Spark at local[2], 2 JDBC partitions per side read" in html
    assert "Compared on" in html


def test_the_bundled_pair_is_ready_on_spark(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db)
    _, doc = run(db, _config(tmp_path), tmp_path, DATES[:1])
    assert doc["verdict"]["ready"], doc["verdict"]
    assert {c["verdict"] for c in doc["comparisons"]} <= {"MATCH", "ACCEPTED"}
    assert doc["method"]["compare"]["spark"]["master"] == "local[2]"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('engine = "duckdb"', "'compare.engine' must be 'postgres' or 'spark', got 'duckdb'"),
        ("spark_partitions = -1", "'compare.spark_partitions' must be a whole number >= 0, got -1"),
        ("spark_mastr = 'local'", "unknown key 'compare.spark_mastr'"),
    ],
)
def test_compare_config_mistakes_are_one_line(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        _config(tmp_path, extra=f"\n[compare]\n{extra}\n")


def test_without_java_the_run_stops_in_one_line_before_anything_runs(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_small(db)
    extra = SPARK + '"spark.harness.test" = "no-java"\n'  # settings no session was started with
    config = _config(tmp_path, extra=extra)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    out = str(tmp_path / "out")
    result = invoke(
        capsys, "run", "--dsn", db.uri, "--config", config.path, "--dates", DATES[0].isoformat(), "--out", out
    )
    assert result.code == 2
    (line,) = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert line == "error: engine spark needs Java 17: apt-get install openjdk-17-jre-headless"
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run\\_%'").fetchone() == (
            0,
        )


def test_a_missing_jdbc_driver_is_named_with_its_package() -> None:
    from comparisons.errors import EngineUnavailable
    from comparisons.spark.session import SparkSettings, check_spark

    with pytest.raises(
        EngineUnavailable,
        match=r"needs the JDBC driver /nowhere/postgresql\.jar: apt-get install libpostgresql-jdbc-java",
    ):
        check_spark(SparkSettings(jars=("/nowhere/postgresql.jar",)))


def test_a_master_that_does_not_answer_is_named_at_once() -> None:
    from comparisons.errors import EngineUnavailable
    from comparisons.spark.session import SparkSettings, check_spark

    with pytest.raises(
        EngineUnavailable,
        match=r"cannot reach the Spark master spark://127\.0\.0\.1:9: .*; check \[compare\] spark_master",
    ):
        check_spark(SparkSettings(master="spark://127.0.0.1:9"))


def test_json_on_a_side_older_than_16_is_refused_before_anything_runs(
    db: TestDatabase, pg15_db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(pg15_db)
    with pytest.raises(
        ConfigError,
        match=r"journals: engine spark checks JSON \(metadata\) .* the control's server \(PostgreSQL 15\) lacks",
    ):
        run(db, _config(tmp_path), tmp_path, DATES[:1], control_dsn=pg15_db.uri)
    for server in (db, pg15_db):
        with server.connect() as conn:
            assert conn.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run\\_%'"
            ).fetchone() == (0,)
