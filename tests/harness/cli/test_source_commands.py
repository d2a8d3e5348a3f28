"""harness source load and harness source snapshot as users see them: one transaction each,
one line per table, one line and exit 2 for anything wrong (and then nothing kept)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from harness.fingerprint import Fingerprint, fingerprint
from tests.conftest import TestDatabase
from tests.helpers import CliResult, invoke

DIGEST = "[0-9a-f]{16}"
TABLES_SQL = """CREATE TABLE account (id int PRIMARY KEY, name text, balance numeric(12,2) NOT NULL);

CREATE TABLE note (id int, body text);
"""
ACCOUNT_CSV = 'id,name,balance\n1,Alice,10.50\n2,,0\n3,"",-1.25\n'
NOTE_CSV = 'body,id\n"a, quoted\nline",1\n,2\n'  # columns in another order than the table's


@pytest.fixture
def team_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "team"
    directory.mkdir()
    (directory / "01_tables.sql").write_text(TABLES_SQL)
    (directory / "account.csv").write_text(ACCOUNT_CSV)
    (directory / "note.csv").write_text(NOTE_CSV)
    return directory


def load(capsys: pytest.CaptureFixture[str], db: TestDatabase, path: Path, *more: str) -> CliResult:
    return invoke(capsys, "source", "load", str(path), "--dsn", db.uri, *more)


def schema_exists(conn: psycopg.Connection[tuple[Any, ...]], schema: str) -> bool:
    row = conn.execute("SELECT to_regnamespace(%s) IS NOT NULL", (schema,)).fetchone()
    return bool(row and row[0])


def one_error_line(result: CliResult) -> str:
    assert result.code == 2, result
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


def test_a_directory_loads_sql_first_then_each_csv(
    capsys: pytest.CaptureFixture[str],
    clean_db: TestDatabase,
    clean_conn: psycopg.Connection[tuple[Any, ...]],
    team_dir: Path,
) -> None:
    result = load(capsys, clean_db, team_dir)
    assert (result.code, result.err) == (0, "")
    lines = result.out.splitlines()
    assert re.fullmatch(f"source.account: 3 rows loaded; holds 3 rows, {DIGEST}", lines[0])
    assert re.fullmatch(f"source.note: 2 rows loaded; holds 2 rows, {DIGEST}", lines[1])
    assert lines[2] == f"loaded 2 table(s) into schema 'source' from {team_dir}"
    assert str(fingerprint(clean_conn, "source", "account")) in lines[0]
    rows = clean_conn.execute("SELECT id, name, balance::text FROM source.account ORDER BY id").fetchall()
    assert rows == [(1, "Alice", "10.50"), (2, None, "0.00"), (3, "", "-1.25")]  # NULL vs ""
    notes = clean_conn.execute("SELECT id, body FROM source.note ORDER BY id").fetchall()
    assert notes == [(1, "a, quoted\nline"), (2, None)]


def test_one_sql_file_into_another_schema(
    capsys: pytest.CaptureFixture[str],
    clean_db: TestDatabase,
    clean_conn: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    script = tmp_path / "tables.sql"
    script.write_text(TABLES_SQL + "INSERT INTO note VALUES (1, 'x');\n")
    result = load(capsys, clean_db, script, "--schema", "team")
    assert (result.code, result.err) == (0, "")
    assert re.fullmatch(f"team.note: 0 rows loaded; holds 1 rows, {DIGEST}", result.out.splitlines()[1])
    assert clean_conn.execute("SELECT count(*) FROM team.account").fetchone() == (0,)


def test_a_csv_without_its_table_names_it_and_keeps_nothing(
    capsys: pytest.CaptureFixture[str],
    clean_db: TestDatabase,
    clean_conn: psycopg.Connection[tuple[Any, ...]],
    team_dir: Path,
) -> None:
    (team_dir / "broker.csv").write_text("id\n1\n")
    line = one_error_line(load(capsys, clean_db, team_dir))
    assert line == (
        f"error: {team_dir / 'broker.csv'}: table source.broker does not exist; create it in a .sql "
        "file loaded first, or name the file after an existing table; nothing was loaded"
    )
    assert not schema_exists(clean_conn, "source")  # the SQL file's tables went with it


def test_a_malformed_row_names_its_line_and_keeps_nothing(
    capsys: pytest.CaptureFixture[str],
    clean_db: TestDatabase,
    clean_conn: psycopg.Connection[tuple[Any, ...]],
    team_dir: Path,
) -> None:
    (team_dir / "note.csv").write_text("id,body\n1,fine\n2,too,many\n")
    line = one_error_line(load(capsys, clean_db, team_dir))
    assert line.startswith(f"error: {team_dir / 'note.csv'} line 3: extra data after last expected column")
    assert line.endswith("; fix the file and run again; nothing was loaded")
    assert not schema_exists(clean_conn, "source")


def test_a_value_of_the_wrong_type_and_a_bad_statement_are_located(
    capsys: pytest.CaptureFixture[str], clean_db: TestDatabase, team_dir: Path
) -> None:
    (team_dir / "account.csv").write_text("id,name,balance\n1,a,1\n2,b,lots\n")
    line = one_error_line(load(capsys, clean_db, team_dir))
    assert line.startswith(f"error: {team_dir / 'account.csv'} line 3: invalid input syntax for type numeric")
    (team_dir / "01_tables.sql").write_text(TABLES_SQL + "\nCREATE TABLEE oops (id int);\n")
    line = one_error_line(load(capsys, clean_db, team_dir))
    assert line.startswith(f"error: {team_dir / '01_tables.sql'} line 5: syntax error at or near")
    (team_dir / "01_tables.sql").write_text("BEGIN;\n" + TABLES_SQL + "COMMIT;\n")
    line = one_error_line(load(capsys, clean_db, team_dir))
    assert line.startswith(f"error: {team_dir / '01_tables.sql'} line 1: BEGIN would end the load's one")


def test_parquet_loads_with_pyarrow_and_says_how_to_get_it_without(
    capsys: pytest.CaptureFixture[str],
    clean_db: TestDatabase,
    clean_conn: psycopg.Connection[tuple[Any, ...]],
    team_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (team_dir / "note.csv").unlink()
    target = team_dir / "note.parquet"
    if importlib.util.find_spec("pyarrow") is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"id": [1, 2, 3], "body": ["x", None, ""]}), target)
        result = load(capsys, clean_db, team_dir)
        assert (result.code, result.err) == (0, ""), result
        assert re.fullmatch(f"source.note: 3 rows loaded; holds 3 rows, {DIGEST}", result.out.splitlines()[1])
        notes = clean_conn.execute("SELECT id, body FROM source.note ORDER BY id").fetchall()
        assert notes == [(1, "x"), (2, None), (3, "")]
        clean_conn.execute("DROP SCHEMA source CASCADE")
    else:
        target.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # as if pyarrow were not installed
    line = one_error_line(load(capsys, clean_db, team_dir))
    assert (
        line
        == f"error: {target}: reading Parquet needs pyarrow: pip install pyarrow (or convert the file to CSV)"
    )
    assert not schema_exists(clean_conn, "source")


# ---- snapshot ------------------------------------------------------------------------------

TEAM_TABLES = """
CREATE TABLE policy (id int PRIMARY KEY, premium numeric(12,2) NOT NULL, starts date, holder text, terms jsonb);
INSERT INTO policy VALUES (1, 100.10, '2024-03-01', 'Ann', '{"cover": ["fire", "flood"]}'),
                          (2, 0.99, NULL, '', NULL), (3, -5, '2024-02-29', NULL, '{}');
