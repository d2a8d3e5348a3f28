"""The run configuration: one TOML file, validated strictly (unknown keys are errors).

Sections: [source] (schema, reference and date-scoped tables), [control] and
[candidate] (the sides), [run] (execution settings), [cutover] (harness.cutover), and the
slots the comparison and gate layers read: [[entities]], [[accepted_differences]] and [gate].
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from comparisons import (
    AcceptedDifference,
    EntitySpec,
    InvariantSpec,
    parse_accepted,
    parse_entity_specs,
    parse_invariants,
)
from comparisons.errors import SpecError
from harness import source as source_tables
from harness.cutover.settings import CutoverSettings, parse_cutover
from harness.errors import ConfigError
from harness.manifest import Side, load_side

T = TypeVar("T")
DEFAULT_CONFIG = "default.toml"
SECTIONS = {
    "source",
    "control",
    "candidate",
    "run",
    "entities",
    "accepted_differences",
    "invariants",
    "gate",
    "cutover",
}
SOURCE_KEYS = {"schema", "reference_tables", "date_scoped_tables", "replay", "opening"}
OPENING_KEYS = {"table", "from_schema", "date_column"}
SIDE_KEYS = {"side"}
RUN_KEYS = {"phase_timeout", "role_isolation"}
# The job's own source tables (domain.md), used when a config has no [source] section.
DEFAULT_DATE_SCOPED = {"insurance_transaction": "business_date"}
DEFAULT_REFERENCE_TABLES = tuple(t for t in source_tables.TABLES if t not in DEFAULT_DATE_SCOPED)


@dataclass(frozen=True)
class OpeningTable:
    """Production books before the run's first date, copied into each side (harness.opening)."""

    table: str
    from_schema: str
    date_column: str


@dataclass(frozen=True)
class SourceConfig:
    schema: str
    reference_tables: tuple[str, ...]
    date_scoped_tables: dict[str, str]
    # How a date's input looked before it was processed: table -> column -> SQL expression,
    # applied to the side copies only (so dates production already processed can be replayed).
    replay: dict[str, dict[str, str]] = field(default_factory=dict)
    # Books of earlier dates copied into each side before the first date (harness.opening).
    opening: tuple[OpeningTable, ...] = ()

    @property
    def tables(self) -> tuple[str, ...]:
        return (*self.reference_tables, *self.date_scoped_tables)

    @property
    def date_table(self) -> tuple[str, str] | None:
        """(table, date column) of the first date-scoped table: the one a date's rows are counted in."""
        return next(iter(self.date_scoped_tables.items()), None)


@dataclass(frozen=True)
class Config:
    """A validated configuration and where it came from."""

    path: str
    text: str
    source: SourceConfig
    control: Side
    candidate: Side
    phase_timeout: float
    role_isolation: bool
    entities: tuple[EntitySpec, ...] = ()
    accepted_differences: tuple[AcceptedDifference, ...] = ()
    invariants: tuple[InvariantSpec, ...] = ()
    gate: dict[str, Any] = field(default_factory=dict)
    cutover: CutoverSettings = field(default_factory=CutoverSettings)

    @property
    def query_files(self) -> dict[str, str]:
        """The text of each query file the config references, by the name it gives it."""
        specs: tuple[EntitySpec | InvariantSpec, ...] = (*self.entities, *self.invariants)
        return {s.query_file: s.query for s in specs if s.query_file}

    @property
    def sha256(self) -> str:
        """Of the TOML text and of the query files it references: editing a query changes it."""
        digest = hashlib.sha256(self.text.encode())
        for name, query in sorted(self.query_files.items()):
            digest.update(b"\0" + name.encode() + b"\0" + query.encode())
        return digest.hexdigest()

    def sides(self) -> tuple[tuple[str, Side], tuple[str, Side]]:
        return (("control", self.control), ("candidate", self.candidate))


def load_config(path: Path | None = None) -> Config:
    """The configuration at ``path``, or the bundled default."""
    if path is None:
        text = files("harness").joinpath(DEFAULT_CONFIG).read_text(encoding="utf-8")
        return parse_config(text, f"<bundled {DEFAULT_CONFIG}>", base=None, queries=files("harness"))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    return parse_config(text, str(path), base=path.parent)


