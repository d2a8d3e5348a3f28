"""Root causes across entities: a defect of the candidate shows as one finding that follows
its lineage (transaction -> voucher -> export), not as unrelated rows in seven sections."""

from __future__ import annotations

import re
import tomllib
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from harness.root_causes import lineage_order, root_causes
from reports import render_html
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small
from tests.helpers import BUNDLED_SOURCE, invoke

# After GL posting, before vouchers: one cent more on the first positive GL line of the date.
ONE_CENT = """
UPDATE gl_entries SET txn_amount = txn_amount + 0.01
WHERE business_date = %(business_date)s
  AND (txn_reference, line_no) = (
      SELECT txn_reference, line_no FROM gl_entries
      WHERE business_date = %(business_date)s AND txn_amount > 0
      ORDER BY txn_reference, line_no LIMIT 1)
"""
# After the data fetch: the first cancellation whose voucher has other journals too is dropped
# (so no voucher disappears and the other vouchers keep their numbers).
DROP_CANCELLATION = """
DELETE FROM txn_staging
WHERE txn_reference = (
    SELECT min(s.txn_reference) FROM txn_staging s
    WHERE s.txn_type = 'CANCELLATION' AND s.error_code IS NULL
      AND EXISTS (SELECT 1 FROM txn_staging o
                  WHERE o.txn_reference <> s.txn_reference AND o.error_code IS NULL
                    AND (o.ledger_code, o.journal_type, o.currency)
                        = (s.ledger_code, s.journal_type, s.currency)))
"""


def defective(tmp_path: Path, after: str, sql: str) -> str:
    """The enhanced side with one more phase right after the phase ``after``."""
    root = Path(str(files("enhanced")))
    manifest = tomllib.loads((root / "manifest.toml").read_text(encoding="utf-8"))
    phases: list[dict[str, str]] = []
    for phase in manifest["phases"]:
        phases.append(phase)
        if phase["name"] == after:
            phases.append({"name": "defect", "sql": sql})
    folder = tmp_path / "enhanced_defective"
    folder.mkdir()
    install = ", ".join(f'"{root / name}"' for name in manifest["install"])
    lines = ['name = "enhanced_defective"', f"install = [{install}]"]
    for phase in phases:
        lines += ["[[phases]]", f'name = "{phase["name"]}"', f"sql = {_toml(phase['sql'])}"]
    lines.append("[export]")
    lines += [f"{key} = {_toml(value)}" for key, value in manifest["export"].items()]
    (folder / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(folder)


def _toml(text: str) -> str:
    return '"""\n' + text.replace("\\", "\\\\") + '"""'


def sample_of(doc: dict[str, Any], entity: str) -> dict[str, Any]:
    (comparison,) = [c for c in doc["comparisons"] if c["entity"] == entity]
    (sample,) = comparison["samples"]
    return sample


def test_a_cent_on_one_gl_line_is_one_root_cause_through_voucher_and_export(
    db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=20)
    config = config_with(tmp_path, candidate=defective(tmp_path, "GL posting", ONE_CENT))
    _, doc = run(db, config, tmp_path, dates=DATES[1:2])
    (cause,) = doc["root_causes"]
    assert cause["entities"] == ["gl_entries", "voucher_lines", "export"]
    gl, line, row = (sample_of(doc, e) for e in cause["entities"])
    ref, voucher = gl["key"]["txn_reference"], line["key"]["voucher_number"]
    assert gl["control"]["voucher_number"] == voucher == row["key"]["TransactionReference"]
    assert cause["lineage"] == {"transaction": [ref], "voucher": [voucher]}
    before, after = gl["control"]["txn_amount"], gl["candidate"]["txn_amount"]
    assert float(after) - float(before) == pytest.approx(0.01)
    assert cause["text"] == (
        f"transaction {ref}: gl_entries line_no {gl['key']['line_no']} txn_amount {before} vs {after}, "
        f"which flows to voucher {voucher}: voucher_lines line_no {line['key']['line_no']} "
        f"and export file {row['key']['file']} LineNo {row['key']['LineNo']}"
    )
    assert cause["unsampled"] == {}
    assert row["key"]["LineNo"] == line["key"]["line_no"]
    report = render_html(doc)
    assert report.index('id="root-causes"') < report.index('id="entities"')
    assert escape(cause["text"]) in report


def test_a_dropped_cancellation_is_one_root_cause_across_its_entities(
    db: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db, per_day=30)
    config = config_with(tmp_path, candidate=defective(tmp_path, "data fetch", DROP_CANCELLATION))
    _, doc = run(db, config, tmp_path, dates=DATES[:1])
    (cause,) = doc["root_causes"]
    assert cause["entities"] == [
        "journals",
        "gl_entries",
        "vouchers",
        "voucher_lines",
        "transaction_status",
        "export",
    ]
    (ref,) = cause["lineage"]["transaction"]
    (voucher,) = cause["lineage"]["voucher"]
    status = sample_of(doc, "transaction_status")
    assert (status["control"]["status"], status["candidate"]["status"]) == ("PROCESSED", "NEW")
    assert status["control"]["txn_type"] == "CANCELLATION"
    assert re.match(
        rf"transaction {ref}: journals only in the control; gl_entries line_no 1, .* only in the control; "
        rf"transaction_status status PROCESSED vs NEW, has_processed_at \w+ vs \w+, "
        rf"which flows to voucher {voucher}: vouchers, voucher_lines line_no .* and export file .*$",
        cause["text"],
    ), cause["text"]
    assert all(f["kind"] == "control_only" for f in cause["findings"] if f["entity"] == "gl_entries")


def test_a_bad_lineage_declaration_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], clean_db: TestDatabase, tmp_path: Path
) -> None:
    config = tmp_path / "pair.toml"
    config.write_text(
        BUNDLED_SOURCE + '[control]\nside = "bundled:legacy"\n[candidate]\nside = "bundled:enhanced"\n'
        '[[entities]]\nname = "transaction_status"\n'
        'query = "SELECT txn_reference, status FROM insurance_transaction WHERE business_date = :business_date"\n'
        'key = ["txn_reference"]\nlineage = { transaction = "status" }\n'
    )
    result = invoke(capsys, "run", "--dsn", clean_db.uri, "--dates", "2024-03-01", "--config", str(config))
    assert (result.code, result.err) == (
        2,
        f"config: {config} (--config)\n"
        f"error: {config}: entities[0].lineage.transaction names 'status', which is not a key or "
        "context column; add it to context (a lineage value must be in every sample)\n",
    )