CREATE TABLE broker (code varchar(8) NOT NULL, name text);
INSERT INTO broker SELECT 'B' || n, 'broker ' || n FROM generate_series(1, 2500) AS n;
"""
COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""


@pytest.fixture
def team_db(db: TestDatabase) -> TestDatabase:
    """A team's own server: a second database on the same server, with two tables in public."""
    with db.connect() as conn:
        conn.execute(TEAM_TABLES.encode())
    return db


def snapshot(capsys: pytest.CaptureFixture[str], local: TestDatabase, remote: str, *more: str) -> CliResult:
    return invoke(capsys, "source", "snapshot", "--dsn", local.uri, "--from-dsn", remote, *more)


def test_snapshot_copies_types_rows_and_the_primary_key(
    capsys: pytest.CaptureFixture[str],
    clean_db: TestDatabase,
    clean_conn: psycopg.Connection[tuple[Any, ...]],
    team_db: TestDatabase,
) -> None:
    result = snapshot(capsys, clean_db, team_db.uri, "--tables", "policy, broker")
    assert (result.code, result.err) == (0, ""), result
    lines = result.out.splitlines()
    fp = f"(\\d+) rows, ({DIGEST})"
    first = re.fullmatch(f"source.policy: 3 rows copied; {fp} here, {fp} on the source: match", lines[0])
    assert first and first.group(1, 2) == first.group(3, 4) and first.group(1) == "3"
    assert re.fullmatch(f"source.broker: 2500 rows copied; 2500 rows, {DIGEST} here, .*: match", lines[1])
    assert lines[2].startswith("copied 2 table(s) from ") and lines[2].endswith(" into schema 'source'")
    assert clean_conn.execute(COLUMNS, ("source.policy",)).fetchall() == [
        ("id", "integer", True),
        ("premium", "numeric(12,2)", True),
        ("starts", "date", False),
        ("holder", "text", False),
        ("terms", "jsonb", False),
    ]
    assert clean_conn.execute(COLUMNS, ("source.broker",)).fetchall()[0] == (
        "code",
        "character varying(8)",
        True,
    )
    keys = (
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'"
    )
    assert clean_conn.execute(keys, ("source.policy",)).fetchall() == [("PRIMARY KEY (id)",)]
    assert clean_conn.execute(keys, ("source.broker",)).fetchall() == []
    rows = clean_conn.execute(
        "SELECT id, premium::text, starts::text, holder, terms FROM source.policy ORDER BY id"
    )
    assert rows.fetchall() == [
        (1, "100.10", "2024-03-01", "Ann", {"cover": ["fire", "flood"]}),
        (2, "0.99", None, "", None),
        (3, "-5.00", "2024-02-29", None, {}),
    ]
    with team_db.connect() as remote:
        assert fingerprint(remote, "public", "broker") == fingerprint(clean_conn, "source", "broker")


