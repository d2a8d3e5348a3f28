"""harness cutover over a month end: clean, alert, fallback, a primary that raises, state
carried from a fallback date to the next date, and dates refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import TestDatabase
from tests.harness.cutover.books import (
    MONTH_END,
    ONE_CENT,
    batch,
    count,
    cutover,
    differing_rows,
    pure_processing,
    report_of,
    same_files,
    seed_month_end,
    write_config,
)
from tests.harness.runs import variant
from tests.helpers import invoke


def test_a_clean_cutover_publishes_the_candidates_books_over_a_month_end(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    found = batch(capsys, db, write_config(tmp_path), tmp_path / "sun")
    assert found.code == 0, found.err
    lines = [line for line in found.out.splitlines() if not line.startswith("  ")]
    assert lines == [f"{d}: CLEAN, published enhanced's books (candidate)" for d in MONTH_END]
    reference = pure_processing(capsys, db, "enhanced", tmp_path / "reference")
    assert differing_rows(db, "enhanced", reference) == {}
    assert same_files(tmp_path / "sun", tmp_path / "reference")
    assert count(db, "SELECT count(*) FROM source.insurance_transaction WHERE status = 'NEW'") == 0
    status = invoke(
        capsys, "status", "2024-03-31", "--config", str(tmp_path / "harness.toml"), "--dsn", db.uri
    )
    assert status.code == 0
    assert status.out.startswith(
        "2024-03-31: CLEAN: published by enhanced (candidate; primary: candidate) at "
    )
    history = invoke(capsys, "history", "--dsn", db.uri).out.splitlines()[1:]
    assert len(history) == 3 and all(line.endswith("; cutover CLEAN, published enhanced") for line in history)
    config = str(tmp_path / "harness.toml")
    books = json.loads(
        invoke(capsys, "books", "2024-03-31", "--config", config, "--dsn", db.uri, "--json").out
    )
    journals = "SELECT count(*) FROM enhanced.sun_journal WHERE business_date = '2024-03-31'"
    assert sum(j["journals"] for j in books["journals"]) == count(db, journals) > 0
    assert books["vouchers"] and all(v["debit_base"] == v["credit_base"] for v in books["vouchers"])
    exported = invoke(
        capsys, "export", "2024-03-31", "--out", str(tmp_path / "again"), "--config", config, "--dsn", db.uri
    )
    assert exported.code == 0, exported.err
    assert all(
        (tmp_path / "sun" / p.name).read_bytes() == p.read_bytes() for p in (tmp_path / "again").iterdir()
    )
    assert len(list((tmp_path / "again").iterdir())) == 3
    gate = ["gate", "--phase", "decommission", "--config", str(tmp_path / "harness.toml"), "--dsn", db.uri]
    strict = invoke(capsys, *gate)
    assert strict.code == 1
    assert strict.out.splitlines()[:2] == [
        "books: enhanced; 3 published cutover date(s)",
        "FAIL  consecutive clean cutover dates: 3 most recent cutover date(s) CLEAN of 3 published (required >= 20)",
    ]
    coloured = invoke(capsys, "--color", *gate).out.splitlines()
    assert coloured[1].startswith("\x1b[31mFAIL\x1b[0m  consecutive clean cutover dates")
    policy = tmp_path / "policy.toml"
    policy.write_text("[gate.decommission]\nmin_clean_dates = 3\nmin_speedup = 0.0\n", encoding="utf-8")
    lenient = invoke(capsys, *gate, "--policy", str(policy))
    assert (lenient.code, lenient.out.splitlines()[-1]) == (
        0,
        "READY to decommission the original system (3 date(s) in the window)",
    ), lenient.out


def test_alert_keeps_the_defective_primarys_books_and_says_not_clean(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    config = write_config(tmp_path, candidate=variant(tmp_path, "enhanced", ONE_CENT, "cent"))
    found = cutover(capsys, db, config, "--date", "2024-03-30", "--json")
    assert found.code == 1
    (published,) = json.loads(found.out)["dates"]
    assert (published["verdict"], published["published_by"], published["side"]) == (
        "NOT CLEAN",
        "candidate",
        "enhanced_cent",
    )
    assert any("gl_entries: MISMATCH" in r for r in published["reasons"])
    # the candidate's books, defect included, are what production holds: one GL line off a
    # pure enhanced processing, the line with the extra cent
    reference = pure_processing(capsys, db, "enhanced", tmp_path / "reference", days=1)
    assert differing_rows(db, "enhanced_cent", reference) == {"gl_entries": 2}
    status = invoke(capsys, "status", "2024-03-31", "--config", str(config), "--dsn", db.uri, "--json")
    assert status.code == 1
    assert json.loads(status.out)["published"] is False


def test_fallback_publishes_legacys_books_byte_identical_export(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    candidate = variant(tmp_path, "enhanced", ONE_CENT, "cent")
    config = write_config(tmp_path, candidate=candidate, cutover='on_mismatch = "fallback"')
    found = batch(capsys, db, config, tmp_path / "sun", days=2)
    assert found.code == 1, found.err
    lines = [line for line in found.out.splitlines() if not line.startswith("  ")]
    assert lines == [f"{d}: FELL BACK, published legacy's books (control)" for d in MONTH_END[:2]]
    reference = pure_processing(capsys, db, "legacy", tmp_path / "reference", days=2)
    assert differing_rows(db, "enhanced_cent", reference) == {}
    assert same_files(tmp_path / "sun", tmp_path / "reference")


def test_a_fallback_whose_books_do_not_fit_publishes_nothing_of_the_date(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On 04-01 legacy writes metadata that is not JSON (its known escaping defect): the
    candidate's jsonb books cannot hold it, so the date is refused whole, the batch stops."""
    seed_month_end(db)
    candidate = variant(tmp_path, "enhanced", ONE_CENT, "cent")
    config = write_config(tmp_path, candidate=candidate, cutover='on_mismatch = "fallback"')
    found = batch(capsys, db, config, tmp_path / "sun")
    assert found.code == 2
    as_json = cutover(capsys, db, config, "--date", "2024-04-01", "--json")
    assert as_json.code == 2
    document = json.loads(as_json.out)
    assert (document["dates"], document["error"].split(":")[0]) == (
        [],
        "publishing 2024-04-01 from legacy failed",
    )
    assert found.err.strip() == (
        f"config: {config} (--config)\n"
        "error: publishing 2024-04-01 from legacy failed: its rows of sun_journal do not fit "
        "enhanced_cent.sun_journal: invalid input syntax for type json; nothing of the date was published"
    )
    assert count(db, "SELECT count(*) FROM enhanced_cent.sun_journal WHERE business_date = '2024-04-01'") == 0
    new = "SELECT count(*) FROM source.insurance_transaction WHERE business_date = '2024-04-01' AND status = 'NEW'"
    assert count(db, new) == 20
    assert sorted(p.name for p in (tmp_path / "sun").iterdir())[-1] == "US1_20240331.csv"


