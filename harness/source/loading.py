"""``harness source load``: a migration team's own source data from .sql, .csv and .parquet
files, in one transaction (a failure anywhere keeps nothing).

SQL files run first, in name order, with ``search_path`` set to the target schema (they
create the tables); then each data file is streamed with COPY into the table named by its
file stem, in bounded memory: CSV in chunks, Parquet (with pyarrow) in record batches.
"""

from __future__ import annotations

import csv
import importlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb

from harness.database import Connection, first_line
from harness.errors import InvalidInput
from harness.fingerprint import Fingerprint, fingerprint
from harness.source import set_search_path, sql_file

DATA_SUFFIXES = (".csv", ".parquet")
CHUNK_BYTES = 1 << 20
BATCH_ROWS = 10_000
UTF8_BOM = b"\xef\xbb\xbf"
NOTHING = "nothing was loaded"
# Statements that would end the load's one transaction half-way (a dump's BEGIN; ... COMMIT;).
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK|ABORT)\s*;", re.I | re.M)
COPY_LINE = re.compile(r"\bline (\d+)")


@dataclass(frozen=True)
class TableLoad:
    """A table the load created or filled: the rows its files copied in, then its content."""

    table: str
    rows: int
    fingerprint: Fingerprint


def tables_in(conn: Connection, schema: str) -> list[str]:
    """The tables of ``schema`` (ordinary, partitioned and foreign; no partitions)."""
    return [str(r[0]) for r in conn.execute(sql_file("tables_in_schema.sql"), {"schema": schema})]


def create_schema(conn: Connection, schema: str) -> None:
    try:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    except psycopg.Error as exc:
        raise InvalidInput(
            f"cannot create schema {schema!r}: {first_line(exc)}; create it yourself or name another "
            "with --schema"
        ) from exc


def plan(path: Path) -> tuple[list[Path], list[Path]]:
    """The SQL files and the data files of ``path``, each in name order."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        scripts = [p for p in files if p.suffix.lower() == ".sql"]
        data = [p for p in files if p.suffix.lower() in DATA_SUFFIXES]
        if not scripts and not data:
            raise InvalidInput(f"{path} holds no .sql, .csv or .parquet file; {NOTHING}")
        return scripts, data
    suffix = path.suffix.lower()
    if suffix == ".sql":
        return [path], []
    if suffix in DATA_SUFFIXES:
        return [], [path]
    raise InvalidInput(f"{path} is not a .sql, .csv or .parquet file, nor a directory; {NOTHING}")


def load(conn: Connection, path: Path, schema: str) -> list[TableLoad]:
    """Load ``path`` into ``schema`` in one transaction; what each table holds afterwards."""
    scripts, data = plan(path)
    texts = [(script, _read_script(script)) for script in scripts]
    with conn.transaction():
        create_schema(conn, schema)
        set_search_path(conn, schema)
        before = set(tables_in(conn, schema))
        for script, text in texts:
            _run_script(conn, script, text)
        tables = tables_in(conn, schema)
        loaded = {table: 0 for table in tables if table not in before}
        for file in data:
            table = file.stem
            if table not in tables:
                raise InvalidInput(
                    f"{file}: table {schema}.{table} does not exist; create it in a .sql file loaded "
                    f"first, or name the file after an existing table; {NOTHING}"
                )
            loaded[table] = loaded.get(table, 0) + _copy_file(conn, file, sql.Identifier(schema, table))
        return [TableLoad(t, n, fingerprint(conn, schema, t)) for t, n in sorted(loaded.items())]


def _read_script(script: Path) -> str:
    try:
        text = script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{script}: cannot read it ({exc}); {NOTHING}") from exc
    match = TRANSACTION_CONTROL.search(text)
    if match:
        line = text.count("\n", 0, match.start(1)) + 1
        raise InvalidInput(
            f"{script} line {line}: {match.group(1).upper()} would end the load's one transaction; "
            f"remove the transaction statements from the file; {NOTHING}"
        )
    return text


def _run_script(conn: Connection, script: Path, text: str) -> None:
    try:
        conn.execute(text.encode())
    except psycopg.Error as exc:
        position = exc.diag.statement_position
        where = f" line {text.count(chr(10), 0, int(position) - 1) + 1}" if position else ""
        raise InvalidInput(
            f"{script}{where}: {first_line(exc)}; fix the file and run again; {NOTHING}"
        ) from exc
    if conn.info.transaction_status != TransactionStatus.INTRANS:
        raise InvalidInput(f"{script} ended the load's transaction; remove its COMMIT or ROLLBACK")


def _copy_file(conn: Connection, file: Path, table: sql.Identifier) -> int:
    """Stream one data file into ``table``; the rows copied."""
    try:
        if file.suffix.lower() == ".csv":
            return _copy_csv(conn, file, table)
        return _copy_parquet(conn, file, table)
    except psycopg.Error as exc:
        line = COPY_LINE.search(exc.diag.context or "")
        unit = "line" if file.suffix.lower() == ".csv" else "row"
        where = f" {unit} {line.group(1)}" if line else ""
        raise InvalidInput(
            f"{file}{where}: {first_line(exc)}; fix the file and run again; {NOTHING}"
        ) from exc
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot read it ({exc}); {NOTHING}") from exc


def _copy_csv(conn: Connection, file: Path, table: sql.Identifier) -> int:
    with file.open("rb") as stream:
        start = len(UTF8_BOM) if stream.read(len(UTF8_BOM)) == UTF8_BOM else 0
        stream.seek(start)
        header = stream.readline().decode("utf-8", errors="replace")
        if not header.strip():
            raise InvalidInput(
                f"{file} line 1: no header row; start the file with its column names; {NOTHING}"
            )
        columns = next(csv.reader([header]))
        stream.seek(start)
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER MATCH)").format(
            table, sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        with conn.cursor() as cursor:
            with cursor.copy(statement) as copy:
                while chunk := stream.read(CHUNK_BYTES):
                    copy.write(chunk)
            return cursor.rowcount


def _copy_parquet(conn: Connection, file: Path, table: sql.Identifier) -> int:
    try:
        parquet = importlib.import_module("pyarrow.parquet")
    except ImportError as exc:
        raise InvalidInput(
            f"{file}: reading Parquet needs pyarrow: pip install pyarrow (or convert the file to CSV)"
        ) from exc
    try:
        reader = parquet.ParquetFile(str(file))
        columns = [str(name) for name in reader.schema_arrow.names]
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InvalidInput(f"{file}: not a readable Parquet file ({exc}); {NOTHING}") from exc
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table, sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with conn.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for row in _parquet_rows(reader.iter_batches(batch_size=BATCH_ROWS)):
                copy.write_row(row)
        return cursor.rowcount


def _parquet_rows(batches: Iterable[Any]) -> Iterator[list[Any]]:
    """Each record batch's rows as Python values psycopg can write (a struct as jsonb)."""
    for batch in batches:
        columns = [column.to_pylist() for column in batch.columns]
        for values in zip(*columns, strict=True):
            yield [Jsonb(v) if isinstance(v, dict) else v for v in values]
