"""Coverage of the business cases: cells counted on hand-built input, judged by the run's
differing keys, checked against what the job itself did, and required by the gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from harness.config import load_config
from harness.coverage_doc import coverage
from harness.errors import ConfigError
from harness.gate import DEFAULT_POLICY, evaluate, load_policy
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small, variant
from tests.helpers import invoke

# After everything else, the candidate adds a cent to the first GL line of TX-HAND-1 only.
ONE_TRANSACTION_CHANGED = """
UPDATE gl_entries SET txn_amount = txn_amount + 0.01
WHERE business_date = %(business_date)s AND txn_reference = 'TX-HAND-1' AND line_no = 1
"""
HAND_BUILT = """
INSERT INTO source.insurance_transaction
    (txn_id, txn_reference, business_date, policy_id, txn_type, currency, gross_amount, description)
SELECT 900000 + n, 'TX-HAND-' || n, DATE '2024-03-01', CASE WHEN n = 4 THEN -1 ELSE p.policy_id END,
       t.txn_type, p.currency, t.gross, 'hand-built'
FROM (VALUES (1, 'NEW_BUSINESS', 100.00), (2, 'CANCELLATION', -50.00), (3, 'NEW_BUSINESS', 0.00),
             (4, 'NEW_BUSINESS', 20.00), (5, 'CLAIM_PAYMENT', 10.00)) AS t (n, txn_type, gross),
     (SELECT p.policy_id, p.currency FROM source.policy AS p
      JOIN source.ledger AS l ON l.ledger_code = p.ledger_code AND l.base_currency = p.currency
      ORDER BY p.policy_id LIMIT 1) AS p