# ---- over hand-built comparisons ---------------------------------------------------------------
LINEAGE = {
    "export": {"voucher": "ref"},
    "gl": {"transaction": "txn", "voucher": "voucher"},
    "status": {"transaction": "txn"},
}


def comparison(entity: str, samples: list[dict[str, Any]], unexplained: int | None = None) -> dict[str, Any]:
    """One date's comparison of ``entity`` holding ``samples`` (all unexplained unless said)."""
    missing = sum(1 for s in samples if s["accepted_by"] is None)
    counts = {"unexplained": missing if unexplained is None else unexplained}
    key = list(samples[0]["key"]) if samples else ["k"]
    return {"business_date": "2024-03-01", "entity": entity, "key": key, "counts": counts, "samples": samples}


def changed(
    key: dict[str, str], column: str, a: str, b: str, context: dict[str, str] | None = None
) -> dict[str, Any]:
    extra = context or {}
    control, candidate = {column: a, **extra}, {column: b, **extra}
    return {
        "key": key,
        "kind": "different",
        "differing": [column],
        "accepted_by": None,
        "control": control,
        "candidate": candidate,
    }


def test_lineage_names_are_ordered_upstream_first_whatever_the_entity_order() -> None:
    assert lineage_order(LINEAGE) == ["transaction", "voucher"]
    assert lineage_order({"a": {"x": "c"}, "b": {"y": "c"}}) == ["x", "y"]  # unrelated: as declared


def test_two_transactions_flowing_to_one_voucher_are_one_root_cause() -> None:
    gl = [
        changed({"txn": "TX-1", "line": "7"}, "amount", "1.00", "1.01", {"voucher": "V-1"}),
        changed({"txn": "TX-2", "line": "10"}, "amount", "2.00", "2.01", {"voucher": "V-1"}),
        changed({"txn": "TX-3", "line": "1"}, "amount", "3.00", "3.01", {"voucher": "V-2"}),
    ]
    export = [changed({"ref": "V-1", "no": "4"}, "Amount", "3.00", "3.02")]
    causes = root_causes([comparison("gl", gl), comparison("export", export)], LINEAGE)
    assert [c.text for c in causes] == [
        "transaction TX-1, TX-2: gl txn TX-1 line 7 amount 1.00 vs 1.01; gl txn TX-2 line 10 amount 2.00 vs 2.01, "
        "which flows to voucher V-1: export no 4",
        "transaction TX-3: gl line 1 amount 3.00 vs 3.01",
    ]
    assert causes[0].to_dict()["lineage"] == {"transaction": ["TX-1", "TX-2"], "voucher": ["V-1"]}
    assert causes[0].entities == ("gl", "export")


def test_only_unexplained_samples_with_a_lineage_value_count_and_the_cap_is_said() -> None:
    accepted = {**changed({"txn": "TX-1"}, "status", "A", "B"), "accepted_by": "known"}
    status = comparison("status", [changed({"txn": "TX-1"}, "status", "PROCESSED", "NEW"), accepted], 5)
    other = comparison("journals", [changed({"txn": "TX-1"}, "total", "1", "2")])  # no lineage declared
    (cause,) = root_causes([status, other], LINEAGE)
    assert cause.text == "transaction TX-1: status status PROCESSED vs NEW"
    assert cause.to_dict()["unsampled"] == {"status": 4}
    candidate_only = {"key": {"txn": "TX-9", "line": "1"}, "kind": "candidate_only", "differing": []}
    candidate_only |= {"accepted_by": None, "control": None, "candidate": {"voucher": "V-9"}}
    (cause,) = root_causes([comparison("gl", [candidate_only])], LINEAGE)
    assert (cause.text, cause.to_dict()["lineage"]) == (
        "transaction TX-9: gl line 1 only in the candidate",
        {"transaction": ["TX-9"], "voucher": ["V-9"]},
    )
