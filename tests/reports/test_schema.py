"""The run document's JSON Schema and render_json."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reports import SCHEMA_VERSION, load_schema, render_json, validate_document


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION == 3


def test_the_fixtures_are_valid(any_doc: dict[str, Any]) -> None:
    assert validate_document(any_doc) == []


def test_render_json_round_trips_and_validates(any_doc: dict[str, Any]) -> None:
    text = render_json(any_doc)
    assert text.endswith("}\n")
    loaded = json.loads(text)
    assert loaded == any_doc
    assert loaded["schema_version"] == 3
    assert validate_document(loaded) == []


def test_json_keeps_non_ascii_readable(not_ready_doc: dict[str, Any]) -> None:
    not_ready_doc["verdict"]["reasons"].append("Zürich Versicherung: Prämie")
    assert "Zürich Versicherung: Prämie" in render_json(not_ready_doc)


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "no run": (lambda d: d.pop("run"), "$: 'run' is a required property"),
    "unknown section": (
        lambda d: d.update(extra=1),
        "Additional properties are not allowed ('extra' was unexpected)",
    ),
    "bad version": (lambda d: d.update(schema_version=1), "$.schema_version: 3 was expected"),
    "bad verdict": (
        lambda d: d["matrix"][0]["cells"][0].update(verdict="OK"),
        "$.matrix[0].cells[0].verdict: 'OK' is not valid under any of the given schemas",
    ),
    "label contradicts ready": (
        lambda d: d["verdict"].update(label="READY"),
        "$.verdict.label: 'READY' is not one of ['NOT READY', 'INCOMPLETE']",
    ),
    "negative count": (
        lambda d: d["comparisons"][0]["counts"].update(equal=-1),
        "$.comparisons[0].counts.equal: -1 is less than the minimum of 0",
    ),
    "bad date": (
        lambda d: d["timings"][0].update(business_date="01/03/2024"),
        "$.timings[0].business_date: '01/03/2024' does not match",
    ),
    "short hash": (lambda d: d["run"].update(ledger_hash="abc"), "$.run.ledger_hash: 'abc' does not match"),
    "missing cell": (lambda d: d["matrix"][1]["cells"].pop(), "$.matrix[1]: cells"),
    "matrix contradicts comparison": (
        lambda d: d["matrix"][0]["cells"][0].update(verdict="MATCH"),
        "$.matrix: 2024-03-01 journals is MATCH but its comparison says ACCEPTED",
    ),
    "comparison missing": (
        lambda d: d["comparisons"].pop(),
        "$.comparisons: no comparison for 2024-03-02 export, which the matrix shows",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_document_is_reported(not_ready_doc: dict[str, Any], case: str) -> None:
    breaks, message = BROKEN[case]
    breaks(not_ready_doc)
    errors = validate_document(not_ready_doc)
    assert errors
    assert any(message in e for e in errors), errors


def test_not_even_an_object() -> None:
    assert validate_document([]) == ["$: [] is not of type 'object'"]
