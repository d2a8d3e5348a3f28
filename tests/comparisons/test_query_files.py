"""query_file: an entity's or invariant's query in a .sql file relative to the config file,
read when the config is loaded and covered by the config's hash."""

from __future__ import annotations

import hashlib
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from comparisons import SpecError, parse_entity_specs, parse_invariants
from harness.config import load_config
from harness.errors import ConfigError
from tests.helpers import BUNDLED_SOURCE

QUERY = "SELECT * FROM gl WHERE business_date = :business_date\n"
ENTITY: dict[str, Any] = {"name": "gl", "query_file": "queries/gl.sql", "key": ["k"]}
SIDES = BUNDLED_SOURCE + '[control]\nside = "bundled:legacy"\n[candidate]\nside = "bundled:enhanced"\n'


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "gl.sql").write_text(QUERY, encoding="utf-8")
    (tmp_path / "queries" / "holds.sql").write_text("SELECT 0 AS violations, '' AS detail\n")
    return tmp_path


def test_a_query_file_is_read_relative_to_the_config_directory(config_dir: Path) -> None:
    (entity,) = parse_entity_specs([ENTITY], "h.toml", config_dir)
    assert (entity.query, entity.query_file) == (QUERY, "queries/gl.sql")
    raw = [{"name": "holds", "query_file": "queries/holds.sql"}]
    (invariant,) = parse_invariants(raw, "h.toml", config_dir)
    assert (invariant.query_file, invariant.origin) == ("queries/holds.sql", "h.toml: invariants[0]")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"query": "SELECT 1"},
            "h.toml: entities[0].query_file cannot be given with query; give one of them",
        ),
        (
            {"query_file": "queries/missing.sql"},
            "h.toml: entities[0].query_file cannot read {dir}/queries/missing.sql: No such file or directory",
        ),
        ({"query_file": ""}, "h.toml: entities[0].query_file must be a non-empty string, got ''"),
        (
            {"query_file": "queries/empty.sql"},
            "h.toml: entities[0].query_file {dir}/queries/empty.sql is empty",
        ),
        (
            {"query_file": "queries/delete.sql"},
            "h.toml: entities[0].query_file 'queries/delete.sql' must be exactly one SELECT query",
        ),
    ],
    ids=["both-given", "missing-file", "empty-name", "empty-file", "not-select"],
)
def test_bad_query_files_are_named(config_dir: Path, change: dict[str, Any], message: str) -> None:
    (config_dir / "queries" / "empty.sql").write_text("\n  \n")
    (config_dir / "queries" / "delete.sql").write_text("DELETE FROM gl")
    with pytest.raises(SpecError) as raised:
        parse_entity_specs([{**ENTITY, **change}], "h.toml", config_dir)
    assert str(raised.value) == message.format(dir=config_dir)


def test_an_invariant_with_both_or_neither_is_named(config_dir: Path) -> None:
    both = {"name": "n", "query": "SELECT 0, ''", "query_file": "queries/holds.sql"}
    with pytest.raises(SpecError, match=r"^h.toml: invariants\[0\].query_file cannot be given with query"):
        parse_invariants([both], "h.toml", config_dir)
    with pytest.raises(SpecError, match=r"^h.toml: invariants\[0\].query is required \(or query_file"):
        parse_invariants([{"name": "n"}], "h.toml", config_dir)


def test_a_query_file_needs_a_config_directory() -> None:
    with pytest.raises(SpecError) as raised:
        parse_entity_specs([ENTITY], "h.toml")
    assert str(raised.value) == (
        "h.toml: entities[0].query_file 'queries/gl.sql' has no config file to be relative to; use query"
    )


def test_a_missing_query_file_is_a_config_error(config_dir: Path) -> None:
    path = config_dir / "harness.toml"
    path.write_text(SIDES + '[[entities]]\nname = "gl"\nquery_file = "queries/nope.sql"\nkey = ["k"]\n')
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == (
        f"{path}: entities[0].query_file cannot read {config_dir}/queries/nope.sql: No such file or directory"
    )


def test_the_config_hash_covers_its_query_files(config_dir: Path) -> None:
    path = config_dir / "harness.toml"
    path.write_text(
        SIDES + '[[entities]]\nname = "gl"\nquery_file = "queries/gl.sql"\nkey = ["k"]\n'
        '[[invariants]]\nname = "holds"\nquery_file = "queries/holds.sql"\n'
    )
    before = load_config(path)
    assert before.query_files == {
        "queries/gl.sql": QUERY,
        "queries/holds.sql": "SELECT 0 AS violations, '' AS detail\n",
    }
    (config_dir / "queries" / "gl.sql").write_text(QUERY.replace("SELECT *", "SELECT k"))
    after = load_config(path)
    assert after.text == before.text and after.sha256 != before.sha256


def test_a_config_without_query_files_hashes_as_its_text(tmp_path: Path) -> None:
    """Inline queries only: the hash is the TOML text's, as before query_file existed."""
    path = tmp_path / "harness.toml"
    path.write_text(SIDES + '[[entities]]\nname = "gl"\nquery = "SELECT 1 AS k"\nkey = ["k"]\n')
    config = load_config(path)
    assert config.query_files == {}
    assert config.sha256 == hashlib.sha256(config.text.encode()).hexdigest()


def test_the_bundled_config_keeps_every_query_in_a_packaged_file() -> None:
    data = tomllib.loads(files("harness").joinpath("default.toml").read_text(encoding="utf-8"))
    assert not any("query" in t for t in [*data["entities"], *data["invariants"]])
    config = load_config()
    assert len(config.query_files) == len(config.entities) + len(config.invariants) + len(config.cases) == 21
    for name, text in config.query_files.items():
        assert name.startswith("queries/") and name.endswith(".sql")
        assert files("harness").joinpath(name).read_text(encoding="utf-8") == text
