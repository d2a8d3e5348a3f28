"""Entity specs: what one compared output is, as data in the config ([[entities]]).

An entity is a query over one side's tables (unqualified, ``:business_date`` for the date;
inline as ``query`` or in a .sql file as ``query_file``, relative to the config file), a
business key, and per-column rules. Every column the query returns is compared except
the key (joined on), ``ignore`` (surrogate ids, timestamps) and ``context`` (extracted to
group differences into patterns, e.g. txn_type, ledger). ``lineage`` names the key or
context columns whose values other entities share (``{transaction = "txn_reference"}``), so
differences that trace back to one cause are reported together (harness.root_causes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from importlib.resources.abc import Traversable
from typing import Any

from sqlglot import exp

from comparisons import values
from comparisons.qualify import parse_query

ENTITY_KEYS = (
    "name",
    "query",
    "query_file",
    "key",
    "ignore",
    "context",
    "numeric",
    "tolerances",
    "normalizers",
    "minor_unit_decimals",
    "derived_from",
    "lineage",
    "type_differences",
    "partition_column",
)
TYPE_DIFFERENCES = ("report", "fail")
DEFAULT_MINOR_UNIT_DECIMALS = 2


class Normalizer(StrEnum):
    """How a text column is normalized before comparing (in the hash and in pandas)."""

    JSON = "json"  # parsed JSON; text that does not parse is an invalid_json difference
    TRIM = "trim"  # leading and trailing blanks (space, tab, CR, LF, VT, FF) removed
    CASEFOLD = "casefold"  # case-insensitive


@dataclass(frozen=True)
class EntitySpec:
    """One compared output; see the module docstring."""

    name: str
    query: str
    key: tuple[str, ...]
    ignore: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    tolerances: dict[str, int] = field(default_factory=dict)
    normalizers: dict[str, Normalizer] = field(default_factory=dict)
    minor_unit_decimals: int = DEFAULT_MINOR_UNIT_DECIMALS
    origin: str = ""  # where it was defined, e.g. "harness.toml: entities[2]", for messages
    query_file: str = ""  # the file query was read from, as the config names it ("" inline)
    # The date-scoped input table this output is made from: input rows but no output on
    # either side is NO_OUTPUT, never a match ("" when the entity may rightly be empty).
    derived_from: str = ""
    # lineage name -> the key or context column holding its value, e.g. {"transaction":
    # "txn_reference"}; in order upstream first (a GL line's transaction flows to its voucher)
    lineage: dict[str, str] = field(default_factory=dict)
    # A column whose type differs between the sides (text vs varchar(400)) is reported
    # beside the verdict, or with "fail" makes the entity a MISMATCH.
    type_differences: str = "report"
    # engine spark: the column (integer, date or timestamp) its JDBC reads are partitioned on;
    # "" derives it from the key (comparisons.spark.reads)
    partition_column: str = ""

    @property
    def parsed(self) -> exp.Query:
        return parse_query(self.query)

    def tolerance(self, column: str) -> Decimal:
        """The column's absolute tolerance in its own units (0 when exact)."""
        minor_units = self.tolerances.get(column, 0)
        return Decimal(minor_units).scaleb(-self.minor_unit_decimals)

    def is_number(self, column: str) -> bool:
        return column in self.numeric or column in self.tolerances


def parse_entity_specs(
    raw: list[dict[str, Any]], where: str, base: Traversable | None = None
) -> tuple[EntitySpec, ...]:
    """The [[entities]] tables of the config at ``where``, validated; ``base`` is the
    directory a ``query_file`` is relative to (the config file's)."""
    places = [values.Where(where, f"entities[{i}]") for i in range(len(raw))]
    specs = tuple(_entity(data, place, base) for data, place in zip(raw, places, strict=True))
    values.unique((s.name for s in specs), places, "name")
    return specs


