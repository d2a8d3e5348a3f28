"""Accepted differences: parsed from the config, applied after stage 2, summarized per run."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib.resources import files
from typing import Any

import pytest

from comparisons import (
    AcceptedDifference,
    EntityQueryError,
    SpecError,
    Verdict,
    parse_accepted,
    summarize_accepted,
)
from tests.comparisons.conftest import GL_SPEC, JOURNAL_SPEC, JSON_DEFECT, TODAY, Pair, accepted, spec


def test_the_json_defect_is_accepted_and_the_rest_is_not(journal_pair: Pair) -> None:
    result = journal_pair.compare(spec(**JOURNAL_SPEC), accepted(JSON_DEFECT)).to_dict()
    assert result["verdict"] == "MISMATCH"  # J3 differs for real
    assert (result["counts"]["accepted"], result["counts"]["unexplained"]) == (2, 1)
    assert result["accepted"] == {"legacy-json-escaping": 2}
    assert [(p["kind"], p["context"], p["accepted_by"]) for p in result["patterns"]] == [
        ("different", {"ledger": "IE1", "txn_type": "CLAIM_PAYMENT"}, None),
        ("invalid_json", {"ledger": "UK1", "txn_type": "NEW_BUSINESS"}, "legacy-json-escaping"),
        ("invalid_json", {"ledger": "UK1", "txn_type": "RENEWAL"}, "legacy-json-escaping"),
    ]
    # unexplained rows are sampled first
    assert [s["accepted_by"] for s in result["samples"]] == [
        None,
        "legacy-json-escaping",
        "legacy-json-escaping",
    ]


def test_all_differences_accepted_is_accepted(journal_pair: Pair) -> None:
    journal_pair.on(
        journal_pair.candidate,
        """UPDATE journal SET metadata = '{"name": "Bob"}' WHERE txn_reference = 'J3'""",
    )
    result = journal_pair.compare(spec(**JOURNAL_SPEC), accepted(JSON_DEFECT))
    assert result.verdict is Verdict.ACCEPTED
    assert (result.counts.different, result.counts.accepted, result.counts.unexplained) == (2, 2, 0)


def test_an_expired_entry_covers_nothing(journal_pair: Pair) -> None:
    entry = accepted({**JSON_DEFECT, "expires": date(2024, 1, 31)})
    result = journal_pair.compare(spec(**JOURNAL_SPEC), entry, today=date(2024, 2, 1)).to_dict()
    assert result["accepted"] == {"legacy-json-escaping": 0}
    assert (result["counts"]["accepted"], result["counts"]["unexplained"]) == (0, 3)
    assert summarize_accepted(entry, [result], today=date(2024, 2, 1))[0]["status"] == "expired"


def test_an_entry_is_valid_through_its_expiry_date(journal_pair: Pair) -> None:
    entry = accepted({**JSON_DEFECT, "expires": date(2024, 1, 31)})
    result = journal_pair.compare(spec(**JOURNAL_SPEC), entry, today=date(2024, 1, 31))
    assert result.counts.accepted == 2


def test_a_row_is_covered_only_if_all_its_differing_columns_are_listed(pair: Pair) -> None:
    """k=1 differs in a and b; an entry for column a alone does not cover it."""
    pair.both("CREATE TABLE t (k int, a int, b int); INSERT INTO t VALUES (1, 1, 1), (2, 2, 2)")
    pair.on(pair.candidate, "UPDATE t SET a = a + 1, b = b + CASE k WHEN 1 THEN 1 ELSE 0 END")
    entries = accepted({"id": "a-only", "entity": "t", "columns": ["a"], "keys": [["1"], ["2"]]})
    result = pair.compare(spec(name="t", query="SELECT * FROM t", key=["k"]), entries)
    assert result.to_dict()["accepted"] == {"a-only": 1}
    assert [s.key["k"] for s in result.samples if s.accepted_by is None] == ["1"]


def test_where_predicate_over_the_pair(gl_pair: Pair) -> None:
    """Accept base_amount rises of exactly 5.00: covers TX-1/1, not TX-2/2 (+0.02)."""
    entry = accepted(
        {
            "id": "fx-uplift",
            "entity": "gl",
            "columns": ["base_amount"],
            "where": "candidate.base_amount::numeric - control.base_amount::numeric = 5",
        }
    )
    result = gl_pair.compare(spec(**GL_SPEC), entry)
    assert result.to_dict()["accepted"] == {"fx-uplift": 1}
    assert (result.counts.accepted, result.counts.unexplained) == (1, 4)


def test_missing_and_duplicate_rows_need_all_columns(gl_pair: Pair) -> None:
    """keys entries with columns ["*"] cover a missing row, a duplicate key; TX-2/2 listed with a
    column it does not differ in stays unexplained."""
    entries = accepted(
        {"id": "gone", "entity": "gl", "columns": ["*"], "keys": [["TX-3", 1], ["TX-4", "1"], ["TX-9", 1]]},
        {"id": "narrow", "entity": "gl", "columns": ["txn_amount"], "keys": [["TX-2", 2]]},
        {"id": "all-missing", "entity": "gl", "columns": ["base_amount"], "keys": [["TX-3", 1]]},
    )
    result = gl_pair.compare(spec(**GL_SPEC), entries).to_dict()
    assert result["accepted"] == {"gone": 3, "narrow": 0, "all-missing": 0}
    assert (result["counts"]["accepted"], result["counts"]["unexplained"]) == (3, 2)


def test_entries_of_other_entities_are_not_reported(gl_pair: Pair) -> None:
    result = gl_pair.compare(spec(**GL_SPEC), accepted(JSON_DEFECT))
    assert result.to_dict()["accepted"] == {}


def test_summary_over_a_run_active_stale_expired(journal_pair: Pair) -> None:
    entries = accepted(
        JSON_DEFECT,
        {"id": "never-used", "entity": "journals", "columns": ["description"], "keys": [["J9"]]},
        {
            "id": "old",
            "entity": "journals",
            "columns": ["metadata"],
            "when": "candidate_invalid_json",
            "expires": date(2025, 1, 1),
        },
    )
    day = journal_pair.compare(spec(**JOURNAL_SPEC), entries).to_dict()
    assert day["accepted"] == {"legacy-json-escaping": 2, "never-used": 0, "old": 0}
    summary = summarize_accepted(entries, [day, day], today=TODAY)
    assert [(s["id"], s["rows_covered"], s["status"]) for s in summary] == [
        ("legacy-json-escaping", 4, "active"),
        ("never-used", 0, "stale"),
        ("old", 0, "expired"),
    ]
    assert list(summary[0]) == [
        "id",
        "entity",
        "columns",
        "reason",
        "approved_by",
        "ticket",
        "expires",
        "expect",
        "rows_covered",
        "rows_unmet",
        "status",
    ]
    assert summary[0]["expires"] == "2027-06-30"


BASE: dict[str, Any] = {
    "id": "x",
    "entity": "journals",
    "columns": ["metadata"],
    "when": "control_invalid_json",
    "reason": "r",
    "approved_by": "a",
    "ticket": "T",
    "expires": date(2027, 1, 1),
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"expires": "2027-01-01"},
            "accepted_differences[0].expires must be a TOML date such as 2027-06-30 (no quotes), "
            "got '2027-01-01'",
        ),
        (
            {"where": "control.a = 1"},
            "accepted_differences[0] must have exactly one condition among when, where, keys "
            "(has: when, where)",
        ),
        (
            {"when": "sometimes"},
            "accepted_differences[0].when must be one of 'control_invalid_json', "
            "'candidate_invalid_json', got 'sometimes'",
        ),
        ({"approved_by": ""}, "accepted_differences[0].approved_by must be a non-empty string, got ''"),
        (
            {"owner": "me"},
            "accepted_differences[0].owner is not a known key (known here: approved_by, columns, "
            "entity, expect, expires, id, keys, reason, ticket, when, where)",
        ),
        ({"columns": []}, "accepted_differences[0].columns must name at least one column"),
    ],
    ids=["expires-string", "two-conditions", "bad-when", "empty-approver", "unknown-key", "no-columns"],
)
def test_bad_entries_are_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_accepted([{**BASE, **change}], "harness.toml")
    assert str(raised.value) == f"harness.toml: {message}"


def test_where_must_be_one_predicate_over_control_and_candidate() -> None:
    base = {k: v for k, v in BASE.items() if k != "when"}
    with pytest.raises(
        SpecError, match=r"where must qualify every column as control.<col> or candidate.<col>: amount"
    ):
        parse_accepted([{**base, "where": "amount > 1"}], "harness.toml")
    with pytest.raises(SpecError, match=r"where must be a single predicate"):
        parse_accepted([{**base, "where": "true; DROP TABLE x"}], "harness.toml")


def test_ids_are_unique_and_entities_and_key_sizes_checked() -> None:
    with pytest.raises(SpecError, match=r"accepted_differences\[1\].id 'x' is used twice"):
        parse_accepted([BASE, BASE], "harness.toml")
    journals = spec(**JOURNAL_SPEC)
    with pytest.raises(
        SpecError, match=r"accepted_differences\[0\].entity names no \[\[entities\]\] entry: 'gl'"
    ):
        parse_accepted([{**BASE, "entity": "gl"}], "harness.toml", entities=[journals])
    keyed = {k: v for k, v in BASE.items() if k != "when"} | {"keys": [["J1", 2]]}
    with pytest.raises(SpecError, match=r"keys must give 1 values per key \(txn_reference\)"):
        parse_accepted([keyed], "harness.toml", entities=[journals])


def _bundled_entry() -> tuple[AcceptedDifference, ...]:
    config = tomllib.loads(files("harness").joinpath("default.toml").read_text(encoding="utf-8"))
    return parse_accepted(config["accepted_differences"], "default.toml")


LEGACY = """'{"policy_number": "' || p || '", "policyholder": "' || h || '", "txn_type": "' || t
           || '", "description": "' || d || '"}'"""


def test_the_bundled_escaping_entry_accepts_the_defect_and_nothing_else(pair: Pair) -> None:
    """R1 is the defect alone (accepted); R2 also carries a wrong holder and R3 an extra key
    on the candidate: both are in the entry's scope (legacy text invalid, metadata the only
    differing column) but do not meet its expectation, so they stay unexplained."""
    rows = """(VALUES ('R1', 'P1', 'O"Brien', 'NEW', 'a'), ('R2', 'P2', 'O"Brien', 'NEW', 'b'),
                      ('R3', 'P3', 'back\\slash', 'NEW', 'c'), ('R4', 'P4', 'Plain', 'NEW', 'd'))
              AS v(r, p, h, t, d)"""
    pair.on(pair.control, f"CREATE TABLE j AS SELECT r, {LEGACY} AS metadata FROM {rows}")
    candidate = f"""CREATE TABLE j AS SELECT r, jsonb_build_object('policy_number', p,
        'policyholder', CASE r WHEN 'R2' THEN 'O"Brian' ELSE h END, 'txn_type', t, 'description', d)
        || CASE r WHEN 'R3' THEN '{{"extra": 1}}'::jsonb ELSE '{{}}'::jsonb END AS metadata FROM {rows}"""
    pair.on(pair.candidate, candidate)
    entity = spec(name="journals", query="SELECT * FROM j", key=["r"], normalizers={"metadata": "json"})
    result = pair.compare(entity, _bundled_entry())
    assert (result.counts.equal, result.counts.different, result.counts.invalid_json) == (1, 3, 3)
    assert (result.counts.accepted, result.counts.unexplained) == (1, 2)
    assert result.to_dict()["expectation_unmet"] == {"legacy-json-escaping": 2}
    unexplained = sorted(s.key["r"] for s in result.samples if s.accepted_by is None)
    assert unexplained == ["R2", "R3"]
    summary = summarize_accepted(_bundled_entry(), [result.to_dict()], today=TODAY)
    assert (summary[0]["rows_covered"], summary[0]["rows_unmet"]) == (1, 2)


def test_without_expect_the_same_entry_would_hide_the_wrong_holder(pair: Pair) -> None:
    """The control for the test above: the entry minus its expect covers all three rows."""
    rows = "(VALUES ('R2', 'P2', 'O\"Brien', 'NEW', 'b')) AS v(r, p, h, t, d)"
    pair.on(pair.control, f"CREATE TABLE j AS SELECT r, {LEGACY} AS metadata FROM {rows}")
    pair.on(
        pair.candidate,
        f"""CREATE TABLE j AS SELECT r, jsonb_build_object('policy_number', p, 'policyholder',
            'O"Brian', 'txn_type', t, 'description', d) AS metadata FROM {rows}""",
    )
    entity = spec(name="journals", query="SELECT * FROM j", key=["r"], normalizers={"metadata": "json"})
    loose = accepted(
        {"id": "loose", "entity": "journals", "columns": ["metadata"], "when": "control_invalid_json"}
    )
    assert pair.compare(entity, loose).counts.unexplained == 0
    assert pair.compare(entity, _bundled_entry()).counts.unexplained == 1


def test_expect_that_fails_in_sql_is_named(journal_pair: Pair) -> None:
    entry = accepted({**JSON_DEFECT, "expect": "candidate.metadata::int = 1"})
    with pytest.raises(EntityQueryError, match="accepted difference 'legacy-json-escaping' failed in SQL"):
        journal_pair.compare(spec(**JOURNAL_SPEC), entry)