def test_a_primary_that_raises_falls_back_whatever_the_policy(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    raising = variant(tmp_path, "enhanced", "SELECT 1 / 0", "raising")
    found = cutover(capsys, db, write_config(tmp_path, candidate=raising), "--date", "2024-03-30")
    assert found.code == 1, found.err
    assert found.out.splitlines()[0] == "2024-03-30: FELL BACK, published legacy's books (control)"
    assert "  why: the primary (candidate) did not produce the date: " in found.out
    assert "division by zero" in found.out
    report = report_of(found.out)
    assert '<p id="verdict-label" class="verdict-label">FELL BACK</p>' in report
    assert (
        "Published: legacy's books (control, the shadow: fallback) into <code>enhanced_raising</code>"
        in report
    )
    assert count(db, "SELECT count(*) FROM enhanced_raising.sun_journal") > 0


def test_state_carries_over_from_a_fallback_date_to_the_next_date(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """03-30 falls back to legacy; 03-31 and 04-01 are the candidate's, built on legacy's 03-30."""
    seed_month_end(db)
    first_date_only = ONE_CENT.replace("WHERE ", "WHERE %(business_date)s::date = DATE '2024-03-30' AND ", 1)
    candidate = variant(tmp_path, "enhanced", first_date_only, "cent")
    config = write_config(tmp_path, candidate=candidate, cutover='on_mismatch = "fallback"')
    found = batch(capsys, db, config, tmp_path / "sun")
    lines = [line for line in found.out.splitlines() if not line.startswith("  ")]
    assert lines == [
        "2024-03-30: FELL BACK, published legacy's books (control)",
        "2024-03-31: CLEAN, published enhanced_cent's books (candidate)",
        "2024-04-01: CLEAN, published enhanced_cent's books (candidate)",
    ]
    # the books are what legacy alone would have produced (both agree on every date but the
    # first, and the first is legacy's), so numbering and statuses carried over correctly
    reference = pure_processing(capsys, db, "legacy", tmp_path / "reference")
    assert differing_rows(db, "enhanced_cent", reference) == {}
    assert same_files(tmp_path / "sun", tmp_path / "reference")


def test_dates_out_of_order_or_already_processed_are_refused(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    config = write_config(tmp_path)
    assert cutover(capsys, db, config, "--date", "2024-03-31").code == 0
    earlier = cutover(capsys, db, config, "--date", "2024-03-30")
    assert (earlier.code, earlier.err.strip()) == (
        2,
        f"config: {config} (--config)\n"
        "error: 2024-03-31 is already published in enhanced; a cutover goes forward in date order",
    )
    again = cutover(capsys, db, config, "--date", "2024-03-31", "--export", str(tmp_path / "again"))
    assert again.code == 0
    assert "(already published; exports written again)" in again.out
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == [
        "IE1_20240331.csv",
        "UK1_20240331.csv",
        "US1_20240331.csv",
    ]
    processed = invoke(capsys, "process", "--side", "enhanced", "--date", "2024-04-01", "--dsn", db.uri)
    assert processed.code == 0
    outside = cutover(capsys, db, config, "--date", "2024-04-01")
    assert outside.code == 2
    assert "were processed outside the cutover (harness process?)" in outside.err
    missing = cutover(capsys, db, config, "--date", "2024-05-01")
    assert (missing.code, missing.err.strip()) == (
        2,
        f"config: {config} (--config)\n"
        "error: no rows for 2024-05-01 in source.insurance_transaction; load the date's input first",
    )


def test_a_primary_whose_books_are_a_view_is_never_published(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Publishing reads the side's tables as the harness's own user: a view would run side code."""
    seed_month_end(db)
    disguise = "ALTER TABLE journal_error RENAME TO journal_error_real; CREATE VIEW journal_error AS SELECT * FROM journal_error_real"
    candidate = variant(tmp_path, "enhanced", disguise, "viewer")
    found = cutover(capsys, db, write_config(tmp_path, candidate=candidate), "--date", "2024-03-30")
    assert found.code == 2
    assert found.err.startswith(
        f"config: {tmp_path / 'harness.toml'} (--config)\n"
        "error: 2024-03-30 cannot be published from enhanced_viewer: the candidate's journal_error is a view"
    ), found.err
    assert count(db, "SELECT count(*) FROM harness.entry WHERE kind = 'cutover'") == 0
    assert count(db, "SELECT count(*) FROM source.insurance_transaction WHERE status <> 'NEW'") == 0


# The date's processing also writes a journal error dated 400 days later.
STRAY_ROW = """
INSERT INTO journal_error (txn_reference, business_date, error_code, message)
VALUES ('TX-STRAY', %(business_date)s::date + 400, 'STRAY', 'dated after the date')
"""


def test_rows_dated_after_the_date_are_never_published(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    candidate = variant(tmp_path, "enhanced", STRAY_ROW, "stray")
    found = cutover(capsys, db, write_config(tmp_path, candidate=candidate), "--date", "2024-03-30")
    assert found.code == 2
    assert found.err.strip() == (
        f"config: {tmp_path / 'harness.toml'} (--config)\n"
        "error: publishing 2024-03-30 from enhanced_stray failed: the side's journal_error has 1 row(s) "
        "dated after 2024-03-30; nothing of the date was published"
    )
    assert count(db, "SELECT count(*) FROM enhanced_stray.journal_error") == 0


def test_a_trigger_on_the_books_stops_the_publish(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It would run as the harness's own user, inside the transaction that appends to the ledger."""
    seed_month_end(db)
    config = write_config(tmp_path)
    assert cutover(capsys, db, config, "--date", "2024-03-30").code == 0
    with db.connect() as conn:
        conn.execute(
            "CREATE FUNCTION enhanced.note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
            "CREATE TRIGGER noted BEFORE INSERT ON enhanced.journal_error FOR EACH ROW EXECUTE FUNCTION enhanced.note()"
        )
    found = cutover(capsys, db, config, "--date", "2024-03-31")
    assert found.code == 2
    assert (
        "enhanced.journal_error has a trigger noted: it would run as the harness while publishing"
        in found.err
    )
    assert count(db, "SELECT count(*) FROM harness.entry WHERE kind = 'cutover'") == 1


def test_a_published_table_no_entity_compares_is_refused(
    db: TestDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_month_end(db)
    config = write_config(tmp_path, cutover='books = ["sun_journal", "job_log"]')
    found = cutover(capsys, db, config, "--date", "2024-03-30")
    assert (found.code, found.err.strip()) == (
        2,
        f"config: {config} (--config)\n"
        "error: [cutover] books lists job_log, which no [[entities]] query reads: a published table must be compared",
    )
