"""Entity specs from the config: strict parsing, one-line messages naming file and key."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest
from sqlglot import exp

from comparisons import (
    EntitySpec,
    Normalizer,
    SpecError,
    parse_accepted,
    parse_entity_specs,
    parse_invariants,
)
from comparisons.qualify import parse_query

OK: dict[str, Any] = {
    "name": "gl",
    "query": "SELECT * FROM gl WHERE business_date = :business_date",
    "key": ["k"],
}


HARNESS = files("harness")  # the bundled config's directory: its query files are relative to it


def bundled() -> dict[str, Any]:
    return tomllib.loads(HARNESS.joinpath("default.toml").read_text(encoding="utf-8"))


def test_a_full_spec_parses() -> None:
    raw = {
        **OK,
        "ignore": ["id"],
        "context": ["txn_type"],
        "numeric": ["amount_text"],
        "tolerances": {"base_amount": 1},
        "normalizers": {"metadata": "json"},
    }
    (entity,) = parse_entity_specs([raw], "harness.toml")
    assert entity == EntitySpec(
        name="gl",
        query=OK["query"],
        key=("k",),
        ignore=("id",),
        context=("txn_type",),
        numeric=("amount_text",),
        tolerances={"base_amount": 1},
        normalizers={"metadata": Normalizer.JSON},
        origin="harness.toml: entities[0]",
    )
    assert entity.tolerance("base_amount") == Decimal("0.01")
    assert entity.is_number("base_amount") and entity.is_number("amount_text") and not entity.is_number("k")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"tolerances": {"base_amount": 0.5}},
            "entities[1].tolerances.base_amount must be a whole number of minor units "
            "(e.g. 1 for 0.01), got 0.5",
        ),
        (
            {"tolerances": {"base_amount": -1}},
            "entities[1].tolerances.base_amount must be a whole number of minor units "
            "(e.g. 1 for 0.01), got -1",
        ),
        (
            {"normalizers": {"metadata": "yaml"}},
            'entities[1].normalizers.metadata must be one of "json", "trim", "casefold", got \'yaml\'',
        ),
        (
            {"keys": ["k"]},
            "entities[1].keys is not a known key (known here: context, derived_from, ignore, key, "
            "lineage, minor_unit_decimals, name, normalizers, numeric, partition_column, query, query_file, tolerances, type_differences)",
        ),
        ({"key": []}, "entities[1].key must name at least one column"),
        ({"key": "k"}, "entities[1].key must be a list of column names, got 'k'"),
        ({"ignore": ["k"]}, "entities[1].key repeats 'k' from ignore; a column has one role"),
        (
            {"tolerances": {"k": 1}},
            "entities[1].tolerances names 'k', which is not compared (key, ignore or context)",
        ),
        (
            {"numeric": ["m"], "normalizers": {"m": "trim"}},
            "entities[1].normalizers.m conflicts with numeric/tolerances: a column is a number or text",
        ),
        ({"query": "DELETE FROM gl"}, "entities[1].query must be exactly one SELECT query"),
        (
            {"query": "SELECT * FROM gl WHERE d = :day"},
            "entities[1].query may only use the placeholder :business_date, not :day",
        ),
        ({"name": "gl"}, "entities[1].name 'gl' is used twice; names must be unique"),
        (
            {"lineage": "k"},
            "entities[1].lineage must be a table {lineage name = column}, "
            "e.g. { transaction = \"txn_reference\" }, got 'k'",
        ),
        (
            {"lineage": {"transaction": ["k"]}},
            'entities[1].lineage.transaction must name one column, e.g. { transaction = "txn_reference" }, '
            "got ['k']",
        ),
        (
            {"lineage": {" ": "k"}},
            'entities[1].lineage has an empty lineage name; name it, e.g. { transaction = "txn_reference" }',
        ),
        (
            {"lineage": {"transaction": "txn_reference"}},
            "entities[1].lineage.transaction names 'txn_reference', which is not a key or context column; "
            "add it to context (a lineage value must be in every sample)",
        ),
    ],
    ids=[
        "fractional-tolerance",
        "negative-tolerance",
        "bad-normalizer",
        "unknown-key",
        "empty-key",
        "key-not-list",
        "key-ignored",
        "tolerance-on-key",
        "number-and-text",
        "not-select",
        "other-placeholder",
        "duplicate-name",
        "lineage-not-table",
        "lineage-column-not-text",
        "lineage-empty-name",
        "lineage-column-compared",
    ],
)
def test_bad_values_are_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_entity_specs([OK, {**OK, "name": "other", **change}], "harness.toml")
    assert str(raised.value) == f"harness.toml: {message}"


def test_missing_required_keys_are_named() -> None:
    with pytest.raises(SpecError) as raised:
        parse_entity_specs([{"name": "x", "key": ["k"]}], "harness.toml")
    assert str(raised.value) == (
        "harness.toml: entities[0].query is required (or query_file, a .sql file relative to the config)"
    )


def test_invariants_parse_strictly() -> None:
    (inv,) = parse_invariants([{"name": "n", "query": "SELECT 0, ''"}], "h.toml")
    assert (inv.name, inv.origin) == ("n", "h.toml: invariants[0]")
    with pytest.raises(SpecError, match=r"^h.toml: invariants\[0\].severity is not a known key"):
        parse_invariants([{"name": "n", "query": "SELECT 0, ''", "severity": "high"}], "h.toml")


def test_the_bundled_config_describes_seven_entities_one_accepted_defect_five_invariants() -> None:
    data = bundled()
    entities = parse_entity_specs(data["entities"], "default.toml", HARNESS)
    assert [e.name for e in entities] == [
        "journals",
        "gl_entries",
        "vouchers",
        "voucher_lines",
        "journal_errors",
        "transaction_status",
        "export",
    ]
    (defect,) = parse_accepted(data["accepted_differences"], "default.toml", entities=entities)
    assert (defect.id, defect.entity, defect.columns, defect.when) == (
        "legacy-json-escaping",
        "journals",
        ("metadata",),
        "control_invalid_json",
    )
    assert defect.expires.year == 2027 and "domain.md" in defect.reason
    assert len(parse_invariants(data["invariants"], "default.toml", HARNESS)) == 5


def test_the_bundled_lineage_connects_transactions_to_their_vouchers_and_the_export() -> None:
    entities = parse_entity_specs(bundled()["entities"], "default.toml", HARNESS)
    assert {e.name: e.lineage for e in entities} == {
        "journals": {"transaction": "txn_reference"},
        "gl_entries": {"transaction": "txn_reference", "voucher": "voucher_number"},
        "vouchers": {"voucher": "voucher_number"},
        "voucher_lines": {"voucher": "voucher_number"},
        "journal_errors": {"transaction": "txn_reference"},
        "transaction_status": {"transaction": "txn_reference"},
        "export": {"voucher": "TransactionReference"},
    }


SIDE_TABLES = {
    "sun_journal",
    "gl_entries",
    "journal_error",
    "voucher",
    "voucher_line",
    "insurance_transaction",
    "policy",
    "harness_export_rows",
}


def test_bundled_queries_read_only_the_sides_tables_and_never_key_on_surrogates() -> None:
    data = bundled()
    for entity in parse_entity_specs(data["entities"], "default.toml", HARNESS):
        tables = {t.name for t in entity.parsed.find_all(exp.Table)}
        assert tables <= SIDE_TABLES, entity.name
        assert not any(k.endswith("_id") for k in entity.key), entity.name
    for invariant in parse_invariants(data["invariants"], "default.toml", HARNESS):
        parsed = parse_query(invariant.query)
        ctes = {c.alias for c in parsed.find_all(exp.CTE)}
        assert {t.name for t in parsed.find_all(exp.Table)} - ctes <= SIDE_TABLES, invariant.name
        assert parsed.find(exp.Placeholder) is not None, invariant.name
