"""Exported CSV files as a table, so the export is compared like any other entity.

load_export_rows replaces ``<schema>.harness_export_rows`` with one text column per
header field (names exactly as in the header, mixed case kept) plus ``file`` (the file's
base name, so both sides' files pair up), and COPYs the parsed rows in.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from psycopg import sql

from comparisons.connection import Connection
from comparisons.errors import ExportFormatError

TABLE = "harness_export_rows"
FILE_COLUMN = "file"
# The header of the bundled sides' export (docs/sides.md), used when a side wrote no file.
EXPORT_HEADER = (
    "Ledger",
    "AccountCode",
    "AccountingPeriod",
    "TransactionDate",
    "JournalType",
    "JournalSource",
    "TransactionReference",
    "LineNo",
    "Description",
    "DebitCredit",
    "CurrencyCode",
    "TransactionAmount",
    "BaseAmount",
    "AnalysisCode1",
    "AnalysisCode2",
)


def load_export_rows(
    conn: Connection, schema: str, files: Sequence[Path], *, header: Sequence[str] = EXPORT_HEADER
) -> None:
    """(Re)create ``<schema>.harness_export_rows`` from ``files`` (``header`` if there are none)."""
    columns = _header(files) if files else list(header)
    _check_header(columns, files[0] if files else None)
    target = sql.Identifier(schema, TABLE)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
    definitions = sql.SQL(", ").join(
        sql.SQL("{} text").format(sql.Identifier(c)) for c in [FILE_COLUMN, *columns]
    )
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(target, definitions))
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        target, sql.SQL(", ").join(sql.Identifier(c) for c in [FILE_COLUMN, *columns])
    )
    with conn.cursor() as cur, cur.copy(copy) as loader:
        for path in files:
            for row in _rows(path, columns):
                loader.write_row([path.name, *row])


def check_export_files(files: Sequence[Path]) -> None:
    """Raise ExportFormatError unless ``files`` load as one export (same header, whole rows)."""
    if not files:
        return
    columns = _header(files)
    _check_header(columns, files[0])
    for path in files:
        for _row in _rows(path, columns):
            pass


def _header(files: Sequence[Path]) -> list[str]:
    headers = {path: next(_read(path), None) for path in files}
    first = files[0]
    for path, header in headers.items():
        if header is None:
            raise ExportFormatError(f"{path}: empty file; an export file starts with a header row")
        if header != headers[first]:
            raise ExportFormatError(
                f"{path}: header differs from {first.name}'s: {header} vs {headers[first]}"
            )
    return list(headers[first] or [])


def _check_header(columns: list[str], path: Path | None) -> None:
    where = f"{path}: " if path else ""
    if len(set(columns)) != len(columns) or FILE_COLUMN in columns or not all(columns):
        raise ExportFormatError(
            f"{where}header fields must be unique, non-empty and not {FILE_COLUMN!r}: {columns}"
        )


def _rows(path: Path, columns: list[str]) -> Iterator[list[str]]:
    rows = _read(path)
    next(rows, None)
    for number, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            raise ExportFormatError(f"{path}: line {number} has {len(row)} fields, the header {len(columns)}")
        yield row


def _read(path: Path) -> Iterator[list[str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.reader(handle, strict=True)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExportFormatError(f"{path}: cannot read as UTF-8 CSV: {exc}") from exc
