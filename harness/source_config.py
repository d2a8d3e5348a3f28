"""The [source] section of the configuration: the input both sides read, and its unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import ConfigError

SOURCE_KEYS = {
    "schema",
    "reference_tables",
    "date_scoped_tables",
    "replay",
    "opening",
    "unit",
    "dsn",
    "dsn_env",
}
UNIT_KEYS = {"table", "label"}
OPENING_KEYS = {"table", "from_schema", "date_column"}


@dataclass(frozen=True)
class Unit:
    """The unit of work a date's input is counted in: rows of one date-scoped table."""

    table: str
    label: str  # plural, as people say it: "transactions", "payroll requests"

    def to_dict(self) -> dict[str, str]:
        return {"table": self.table, "label": self.label}


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
    # What a date's input is counted in (report, metrics, the NO_DATA rule); None: per date only.
    unit: Unit | None = None

    @property
    def input_tables(self) -> list[str]:
        """Where a date's input is looked for: the unit's table, else every date-scoped one."""
        return [self.unit.table] if self.unit else list(self.date_scoped_tables)

    @property
    def tables(self) -> tuple[str, ...]:
        return (*self.reference_tables, *self.date_scoped_tables)

    @property
    def date_table(self) -> tuple[str, str] | None:
        """(table, date column) of the first date-scoped table: the one a date's rows are counted in."""
        return next(iter(self.date_scoped_tables.items()), None)


def check_keys(data: dict[str, Any], known: set[str], where: str, prefix: str) -> None:
    for key in data:
        if key not in known:
            hint = ", ".join(sorted(known))
            raise ConfigError(f"{where}: unknown key '{prefix}{key}' (known here: {hint})")


def parse_source(section: dict[str, Any], where: str) -> SourceConfig:
    check_keys(section, SOURCE_KEYS, where, "source.")
    if "reference_tables" not in section and "date_scoped_tables" not in section:
        raise ConfigError(
            f'{where}: [source] declares no tables: add date_scoped_tables = {{ <table> = "<date column>" }} '
            '(copied for the run\'s dates) and/or reference_tables = ["<table>", ...] (copied whole)'
        )
    reference = section.get("reference_tables", [])
    scoped = section.get("date_scoped_tables", {})
    if not isinstance(reference, list) or not all(isinstance(t, str) for t in reference):
        raise ConfigError(f"{where}: 'source.reference_tables' must be a list of table names")
    if not isinstance(scoped, dict) or not all(isinstance(c, str) for c in scoped.values()):
        raise ConfigError(f"{where}: 'source.date_scoped_tables' must map table names to date columns")
    replay = _replay(section.get("replay", {}), (*reference, *scoped), where)
    opening = _opening(section.get("opening", []), where)
    unit = _unit(section.get("unit"), scoped, where)
    schema = str(section.get("schema", "source"))
    return SourceConfig(schema, tuple(reference), dict(scoped), replay, opening, unit)


def _unit(value: Any, scoped: dict[str, str], where: str) -> Unit | None:
    if value is None:
        return None
    shape = '{ table = "<a date-scoped table>", label = "<what its rows are, plural>" }'
    if (
        not isinstance(value, dict)
        or set(value) != UNIT_KEYS
        or not all(isinstance(v, str) and v.strip() for v in value.values())
    ):
        raise ConfigError(f"{where}: 'source.unit' must be {shape}")
    if value["table"] not in scoped:
        known = ", ".join(scoped) or "none"
        raise ConfigError(
            f"{where}: 'source.unit.table' names {value['table']!r}, not a date-scoped table (known: {known})"
        )
    return Unit(value["table"], value["label"].strip())


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
