"""A password in the DSN is never recorded, rendered or printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from harness.database import redact
from tests.conftest import TestDatabase
from tests.harness.runs import config_with, seed_small

FAKE_PASSWORD = "hunter2-Secret"


def test_redact_masks_uri_and_key_value_forms() -> None:
    assert redact(f"postgresql://u:{FAKE_PASSWORD}@h/db") == "postgresql://u:***@h/db"
    assert redact(f"postgresql://u@h/db?password={FAKE_PASSWORD}&sslmode=require") == (
        "postgresql://u@h/db?password=***&sslmode=require"
    )
    assert redact(f"host=h password={FAKE_PASSWORD} user=u") == "host=h password=*** user=u"
    assert redact(f"host=h password='{FAKE_PASSWORD} x' user=u") == "host=h password=*** user=u"


def test_a_dsn_password_appears_in_no_output(clean_db: TestDatabase, tmp_path: Path) -> None:
    seed_small(clean_db, per_day=5)
    # The embedded test server trusts local logins: a password there is accepted and ignored;
    # an external server's DSN brings its real one.
    given = conninfo_to_dict(clean_db.uri).get("password")
    password = str(given) if given else FAKE_PASSWORD
    dsn = make_conninfo(clean_db.uri, password=password)
    config = config_with(tmp_path)
    out = tmp_path / "out"
    run = [sys.executable, "-m", "harness", "run", "--dsn", dsn, "--config", str(config.path)]
    run += ["--dates", "2024-03-01", "--out", str(out)]
    ran = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    info = subprocess.run(
        [sys.executable, "-m", "harness", "db", "info", "--dsn", dsn],
        capture_output=True,
        text=True,
        timeout=60,
    )
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "--dsn",
            dsn.replace("dbname=", "dbname=nosuch_"),
            "--dates",
            "2024-03-01",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    with clean_db.connect() as conn:
        ledger_text = "".join(r[0] for r in conn.execute("SELECT body FROM harness.entry").fetchall())
    texts = [ran.stdout, ran.stderr, info.stdout, info.stderr, bad.stderr, ledger_text]
    texts += [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]
    assert all(password not in text for text in texts)
    assert "password=***" in ledger_text  # the command line is recorded, masked
