"""The run document's JSON Schema (package data) and validation against it."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

SCHEMA_VERSION = 3
SCHEMA_FILE = "run-document.schema.json"


@cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the run document, as shipped with the package."""
    schema: dict[str, Any] = json.loads(files("reports").joinpath(SCHEMA_FILE).read_text("utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_document(doc: Any) -> list[str]:
    """Every way `doc` breaks the schema or its cross-references, one line each; [] if valid."""
    errors = [_describe(error) for error in _validator().iter_errors(doc)]
    return sorted(errors) or _cross_references(doc)


def _describe(error: ValidationError) -> str:
    """'$.path: message', for an alternative (anyOf) the message of the branch that nearly fit."""
    best = best_match([error])
    return f"{best.json_path}: {best.message}"


def _cross_references(doc: dict[str, Any]) -> list[str]:
    """Relations a JSON Schema cannot state: the matrix, entities and comparisons agree."""
    errors: list[str] = []
    entities = doc["entities"]
    dates = set(doc["run"]["dates"])
    cells: dict[tuple[str, str], str] = {}
    for i, row in enumerate(doc["matrix"]):
        day = row["business_date"]
        if day not in dates:
            errors.append(f"$.matrix[{i}]: date {day} is not one of run.dates")
        row_entities = [cell["entity"] for cell in row["cells"]]
        if row_entities != entities:
            errors.append(f"$.matrix[{i}]: cells {row_entities} are not the entities {entities} in order")
        cells.update({(day, cell["entity"]): cell["verdict"] for cell in row["cells"]})
    compared = {(c["business_date"], c["entity"]): c["verdict"] for c in doc["comparisons"]}
    shown = {pair for pair, verdict in cells.items() if verdict != "NOT RUN"}
    for pair in sorted(shown - compared.keys()):
        errors.append(f"$.comparisons: no comparison for {pair[0]} {pair[1]}, which the matrix shows")
    for pair in sorted(compared.keys() - cells.keys()):
        errors.append(f"$.matrix: no cell for {pair[0]} {pair[1]}, which $.comparisons holds")
    for pair in sorted(cells.keys() & compared.keys()):
        if cells[pair] != compared[pair]:
            errors.append(
                f"$.matrix: {pair[0]} {pair[1]} is {cells[pair]} but its comparison says {compared[pair]}"
            )
    return errors