"""


def cells(doc: dict[str, Any], case: str) -> dict[str, tuple[int, int, str]]:
    found = next(c for c in doc["coverage"]["cases"] if c["name"] == case)
    return {c["cell"]: (c["units"], c["differing"], c["status"]) for c in found["cells"]}


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory: pytest.TempPathFactory, module_db: TestDatabase) -> dict[str, Any]:
    """One date of five hand-built transactions; the candidate changes one of them."""
    tmp_path = tmp_path_factory.mktemp("coverage")
    seed_small(module_db, per_day=5)
    with module_db.connect() as conn:
        conn.execute("DELETE FROM source.insurance_transaction WHERE business_date = '2024-03-01'")
        conn.execute(HAND_BUILT)
    candidate = variant(tmp_path, "enhanced", ONE_TRANSACTION_CHANGED, "one_changed")
    _, doc = run(module_db, config_with(tmp_path, candidate=candidate), tmp_path, DATES[:1])
    return doc


def test_cells_count_the_hand_built_transactions_and_mark_the_one_that_differs(
    hand_built: dict[str, Any],
) -> None:
    assert cells(hand_built, "validation") == {
        "accepted": (3, 1, "differs"),
        "NO_POLICY": (1, 0, "matched"),
        "ZERO_AMOUNT": (1, 0, "matched"),
    }
    assert cells(hand_built, "amount") == {
        "negative": (1, 0, "matched"),
        "positive": (3, 1, "differs"),
        "zero": (1, 0, "matched"),
    }
    case = next(c for c in hand_built["coverage"]["cases"] if c["name"] == "amount")
    assert (case["units"], case["status"]) == (5, "differs")
    assert hand_built["verdict"]["label"] == "NOT READY"


PERCENT_CASE = """
[[cases]]
name = "50% new business"
query = "SELECT txn_reference AS unit FROM insurance_transaction WHERE txn_type LIKE 'NEW%' AND business_date = :business_date"
"""
# After everything else, the candidate records a rejection of a transaction that does not exist.
MADE_UP_ERROR = """
INSERT INTO journal_error (txn_reference, business_date, error_code, message)
VALUES ('TX-MADE-UP', %(business_date)s, 'NO_POLICY', 'made up')
"""


@pytest.fixture(scope="module")
def clean(
    tmp_path_factory: pytest.TempPathFactory, module_db: TestDatabase, hand_built: dict[str, Any]
) -> dict[str, Any]:
    """The same hand-built date through the bundled pair, plus a case with % in its name and query."""
    tmp_path = tmp_path_factory.mktemp("clean")
    _, doc = run(module_db, config_with(tmp_path, extra=PERCENT_CASE), tmp_path, DATES[:1])
    assert doc["verdict"]["label"] == "READY", doc["verdict"]["reasons"]
    return doc


def gate_cases(doc: dict[str, Any], required: list[str]) -> dict[str, Any]:
    policy = {**DEFAULT_POLICY, "min_clean_dates": 1, "require_cases": required}
    result = evaluate(policy, [doc]).to_dict()
    return next(c for c in result["criteria"] if c["name"] == "business cases exercised")


def test_the_gate_requires_the_cases_its_clean_dates_exercised(clean: dict[str, Any]) -> None:
    met = gate_cases(clean, ["validation: NO_POLICY", "amount", "50% new business"])
    assert met["passed"] and met["figure"] == "3 of 3 required case(s) exercised on the clean dates"
    unmet = gate_cases(clean, ["validation: NO_POLICY", "validation: NO_FX_RATE", "calendar: month end"])
    assert not unmet["passed"]
    assert unmet["figure"].endswith("none of: validation: NO_FX_RATE, calendar: month end")
    assert not any(c.name == "business cases exercised" for c in evaluate(DEFAULT_POLICY, [clean]).criteria)
    assert cells(clean, "50% new business") == {"50% new business": (3, 0, "matched")}


def test_a_case_only_a_dirty_date_exercised_does_not_count(hand_built: dict[str, Any]) -> None:
    assert not gate_cases(hand_built, ["validation: NO_POLICY"])["passed"]


def test_a_difference_no_case_holds_leaves_the_date_unjudged(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=10)
    candidate = variant(tmp_path, "enhanced", MADE_UP_ERROR, "made_up")
    _, doc = run(db, config_with(tmp_path, candidate=candidate), tmp_path, DATES[:1])
    statuses = {c["status"] for c in cells_of(doc, "validation")}
    assert statuses == {"unjudged"}
    assert (
        "1 differing transaction(s) in no case's units, e.g. TX-MADE-UP"
        in cells_of(doc, "validation")[0]["notes"]
    )


def test_a_date_rewritten_later_or_differing_books_withdraw_matched_cells() -> None:
    cell = {
        "case": "c",
        "cell": "x",
        "units": 2,
        "differing": 0,
        "accepted": 0,
        "status": "matched",
        "note": "",
    }
    days = [
        {"business_date": "2024-03-01", "cases": [cell]},
        {"business_date": "2024-03-02", "cases": [cell]},
    ]
    rewritten = [{"business_date": "2024-03-01", "entity": "journals", "verdict": "REWRITTEN"}]
    found = coverage(days, [], rewritten, [])["by_date"]
    assert [c["status"] for d in ("2024-03-01", "2024-03-02") for c in found[d]] == ["unjudged", "matched"]
    assert found["2024-03-01"][0]["note"] == "journals was REWRITTEN by a later date"
    dated = [
        {
            "business_date": "2024-03-02",
            "entity": "gl_entries",
            "verdict": "MISMATCH",
            "counts": {"unexplained": 1},
        }
    ]
    books = [
        {
            "business_date": "2024-03-02",
            "entity": "gl_entries",
            "verdict": "MISMATCH",
            "counts": {"unexplained": 1},
        }
    ]
    # the books differ only where a date's comparison found it: the cells stand
    assert {c["status"] for d in coverage(days, [], dated, books)["by_date"].values() for c in d} == {
        "matched"
    }
    beyond = [{**books[0], "counts": {"unexplained": 2}}]
    assert {c["status"] for d in coverage(days, [], dated, beyond)["by_date"].values() for c in d} == {
        "unjudged"
    }


def test_a_failed_side_leaves_every_cell_unjudged(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=10)
    _, doc = run(db, config_with(tmp_path, candidate="halfway"), tmp_path, DATES[:1])
    statuses = {c["status"] for case in doc["coverage"]["cases"] for c in case["cells"]}
    assert statuses == {"unjudged"}
    units = sum(c["units"] for c in cells_of(doc, "validation"))
    assert units == 10
    assert all("is FAILED" in n for c in cells_of(doc, "validation") for n in c["notes"])


def cells_of(doc: dict[str, Any], case: str) -> list[dict[str, Any]]:
    return next(c for c in doc["coverage"]["cases"] if c["name"] == case)["cells"]


def test_the_bundled_cases_agree_with_what_the_legacy_job_posted(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=300)
    state, doc = run(db, config_with(tmp_path), tmp_path, DATES[:1], keep_schemas=True)
    schema = state.spaces[0].schema
    with db.connect() as conn:
        errors = dict(
            conn.execute(
                sql.SQL("SELECT error_code, count(*) FROM {} GROUP BY 1").format(
                    sql.Identifier(schema, "journal_error")
                )
            ).fetchall()
        )
        rounding = dict(
            conn.execute(
                sql.SQL("SELECT dc_marker, count(*) FROM {} WHERE account_code = '7999' GROUP BY 1").format(
                    sql.Identifier(schema, "gl_entries")
                )
            ).fetchall()
        )
    validation = {k: v[0] for k, v in cells(doc, "validation").items() if k != "accepted"}
    assert validation == errors
    lines = cells(doc, "rounding line")
    assert (
        lines.get("Cr 7999: debits exceed credits", (0,))[0],
        lines.get("Dr 7999: credits exceed debits", (0,))[0],
    ) == (
        rounding.get("C", 0),
        rounding.get("D", 0),
    )
    assert sum(rounding.values()) > 0  # the seeded date exercises the rounding line at all


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ('query = "SELECT txn_reference FROM insurance_transaction"', "must return a column named 'unit'"),
        ('query = "SELECT txn_reference AS unit FROM gl_entries"', "reads 'gl_entries', not a source table"),
        (
            'query = "SELECT key[1] AS unit FROM harness.differing_key"',
            "reads harness.differing_key; name the",
        ),
        ('query = "SELECT g AS unit FROM generate_series(1, 3) AS g"', "reads a table function"),
        (
            'query = "SELECT txn_reference AS unit FROM insurance_transaction"\nlineage = "voucher_line"',
            "'voucher_line' is not the lineage of any entity's key column",
        ),
    ],
)
def test_a_case_that_could_not_be_judged_is_refused_with_one_line(
    tmp_path: Path, case: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        config_with(tmp_path, extra=f'\n[[cases]]\nname = "mine"\n{case}\n')
    with pytest.raises(ConfigError, match="must be a list of case names"):
        load_policy(None, {"require_cases": "validation"}, "harness.toml")
    assert load_config(None).cases  # the bundled pair declares its cases


def test_a_case_query_that_fails_on_the_source_stops_the_run_before_the_sides_run(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_small(db, per_day=5)
    typo = 'query = "SELECT txn_refrence AS unit FROM insurance_transaction"'
    config_with(tmp_path, extra=f'\n[[cases]]\nname = "typo"\n{typo}\n')
    config = str(tmp_path / "harness.toml")
    result = invoke(capsys, "run", "--dates", "2024-03-01", "--config", config, "--dsn", db.uri)
    assert result.code == 2
    assert "case 'typo' fails on the source schema 'source'" in result.err
    assert 'column "txn_refrence" does not exist' in result.err
    with db.connect() as conn:
        assert conn.execute("SELECT to_regclass('harness.entry')").fetchone() in ((None,), None) or (
            conn.execute("SELECT count(*) FROM harness.entry").fetchone() == (0,)
        )