def parse_config(text: str, where: str, base: Path | None, queries: Traversable | None = None) -> Config:
    """``base`` resolves relative side paths; query files are relative to ``queries`` (default: base)."""
    queries = base if queries is None else queries
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from exc
    _check_keys(data, SECTIONS, where, "")
    run = _table(data, "run", where)
    _check_keys(run, RUN_KEYS, where, "run.")
    config = Config(
        path=where,
        text=text,
        source=_source(_table(data, "source", where), where),
        control=_side(data, "control", where, base),
        candidate=_side(data, "candidate", where, base),
        phase_timeout=_number(run.get("phase_timeout", 0), where, "run.phase_timeout"),
        role_isolation=_bool(run.get("role_isolation", True), where, "run.role_isolation"),
        entities=(
            entities := _parsed(
                lambda raw, at: parse_entity_specs(raw, at, queries), _tables(data, "entities", where), where
            )
        ),
        accepted_differences=_parsed(
            lambda raw, at: parse_accepted(raw, at, entities=entities),
            _tables(data, "accepted_differences", where),
            where,
        ),
        invariants=_parsed(
            lambda raw, at: parse_invariants(raw, at, queries), _tables(data, "invariants", where), where
        ),
        gate=_table(data, "gate", where),
        cutover=parse_cutover(_table(data, "cutover", where), where),
    )
    _check_derived(config.entities, config.source, where)
    return config


def _check_derived(entities: tuple[Any, ...], source: SourceConfig, where: str) -> None:
    for spec in entities:
        if spec.derived_from and spec.derived_from not in source.date_scoped_tables:
            known = ", ".join(source.date_scoped_tables) or "none"
            raise ConfigError(
                f"{where}: {spec.origin.split(': ', 1)[-1]}.derived_from names {spec.derived_from!r}, "
                f"not a date-scoped source table (known: {known})"
            )


def _parsed(
    parse: Callable[[list[dict[str, Any]], str], tuple[T, ...]], raw: list[dict[str, Any]], where: str
) -> tuple[T, ...]:
    try:
        return parse(raw, where)
    except SpecError as exc:
        raise ConfigError(str(exc)) from exc


def _check_keys(data: dict[str, Any], known: set[str], where: str, prefix: str) -> None:
    for key in data:
        if key not in known:
            hint = ", ".join(sorted(known))
            raise ConfigError(f"{where}: unknown key '{prefix}{key}' (known here: {hint})")


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table ([{key}])")
    return value


def _tables(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: '{key}' must be an array of tables ([[{key}]])")
    return value


def _source(section: dict[str, Any], where: str) -> SourceConfig:
    _check_keys(section, SOURCE_KEYS, where, "source.")
    reference = section.get("reference_tables", list(DEFAULT_REFERENCE_TABLES))
    scoped = section.get("date_scoped_tables", dict(DEFAULT_DATE_SCOPED))
    if not isinstance(reference, list) or not all(isinstance(t, str) for t in reference):
        raise ConfigError(f"{where}: 'source.reference_tables' must be a list of table names")
    if not isinstance(scoped, dict) or not all(isinstance(c, str) for c in scoped.values()):
        raise ConfigError(f"{where}: 'source.date_scoped_tables' must map table names to date columns")
    replay = _replay(section.get("replay", {}), (*reference, *scoped), where)
    opening = _opening(section.get("opening", []), where)
    return SourceConfig(str(section.get("schema", "source")), tuple(reference), dict(scoped), replay, opening)


def _opening(value: Any, where: str) -> tuple[OpeningTable, ...]:
    shape = '[{table = "voucher", from_schema = "legacy", date_column = "business_date"}, ...]'
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: 'source.opening' must be a list like {shape}")
    for item in value:
        if set(item) != OPENING_KEYS or not all(isinstance(v, str) and v for v in item.values()):
            raise ConfigError(
                f"{where}: each 'source.opening' entry takes exactly {', '.join(sorted(OPENING_KEYS))}"
            )
    return tuple(OpeningTable(v["table"], v["from_schema"], v["date_column"]) for v in value)


def _replay(value: Any, tables: tuple[str, ...], where: str) -> dict[str, dict[str, str]]:
    shape = 'a table of {table = {column = "SQL expression"}}'
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'source.replay' must be {shape}")
    for table, columns in value.items():
        if table not in tables:
            raise ConfigError(f"{where}: 'source.replay.{table}' is not one of the source tables")
        if not isinstance(columns, dict) or not all(
            isinstance(e, str) and e.strip() for e in columns.values()
        ):
            raise ConfigError(f"{where}: 'source.replay.{table}' must map columns to SQL expressions")
    return {t: dict(c) for t, c in value.items()}


def _side(data: dict[str, Any], key: str, where: str, base: Path | None) -> Side:
    section = _table(data, key, where)
    _check_keys(section, SIDE_KEYS, where, f"{key}.")
    if "side" not in section or not isinstance(section["side"], str):
        raise ConfigError(f"{where}: '{key}.side' must name a bundled side or a manifest directory")
    name = section["side"]
    if base is not None and ("/" in name or name.startswith(".")):
        name = str((base / name).resolve())
    return load_side(name)


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{where}: '{key}' must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false, got {value!r}")
    return value