def _entity(data: dict[str, Any], where: values.Where, base: Traversable | None) -> EntitySpec:
    if not isinstance(data, dict):
        raise where.whole("must be a table")
    values.check_keys(data, ENTITY_KEYS, where, required=("name",))
    query, query_file = values.query(data, where, base)
    key = values.names(data, "key", where, required=True)
    lists = {name: values.names(data, name, where) for name in ("ignore", "context", "numeric")}
    decimals = data.get("minor_unit_decimals", DEFAULT_MINOR_UNIT_DECIMALS)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 12:
        raise where.error("minor_unit_decimals", f"must be a whole number from 0 to 12, got {decimals!r}")
    spec = EntitySpec(
        name=values.text(data, "name", where),
        query=query,
        key=key,
        ignore=lists["ignore"],
        context=lists["context"],
        numeric=lists["numeric"],
        tolerances=_tolerances(values.mapping(data, "tolerances", where), where),
        normalizers=_normalizers(values.mapping(data, "normalizers", where), where),
        minor_unit_decimals=decimals,
        origin=str(where),
        query_file=query_file,
        derived_from=values.text(data, "derived_from", where) if "derived_from" in data else "",
        lineage=_lineage(data.get("lineage", {}), where),
        type_differences=_type_differences(data.get("type_differences", "report"), where),
        partition_column=values.text(data, "partition_column", where) if "partition_column" in data else "",
    )
    _check_roles(spec, where)
    _check_lineage(spec, where)
    return spec


def _type_differences(raw: Any, where: values.Where) -> str:
    if raw not in TYPE_DIFFERENCES:
        raise where.error("type_differences", f'must be "report" or "fail", got {raw!r}')
    return str(raw)


def _lineage(raw: Any, where: values.Where) -> dict[str, str]:
    example = 'e.g. { transaction = "txn_reference" }'
    if not isinstance(raw, dict):
        raise where.error("lineage", f"must be a table {{lineage name = column}}, {example}, got {raw!r}")
    for name, column in raw.items():
        if not name.strip():
            raise where.error("lineage", f"has an empty lineage name; name it, {example}")
        if not isinstance(column, str) or not column:
            raise where.error(f"lineage.{name}", f"must name one column, {example}, got {column!r}")
    return dict(raw)


def _check_lineage(spec: EntitySpec, where: values.Where) -> None:
    """A lineage column is a key or context column: its value is in every sample."""
    for name, column in spec.lineage.items():
        if column not in spec.key and column not in spec.context:
            raise where.error(
                f"lineage.{name}",
                f"names {column!r}, which is not a key or context column; add it to context "
                "(a lineage value must be in every sample)",
            )


def _tolerances(raw: dict[str, Any], where: values.Where) -> dict[str, int]:
    for column, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise where.error(
                f"tolerances.{column}",
                f"must be a whole number of minor units (e.g. 1 for 0.01), got {value!r}",
            )
    return dict(raw)


def _normalizers(raw: dict[str, Any], where: values.Where) -> dict[str, Normalizer]:
    known = ", ".join(f'"{n.value}"' for n in Normalizer)
    parsed: dict[str, Normalizer] = {}
    for column, value in raw.items():
        if value not in {n.value for n in Normalizer}:
            raise where.error(f"normalizers.{column}", f"must be one of {known}, got {value!r}")
        parsed[column] = Normalizer(value)
    return parsed


def _check_roles(spec: EntitySpec, where: values.Where) -> None:
    """A column has one role: key, ignored, context or compared (with at most one rule)."""
    roles = {"key": spec.key, "ignore": spec.ignore, "context": spec.context}
    for name, columns in roles.items():
        for other, other_columns in roles.items():
            if name < other and (both := sorted(set(columns) & set(other_columns))):
                raise where.error(other, f"repeats {both[0]!r} from {name}; a column has one role")
    not_compared = set(spec.key) | set(spec.ignore) | set(spec.context)
    rules: dict[str, list[str]] = {
        "numeric": list(spec.numeric),
        "tolerances": list(spec.tolerances),
        "normalizers": list(spec.normalizers),
    }
    for rule, named in rules.items():
        for column in named:
            if column in not_compared:
                raise where.error(
                    f"{rule}", f"names {column!r}, which is not compared (key, ignore or context)"
                )
    for column in spec.normalizers:
        if spec.is_number(column):
            raise where.error(
                f"normalizers.{column}", "conflicts with numeric/tolerances: a column is a number or text"
            )
