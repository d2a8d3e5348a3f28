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
from comparisons.export import TABLE as EXPORT_TABLE
from comparisons.qualify import referenced_tables
from harness.cases import CaseSpec, parse_cases
from harness.compare_config import CompareSettings, parse_compare
from harness.cutover.settings import CutoverSettings, parse_cutover
from harness.errors import ConfigError
from harness.manifest import Side, resolve_side
from harness.servers import ServerRef, parse_server
from harness.source_config import SourceConfig, check_keys, parse_source

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
    "report",
    "cases",
    "compare",
}
REPORT_KEYS = {"invariants", "regression_factor"}
SIDE_KEYS = {"side", "dsn", "dsn_env"}
RUN_KEYS = {"phase_timeout", "role_isolation", "repeat", "calibrated"}
BUNDLED_WHERE = f"<bundled {DEFAULT_CONFIG}>"
SERVER_SECTIONS = ("source", "control", "candidate")


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
    # timed executions of each side per date: repeat - 1 rolled back, then the recorded one
    repeat: int = 1
    # calibration runs (harness calibrate) whose measured noise the ignores are checked against
    calibrated: tuple[str, ...] = ()
    entities: tuple[EntitySpec, ...] = ()
    accepted_differences: tuple[AcceptedDifference, ...] = ()
    invariants: tuple[InvariantSpec, ...] = ()
    # the business cases whose coverage each date records (harness.cases, harness.coverage)
    cases: tuple[CaseSpec, ...] = ()
    gate: dict[str, Any] = field(default_factory=dict)
    cutover: CutoverSettings = field(default_factory=CutoverSettings)
    # What the report calls the [[invariants]] ("accounting invariants" for the bundled pair).
    invariants_title: str = "invariants"
    # the report's trend flags a date more than this many times slower than the median before it
    regression_factor: float = 1.5
    # each part's server as the config names it (harness.servers): source, control, candidate
    servers: dict[str, ServerRef] = field(default_factory=dict)
    # [compare]: the engine, and how sides on two servers are compared (harness.compare_config)
    compare: CompareSettings = field(default_factory=CompareSettings)

    @property
    def transfer(self) -> str:
        return self.compare.transfer

    @property
    def bundled(self) -> bool:
        """The harness's own insurance configuration: the only one its hints may assume."""
        return self.path == BUNDLED_WHERE

    def source_hint(self, first: object = None, last: object = None) -> str:
        """What to do about a missing or empty source, in this configuration's own terms."""
        if self.bundled:
            dates = f" --from {first} --to {last}" if first and last else ""
            return f"seed it first (harness seed{dates}) or use --demo"
        return (
            f"load the tables [source] declares into schema {self.source.schema!r} first (harness "
            f"source load FILE.sql|DIR --schema {self.source.schema}), or fix [source] in {self.path}"
        )

    @property
    def query_files(self) -> dict[str, str]:
        """The text of each query file the config references, by the name it gives it."""
        specs: tuple[EntitySpec | InvariantSpec | CaseSpec, ...] = (
            *self.entities,
            *self.invariants,
            *self.cases,
        )
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
        return parse_config(text, BUNDLED_WHERE, base=None, queries=files("harness"))
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
    check_keys(data, SECTIONS, where, "")
    run, report = _table(data, "run", where), _table(data, "report", where)
    check_keys(run, RUN_KEYS, where, "run.")
    check_keys(report, REPORT_KEYS, where, "report.")
    config = Config(
        path=where,
        text=text,
        source=(source := parse_source(_table(data, "source", where), where)),
        control=_side(data, "control", where, base),
        candidate=_side(data, "candidate", where, base),
        phase_timeout=_number(run.get("phase_timeout", 0), where, "run.phase_timeout"),
        role_isolation=_bool(run.get("role_isolation", True), where, "run.role_isolation"),
        repeat=_repeat(run.get("repeat", 1), where),
        calibrated=_run_ids(run.get("calibrated", []), where),
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
        cases=_parsed(
            lambda raw, at: parse_cases(raw, at, queries, entities, source.tables),
            _tables(data, "cases", where),
            where,
        ),
        gate=_table(data, "gate", where),
        cutover=parse_cutover(_table(data, "cutover", where), where),
        invariants_title=_title(report.get("invariants", "invariants"), where),
        regression_factor=_factor(report.get("regression_factor", 1.5), where),
        servers={name: parse_server(_table(data, name, where), where, name) for name in SERVER_SECTIONS},
        compare=parse_compare(_table(data, "compare", where), where),
    )
    _check_derived(config.entities, config.source, where)
    _check_exports(config, where)
    return config


def _check_exports(config: Config, where: str) -> None:
    """An entity over the exported files needs both sides to export: a side without an
    [export] could otherwise fill that table itself and pass for files it never wrote."""
    readers = [s.name for s in config.entities if EXPORT_TABLE in referenced_tables(s.parsed)]
    for label, side in config.sides():
        if readers and side.export is None:
            raise ConfigError(
                f"{where}: entity {readers[0]!r} compares the exported files ({EXPORT_TABLE}), "
                f"but the {label} ({side.name}) declares no [export] in its manifest"
            )


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


def _title(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: 'report.invariants' must be a non-empty name, got {value!r}")
    return value.strip()


def _factor(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 < value < float("inf"):
        raise ConfigError(f"{where}: 'report.regression_factor' must be a number above 1, got {value!r}")
    return float(value)


def _side(data: dict[str, Any], key: str, where: str, base: Path | None) -> Side:
    section = _table(data, key, where)
    check_keys(section, SIDE_KEYS, where, f"{key}.")
    if "side" not in section or not isinstance(section["side"], str) or not section["side"]:
        raise ConfigError(
            f"{where}: '{key}.side' must name a manifest directory (relative to the config) "
            "or a bundled side (bundled:legacy, bundled:enhanced)"
        )
    return resolve_side(section["side"], base, f"{where}: '{key}.side'")


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{where}: '{key}' must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _repeat(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise ConfigError(f"{where}: 'run.repeat' must be a whole number from 1 to 50, got {value!r}")
    return value


def _run_ids(value: Any, where: str) -> tuple[str, ...]:
    ids = [value] if isinstance(value, str) else value
    if not isinstance(ids, list) or not all(isinstance(v, str) and v.strip() for v in ids):
        raise ConfigError(
            f"{where}: 'run.calibrated' must be a run id or a list of them (harness history), got {value!r}"
        )
    return tuple(v.strip() for v in ids)


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false, got {value!r}")
    return value
