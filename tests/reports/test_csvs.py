"""CSV evidence of the sampled mismatches, one samples file per entity with sampled rows."""

from __future__ import annotations

import csv
import io
from typing import Any

from reports import render_mismatch_csvs
from reports.csvs import csv_name, differing_entities, samples_name


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_one_file_per_entity_with_sampled_rows(any_doc: dict[str, Any]) -> None:
    sampled = {c["entity"] for c in any_doc["comparisons"] if c["samples"]}
    files = render_mismatch_csvs(any_doc)
    assert list(files) == [f"{e}.samples.csv" for e in any_doc["entities"] if e in sampled]


def test_files_in_entity_order(not_ready_doc: dict[str, Any]) -> None:
    assert list(render_mismatch_csvs(not_ready_doc)) == ["journals.samples.csv", "gl_entries.samples.csv"]


def test_examined_mismatches_with_both_sides(not_ready_doc: dict[str, Any]) -> None:
    table = rows(render_mismatch_csvs(not_ready_doc)["gl_entries.samples.csv"])
    assert table[0] == [
        "business_date",
        "entity",
        "txn_reference",
        "line_no",
        "kind",
        "differing",
        "accepted_by",
        "control_account_code",
        "candidate_account_code",
        "control_currency",
        "candidate_currency",
        "control_amount",
        "candidate_amount",
        "control_base_amount",
        "candidate_base_amount",
        "control_description",
        "candidate_description",
    ]
    assert len(table) == 4
    assert table[1][:7] == [
        "2024-03-02",
        "gl_entries",
        "TX-20240302-001204",
        "2",
        "different",
        "base_amount",
        "",
    ]
    assert table[1][13:15] == ["693.75", "693.76"]
    assert table[3][4] == "control_only" and table[3][8] == ""


def test_null_and_empty_string_stay_distinct(not_ready_doc: dict[str, Any]) -> None:
    text = render_mismatch_csvs(not_ready_doc)["gl_entries.samples.csv"]
    last = text.splitlines()[3]
    assert last.startswith('"2024-03-02","gl_entries","TX-20240302-001990","1","control_only","",,')
    assert ',"JPY",,' in last  # the candidate has no row: NULL, unquoted


def test_quotes_in_values(not_ready_doc: dict[str, Any]) -> None:
    table = rows(render_mismatch_csvs(not_ready_doc)["journals.samples.csv"])
    assert table[1][table[0].index("control_metadata")] == '{"policyholder":"Acme "Marine" Ltd"}'
    assert table[1][table[0].index("accepted_by")] == "legacy-json-escaping"


def test_an_entity_without_sampled_rows_has_no_file(ready_doc: dict[str, Any]) -> None:
    assert list(render_mismatch_csvs(ready_doc)) == ["journals.samples.csv"]


def test_file_names() -> None:
    assert csv_name("gl entries") == "gl_entries.csv"
    assert samples_name("gl entries") == "gl_entries.samples.csv"


def test_differing_entities_count_accepted_and_unexplained_keys(not_ready_doc: dict[str, Any]) -> None:
    assert differing_entities(not_ready_doc) == ["journals", "gl_entries"]


def test_a_failed_comparison_has_no_differing_keys(failed_doc: dict[str, Any]) -> None:
    failed_doc["comparisons"] = [c for c in failed_doc["comparisons"] if c["verdict"] == "FAILED"]
    assert failed_doc["comparisons"] and all(c["counts"] is None for c in failed_doc["comparisons"])
    assert differing_entities(failed_doc) == []