def test_an_existing_table_needs_replace(
    capsys: pytest.CaptureFixture[str],
    clean_db: TestDatabase,
    clean_conn: psycopg.Connection[tuple[Any, ...]],
    team_db: TestDatabase,
) -> None:
    assert snapshot(capsys, clean_db, team_db.uri, "--tables", "broker").code == 0
    line = one_error_line(snapshot(capsys, clean_db, team_db.uri, "--tables", "policy,broker"))
    assert line == (
        "error: table source.broker already exists in the harness database; pass --replace to copy it "
        "again, or name another --schema; nothing was copied"
    )
    assert clean_conn.execute("SELECT to_regclass('source.policy')").fetchone() == (None,)
    again = snapshot(capsys, clean_db, team_db.uri, "--tables", "policy,broker", "--replace")
    assert again.code == 0, again
    assert clean_conn.execute("SELECT count(*) FROM source.broker").fetchone() == (2500,)


def test_a_missing_table_or_a_differing_copy_keeps_nothing(
    capsys: pytest.CaptureFixture[str],
    clean_db: TestDatabase,
    clean_conn: psycopg.Connection[tuple[Any, ...]],
    team_db: TestDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = one_error_line(snapshot(capsys, clean_db, team_db.uri, "--tables", "policy,nope"))
    assert line == (
        "error: there is no table public.nope on the source server; check --tables and --from-schema; "
        "nothing was copied"
    )
    itself = snapshot(capsys, team_db, team_db.uri, "--tables", "policy", "--schema", "public", "--replace")
    assert one_error_line(itself) == (
        "error: --from-dsn is the harness database itself and --from-schema is --schema ('public'); "
        "copy into another --schema; nothing was copied"
    )
    real = fingerprint

    def skewed(conn: psycopg.Connection[tuple[Any, ...]], schema: str, table: str) -> Fingerprint:
        found = real(conn, schema, table)
        return Fingerprint(found.rows, "0" * 16) if schema == "public" else found

    monkeypatch.setattr("harness.source.snapshot.fingerprint", skewed)
    line = one_error_line(snapshot(capsys, clean_db, team_db.uri, "--tables", "policy"))
    assert line.startswith(
        "error: the copy differs from the source server for policy (3 rows, 0000000000000000 there"
    )
    assert not schema_exists(clean_conn, "source")


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://team:s3cr3t-pw@127.0.0.1:1/erp",
        "host=127.0.0.1 port=1 dbname=erp user=team password=s3cr3t-pw",
        "password s3cr3t-pw",
        "postgresql://team:pw@s3cr3t-pw@127.0.0.1:1/erp",
    ],
    ids=["refused", "keywords", "unparsable", "unescaped-at"],
)
def test_a_bad_source_dsn_is_one_line_without_the_password(
    capsys: pytest.CaptureFixture[str], clean_db: TestDatabase, dsn: str
) -> None:
    result = snapshot(capsys, clean_db, dsn, "--tables", "policy")
    line = one_error_line(result)
    assert "s3cr3t-pw" not in result.out + result.err
    assert line.startswith(
        ("error: cannot connect to the source server team@127.0.0.1:1/erp", "error: --from-dsn")
    )
