"""Every differing key of a run, recorded in the ledger database and written to the reports."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harness.cli.output import write_outputs
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small, variant
from tests.helpers import invoke

CAP = 5
# After its export, the candidate changes the first GL line of every journal of the date by a
# cent, posts one line twice and loses another (one statement: a phase takes parameters):
# many more differing keys than the cap samples.
MANY_CHANGES = """
WITH day AS (
    SELECT min(txn_reference) AS first, max(txn_reference) AS last
    FROM gl_entries WHERE business_date = %(business_date)s
), changed AS (
    UPDATE gl_entries SET txn_amount = txn_amount + 0.01
    WHERE business_date = %(business_date)s AND line_no = 1 RETURNING 1
), doubled AS (
    INSERT INTO gl_entries SELECT g.* FROM gl_entries AS g, day
    WHERE g.business_date = %(business_date)s AND g.line_no = 1 AND g.txn_reference = day.first RETURNING 1
), lost AS (
    DELETE FROM gl_entries AS g USING day
    WHERE g.business_date = %(business_date)s AND g.line_no = 2 AND g.txn_reference = day.last RETURNING 1
)
SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM doubled), (SELECT count(*) FROM lost)
"""


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory, module_db: TestDatabase) -> tuple[dict[str, Any], Path]:
    """One 2-date run whose candidate differs in every GL line; at most CAP keys sampled."""
    tmp_path = tmp_path_factory.mktemp("changed")
    seed_small(module_db, per_day=80)
    candidate = variant(tmp_path, "enhanced", MANY_CHANGES, "many")
    _, doc = run(
        module_db, config_with(tmp_path, candidate=candidate), tmp_path, DATES[:2], max_detail_rows=CAP
    )
    return doc, tmp_path


def table(path: Path) -> list[dict[str, str | None]]:
    """The CSV's rows by header name; an empty unquoted field (NULL) as None."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    quoted = [line.split(",") for line in text.splitlines()]
    return [
        {
            h: (v if v or '""' in q[i : i + 1] else None)
            for i, (h, v) in enumerate(zip(rows[0], row, strict=True))
        }
        for row, q in zip(rows[1:], quoted[1:], strict=True)
    ]


def differences(doc: dict[str, Any], entity: str) -> int:
    return sum(
        c["counts"]["accepted"] + c["counts"]["unexplained"]
        for c in doc["comparisons"]
        if c["entity"] == entity
    )


def test_the_list_holds_every_differing_key_beyond_the_cap(
    changed: tuple[dict[str, Any], Path], module_db: TestDatabase
) -> None:
    doc, tmp_path = changed
    with module_db.connect() as conn:
        files = write_outputs(doc, tmp_path / "report", None, ledger=conn)
    gl = [c for c in doc["comparisons"] if c["entity"] == "gl_entries"]
    assert all(c["counts"]["examined"] == CAP and len(c["samples"]) <= CAP for c in gl)
    listed = table(files.mismatches["gl_entries"])
    assert len(listed) == differences(doc, "gl_entries") > 100 > len(table(files.samples["gl_entries"]))
    assert list(listed[0]) == [
        "business_date",
        "entity",
        "txn_reference",
        "line_no",
        "kind",
        "differing",
        "accepted_by",
    ]
    for c in gl:
        of_day = [r for r in listed if r["business_date"] == c["business_date"]]
        counts = c["counts"]
        assert Counter(r["kind"] for r in of_day) == {
            "different": counts["different"],
            "control_only": counts["control_only"],
            "duplicate_key": counts["duplicate_keys"],
        }
        assert {r["differing"] for r in of_day if r["kind"] == "different"} == {"txn_amount"}
        assert len({(r["txn_reference"], r["line_no"]) for r in of_day}) == len(of_day)
        assert all(r["accepted_by"] is None for r in of_day)


def test_accepted_keys_name_their_entry(
    changed: tuple[dict[str, Any], Path], module_db: TestDatabase
) -> None:
    doc, tmp_path = changed
    with module_db.connect() as conn:
        files = write_outputs(doc, tmp_path / "accepted", None, ledger=conn)
    journals = table(files.mismatches["journals"])
    accepted = sum(c["counts"]["accepted"] for c in doc["comparisons"] if c["entity"] == "journals")
    assert len(journals) == differences(doc, "journals") and accepted > 0
    assert Counter(r["accepted_by"] for r in journals)["legacy-json-escaping"] == accepted
    assert {r["kind"] for r in journals if r["accepted_by"]} == {"invalid_json"}


