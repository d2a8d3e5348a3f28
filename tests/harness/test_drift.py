"""Books rewritten after they were compared: REWRITTEN, never ready; rewritten alike: still MATCH."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small, variant, verdicts

# Date D's processing adds 1.00 to line 1 of every voucher of the day before.
REWRITE_PREVIOUS_DAY = """
UPDATE voucher_line SET txn_amount = txn_amount + 1
WHERE line_no = 1
  AND voucher_id IN (SELECT voucher_id FROM voucher WHERE business_date = %(business_date)s::date - 1)
"""


def test_a_candidate_rewriting_the_previous_day_is_rewritten_not_ready(
    db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=20)
    candidate = variant(tmp_path, "enhanced", REWRITE_PREVIOUS_DAY)
    _, doc = run(db, config_with(tmp_path, candidate=candidate), tmp_path, dates=DATES[:2])
    found = verdicts(doc)
    assert found[("2024-03-01", "voucher_lines")] == "REWRITTEN"
    assert found[("2024-03-02", "voucher_lines")] == "MATCH"  # the rewrite of 03-02 would come on 03-03
    assert doc["verdict"]["label"] == "NOT READY"
    reason = next(r for r in doc["verdict"]["reasons"] if "REWRITTEN" in r)
    assert "after the processing of 2024-03-02 rewrote 2024-03-01's voucher_lines" in reason


def test_both_sides_rewriting_the_previous_day_alike_stays_ready(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=20)
    control = variant(tmp_path, "legacy", REWRITE_PREVIOUS_DAY)
    candidate = variant(tmp_path, "enhanced", REWRITE_PREVIOUS_DAY)
    _, doc = run(db, config_with(tmp_path, control=control, candidate=candidate), tmp_path, dates=DATES[:2])
    assert "REWRITTEN" not in set(verdicts(doc).values())
    assert doc["verdict"]["label"] == "READY", doc["verdict"]["reasons"]


# Date D's processing also writes a journal error dated 400 days later: a date no run
# compares, so only the whole-books comparison after the last date sees it.
STRAY_ROW = """
INSERT INTO journal_error (error_id, txn_reference, business_date, error_code, message)
SELECT coalesce(max(error_id), 0) + 1, 'TX-STRAY-' || %(business_date)s, %(business_date)s::date + 400,
       'STRAY', 'dated outside the run'
FROM journal_error
"""


def test_a_candidate_writing_rows_outside_the_runs_dates_is_not_ready(
    db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=20)
    candidate = variant(tmp_path, "enhanced", STRAY_ROW)
    _, doc = run(db, config_with(tmp_path, candidate=candidate), tmp_path, dates=DATES[:2])
    assert set(verdicts(doc).values()) <= {"MATCH", "ACCEPTED"}  # every date's own rows agree
    books = {b["entity"]: b for b in doc["books"]}
    assert books["journal_errors"]["verdict"] == "MISMATCH"
    assert books["journal_errors"]["counts"]["candidate_only"] == 2
    assert books["journal_errors"]["key"] == ["txn_reference", "_harness_date"]
    assert doc["verdict"]["label"] == "NOT READY"
    assert "whole books after 2024-03-02 journal_errors: MISMATCH (2 candidate-only" in " ".join(
        doc["verdict"]["reasons"]
    )


def test_rows_outside_the_runs_dates_written_alike_stay_ready(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=20)
    control = variant(tmp_path, "legacy", STRAY_ROW)
    candidate = variant(tmp_path, "enhanced", STRAY_ROW)
    _, doc = run(db, config_with(tmp_path, control=control, candidate=candidate), tmp_path, dates=DATES[:2])
    books = {b["entity"]: b["verdict"] for b in doc["books"]}
    assert "export" not in books  # no date filter: one file set per date, compared per date
    assert set(books) == {
        "journals",
        "gl_entries",
        "vouchers",
        "voucher_lines",
        "journal_errors",
        "transaction_status",
    }
    assert set(books.values()) <= {"MATCH", "ACCEPTED"}
    assert doc["verdict"]["label"] == "READY", doc["verdict"]["reasons"]
