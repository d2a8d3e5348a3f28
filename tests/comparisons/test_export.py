"""Exported CSV files loaded as a table and compared with the bundled export spec."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from comparisons import EXPORT_HEADER, EntitySpec, ExportFormatError, load_export_rows, parse_entity_specs
from tests.comparisons.conftest import Pair

HEADER = ",".join(EXPORT_HEADER)
PREFIX = "{ledger},{account},2024/003,01032024,PREM,INSJNL,{ledger}-20240301-0001,{line},"
UK1 = [
    PREFIX.format(ledger="UK1", account="1100", line=1) + "Premium receivable,D,GBP,112.00,112.00,MOTOR,MOT1",
    PREFIX.format(ledger="UK1", account="4000", line=2)
    + '"Gross written premium, UK",C,GBP,100.00,100.00,MOTOR,MOT1',
    PREFIX.format(ledger="UK1", account="2300", line=3) + '"Tax ""IPT""",C,GBP,12.00,12.00,MOTOR,MOT1',
]
IE1 = [
    PREFIX.format(ledger="IE1", account="1100", line=1)
    + "Premium receivable,D,EUR,10.30,10.30,LIABILITY,LIAB1"
]


def write(directory: Path, name: str, lines: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def export_spec() -> EntitySpec:
    raw = tomllib.loads(files("harness").joinpath("default.toml").read_text(encoding="utf-8"))["entities"]
    return next(e for e in parse_entity_specs(raw, "default.toml", files("harness")) if e.name == "export")


def test_rows_are_loaded_with_mixed_case_columns_and_csv_quoting(pair: Pair, tmp_path: Path) -> None:
    files_ = [write(tmp_path, "UK1_20240301.csv", UK1), write(tmp_path, "IE1_20240301.csv", IE1)]
    load_export_rows(pair.conn, pair.control, files_)
    rows = pair.conn.execute(
        'SELECT file, "LineNo", "Description" FROM ctl.harness_export_rows ORDER BY file, "LineNo"'
    ).fetchall()
    assert rows == [
        ("IE1_20240301.csv", "1", "Premium receivable"),
        ("UK1_20240301.csv", "1", "Premium receivable"),
        ("UK1_20240301.csv", "2", "Gross written premium, UK"),
        ("UK1_20240301.csv", "3", 'Tax "IPT"'),
    ]
    load_export_rows(pair.conn, pair.control, files_[:1])  # replaces the table
    assert pair.conn.execute("SELECT count(*) FROM ctl.harness_export_rows").fetchone() == (3,)


def test_export_compared_on_file_voucher_and_line(pair: Pair, tmp_path: Path) -> None:
    """Candidate: line 3 amount written as 12.0 (text differs), IE1 file missing."""
    load_export_rows(
        pair.conn,
        pair.control,
        [write(tmp_path / "c", "UK1_20240301.csv", UK1), write(tmp_path / "c", "IE1_20240301.csv", IE1)],
    )
    changed = [*UK1[:2], UK1[2].replace(",12.00,12.00,", ",12.0,12.00,")]
    load_export_rows(pair.conn, pair.candidate, [write(tmp_path / "d", "UK1_20240301.csv", changed)])
    result = pair.compare(export_spec()).to_dict()
    assert result["counts"]["equal"] == 2
    assert (result["counts"]["different"], result["counts"]["control_only"]) == (1, 1)
    different = next(s for s in result["samples"] if s["kind"] == "different")
    assert different["key"] == {
        "file": "UK1_20240301.csv",
        "TransactionReference": "UK1-20240301-0001",
        "LineNo": "3",
    }
    assert (different["control"], different["candidate"]) == (
        {"TransactionAmount": "12.00"},
        {"TransactionAmount": "12.0"},
    )


def test_no_files_gives_an_empty_table_with_the_standard_header(pair: Pair) -> None:
    load_export_rows(pair.conn, pair.control, [])
    load_export_rows(pair.conn, pair.candidate, [])
    result = pair.compare(export_spec())
    assert (result.verdict.value, result.counts.control_rows) == ("MATCH", 0)


def test_a_ragged_row_is_named(pair: Pair, tmp_path: Path) -> None:
    path = write(tmp_path, "UK1_20240301.csv", [UK1[0], "UK1,1100"])
    with pytest.raises(ExportFormatError, match=r"UK1_20240301.csv: line 3 has 2 fields, the header 15"):
        load_export_rows(pair.conn, pair.control, [path])