def test_only_entities_with_differing_keys_get_a_list(
    changed: tuple[dict[str, Any], Path], module_db: TestDatabase
) -> None:
    doc, tmp_path = changed
    with module_db.connect() as conn:
        files = write_outputs(doc, tmp_path / "which", None, ledger=conn)
    assert set(files.mismatches) == {e for e in doc["entities"] if differences(doc, e)}
    assert set(files.samples) <= set(files.mismatches)


def test_harness_report_writes_the_same_full_list(
    capsys: pytest.CaptureFixture[str], changed: tuple[dict[str, Any], Path], module_db: TestDatabase
) -> None:
    doc, tmp_path = changed
    run_id = doc["run"]["run_id"]
    with module_db.connect() as conn:
        first = write_outputs(doc, tmp_path / "first", None, ledger=conn)
    result = invoke(capsys, "report", run_id, "--dsn", module_db.uri, "--out", str(tmp_path / "again"))
    assert result.code == 1, result.err  # NOT READY
    again = tmp_path / "again" / "mismatches"
    assert sorted(p.name for p in again.iterdir()) == sorted(
        p.name for p in (tmp_path / "first" / "mismatches").iterdir()
    )
    for entity, path in first.mismatches.items():
        assert (again / path.name).read_bytes() == path.read_bytes(), entity


def test_the_books_lists_stay_apart_from_the_dates(
    changed: tuple[dict[str, Any], Path], module_db: TestDatabase
) -> None:
    doc, _ = changed
    books = {b["entity"]: b["counts"] for b in doc["books"] if b["counts"]}
    with module_db.connect() as conn:
        rows = conn.execute(
            "SELECT scope, entity, count(*) FROM harness.differing_key WHERE run_id = %s GROUP BY 1, 2",
            (doc["run"]["run_id"],),
        ).fetchall()
    recorded = {(scope, entity): n for scope, entity, n in rows}
    for entity, counts in books.items():
        assert recorded.get(("books", entity), 0) == counts["accepted"] + counts["unexplained"]
    for entity in doc["entities"]:
        assert recorded.get(("date", entity), 0) == differences(doc, entity)


def test_a_run_without_differences_writes_no_mismatches_files(db: TestDatabase, tmp_path: Path) -> None:
    seed_small(db, per_day=10)
    _, doc = run(db, config_with(tmp_path, control="enhanced"), tmp_path, DATES[:1])
    assert all(differences(doc, e) == 0 for e in doc["entities"]), doc["verdict"]
    with db.connect() as conn:
        files = write_outputs(doc, tmp_path / "report", None, ledger=conn)
        assert conn.execute("SELECT count(*) FROM harness.differing_key").fetchone() == (0,)
    assert files.mismatches == files.samples == {}
    assert not (tmp_path / "report" / "mismatches").exists()


def test_an_altered_list_fails_verify_ledger_and_the_report(
    capsys: pytest.CaptureFixture[str], changed: tuple[dict[str, Any], Path], module_db: TestDatabase
) -> None:
    """The lists live beside the hash chain; each comparison entry holds its list's
    fingerprint, so a key deleted (a difference hidden) is caught by both readers."""
    doc, tmp_path = changed
    run_id = doc["run"]["run_id"]
    gl = [c for c in doc["comparisons"] if c["entity"] == "gl_entries"]
    assert [c["key_list"]["rows"] for c in gl] == [
        c["counts"]["accepted"] + c["counts"]["unexplained"] for c in gl
    ]
    hidden = "DELETE FROM harness.differing_key WHERE run_id = %s AND entity = 'gl_entries' AND line = 1 RETURNING *"
    with module_db.connect() as conn:
        removed = conn.execute(hidden, (run_id,)).fetchall()
    try:
        assert removed
        verified = invoke(capsys, "verify-ledger", "--dsn", module_db.uri)
        assert verified.code == 1
        assert "the differing keys of gl_entries on" in verified.out + verified.err
        report = invoke(capsys, "report", run_id, "--dsn", module_db.uri, "--out", str(tmp_path / "forged"))
        assert report.code == 2 and "were altered since run" in report.err
        assert not (tmp_path / "forged" / "mismatches" / "gl_entries.csv").exists()
    finally:
        with module_db.connect() as conn, conn.cursor() as cur:
            columns = "run_id, scope, business_date, entity, line, key, kind, differing, accepted_by"
            cur.executemany(
                f"INSERT INTO harness.differing_key ({columns}) VALUES ({', '.join(['%s'] * 9)})", removed
            )
    assert invoke(capsys, "verify-ledger", "--dsn", module_db.uri).code == 0
