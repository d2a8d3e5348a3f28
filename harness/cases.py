"""Business cases ([[cases]]): what a date's input exercised, declared as SQL over the source.

A case is a query over the source tables, unqualified, with ``:business_date``, returning
a column ``unit`` (the value of the case's lineage, a transaction's reference for the
bundled pair) and optionally ``cell`` (the case's subdivision, e.g. a transaction type; a
case without one has a single cell named after it). The run counts each cell's units per
date and whether all their rows matched (harness.coverage); the gate can require a case or
a cell to be exercised before READY ([gate] require_cases).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

from sqlglot import exp

from comparisons import EntitySpec, values
from comparisons.qualify import parse_query, referenced_tables

CASE_KEYS = ("name", "description", "query", "query_file", "lineage")
UNIT, CELL = "unit", "cell"
DEFAULT_LINEAGE = "transaction"


@dataclass(frozen=True)
class CaseSpec:
    name: str
    query: str
    lineage: str = DEFAULT_LINEAGE
    description: str = ""
    query_file: str = ""  # the file query was read from, as the config names it ("" inline)
    has_cell: bool = False  # the query returns a ``cell`` column

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "lineage": self.lineage}


def parse_cases(
    raw: list[dict[str, Any]],
    where: str,
    base: Traversable | None,
    entities: Sequence[EntitySpec],
    source_tables: Sequence[str],
) -> tuple[CaseSpec, ...]:
    """The [[cases]] of the config at ``where``: each reads source tables only and follows a
    lineage some entity keys on (else no difference could ever be traced to its units)."""
    places = [values.Where(where, f"cases[{i}]") for i in range(len(raw))]
    specs = tuple(
        _case(data, place, base, entities, source_tables) for data, place in zip(raw, places, strict=True)
    )
    values.unique((s.name for s in specs), places, "name")
    return specs


def _case(
    data: dict[str, Any],
    where: values.Where,
    base: Traversable | None,
    entities: Sequence[EntitySpec],
    source_tables: Sequence[str],
) -> CaseSpec:
    if not isinstance(data, dict):
        raise where.whole("must be a table")
    values.check_keys(data, CASE_KEYS, where, required=("name",))
    query, query_file = values.query(data, where, base)
    parsed = parse_query(query)
    outputs = set(parsed.named_selects)
    if UNIT not in outputs:
        raise where.error(
            "query", f"must return a column named {UNIT!r} (the lineage value, e.g. txn_reference AS unit)"
        )
    _only_plain_tables(parsed, where)
    unknown = [t for t in referenced_tables(parsed) if t not in source_tables]
    if unknown:
        raise where.error(
            "query", f"reads {unknown[0]!r}, not a source table (known: {', '.join(source_tables)})"
        )
    lineage = values.text(data, "lineage", where) if "lineage" in data else DEFAULT_LINEAGE
    if not keyed_on(entities, lineage):
        raise where.error("lineage", f"{lineage!r} is not the lineage of any entity's key column")
    return CaseSpec(
        name=values.text(data, "name", where),
        query=query,
        lineage=lineage,
        description=values.text(data, "description", where) if "description" in data else "",
        query_file=query_file,
        has_cell=CELL in outputs,
    )


def _only_plain_tables(query: exp.Query, where: values.Where) -> None:
    """A case reads the source's tables by their bare names: it runs on the harness's own
    connection, which may read far more than the source (the ledger, other runs' schemas)."""
    for table in query.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise where.error("query", f"reads a table function ({table.sql()}); read the source tables only")
        if table.args.get("db"):
            raise where.error(
                "query",
                f"reads {table.sql()}; name the source tables unqualified (they are read from [source])",
            )


def keyed_on(entities: Sequence[EntitySpec], lineage: str) -> dict[str, int]:
    """Entity -> the position in its key of the column holding ``lineage`` (entities that key
    on it only: their recorded differing keys tell which units differ)."""
    found = {}
    for spec in entities:
        column = spec.lineage.get(lineage)
        if column in spec.key:
            found[spec.name] = list(spec.key).index(column)
    return found
