"""Sides on two servers, end to end: legacy on PostgreSQL 15 (the old production server,
which also holds the source), enhanced on the embedded PostgreSQL 18 beside the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from harness import run_start
from harness.cli.output import print_summary
from harness.errors import DatabaseUnavailable, IsolationError
from harness.history import run_document
from harness.ledger.runs import read_runs
from harness.progress import Progress
from harness.run_plan import RunRequest
from harness.runner import Runner
from harness.source_copy import copy_source_across
from reports.html import render_html
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small, variant
from tests.harness.test_differing_keys import MANY_CHANGES
from tests.harness.test_drift import REWRITE_PREVIOUS_DAY, STRAY_ROW
from tests.helpers import invoke
from tests.servers import start_pg15

# Defects the single-server suite catches, all at once: GL lines changed, doubled and lost
# (test_differing_keys), a journal error dated outside the run (whole books) and the day
# before rewritten (drift; test_drift).
DEFECTS = (MANY_CHANGES, STRAY_ROW, REWRITE_PREVIOUS_DAY)


def _findings(doc: dict[str, Any]) -> dict[tuple[str, str, str], tuple[str, dict[str, int] | None]]:
    found = {}
    for c in doc["comparisons"]:
        counts = {k: v for k, v in (c["counts"] or {}).items() if k != "examined"}
        found[(c["business_date"], c["entity"], c.get("scope", "date"))] = (c["verdict"], counts)
    return found


def _two_servers(tmp_path: Path, candidate: str = "enhanced", transfer: str = "hashes") -> Any:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return config_with(tmp_path, candidate=candidate, extra=f'\n[compare]\ntransfer = "{transfer}"\n')


@pytest.fixture
def old_server(pg15_db: TestDatabase) -> TestDatabase:
    """The old production server: the source, and the control's side."""
    seed_small(pg15_db)
    return pg15_db


def test_legacy_on_15_and_enhanced_on_18_are_ready_in_both_modes(
    db: TestDatabase, old_server: TestDatabase, tmp_path: Path
) -> None:
    for transfer in ("hashes", "bisect"):
        config = _two_servers(tmp_path / transfer, transfer=transfer)
        _, doc = run(db, config, tmp_path / transfer, DATES[:2], control_dsn=old_server.uri)
        assert doc["verdict"]["ready"], doc["verdict"]
        assert {c["verdict"] for c in doc["comparisons"]} <= {"MATCH", "ACCEPTED"}
    with db.connect() as conn:
        started = read_runs(conn)[-1].started
    assert started.servers["control"]["server_version"].startswith("15")
    assert started.servers["candidate"]["server_version"].startswith("18")
    assert "password" not in str(started.servers)
    with psycopg.connect(old_server.uri) as conn:  # nothing of the runs is left on the old server
        left = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run\\_%'").fetchone()
    assert left == (0,)


def test_defects_give_the_verdicts_and_counts_of_one_server(
    db: TestDatabase, old_server: TestDatabase, tmp_path: Path
) -> None:
    seed_small(db)  # the same source on the harness's own server, for the run on one server
    candidate = variant(tmp_path, "enhanced", DEFECTS, "defects")
    _, alone = run(db, _two_servers(tmp_path / "one", candidate), tmp_path / "one", DATES[:2])
    expected = _findings(alone)
    assert {v for v, _ in expected.values()} >= {"MISMATCH", "MATCH"}
    for transfer in ("hashes", "bisect"):
        config = _two_servers(tmp_path / transfer, candidate, transfer)
        _, doc = run(db, config, tmp_path / transfer, DATES[:2], control_dsn=old_server.uri)
        assert _findings(doc) == expected, transfer
        assert not doc["verdict"]["ready"]


def test_different_input_on_the_two_servers_is_refused_before_anything_runs(
    db: TestDatabase, old_server: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lossy(source: Any, target: Any, space: Any, config: Any, dates: Any) -> Any:
        target.execute(f'CREATE TABLE "{space.schema}".lost ()')  # proves the copy ran
        prints = copy_source_across(source, target, space, config, dates)
        target.execute(
            f'DELETE FROM "{space.schema}".policy WHERE policy_id = (SELECT min(policy_id) FROM "{space.schema}".policy)'
        )
        from harness.fingerprint import fingerprint

        return {**prints, "policy": fingerprint(target, space.schema, "policy")}

    monkeypatch.setattr(run_start, "copy_source_across", lossy)
    with pytest.raises(IsolationError, match="different copies of policy"):
        run(db, _two_servers(tmp_path), tmp_path, DATES[:1], candidate_dsn=db.uri, control_dsn=old_server.uri)
    for server in (db, old_server):
        with server.connect() as conn:
            assert conn.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run\\_%'"
            ).fetchone() == (0,)


class KillOnPhase(Progress):
    """Stops the control's server when the control starts its first phase on the second date."""

    def __init__(self, stop: Any) -> None:
        super().__init__(quiet=True)
        self.stop = stop

    def status(self, text: str) -> None:
        if text.startswith(f"{DATES[1]} control") and "repeat" not in text:
            self.stop()
        super().status(text)


def test_a_server_that_goes_away_mid_run_fails_the_run_cleanly(db: TestDatabase, tmp_path: Path) -> None:
    server = start_pg15()
    try:
        with psycopg.connect(server.uri(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE books")
        seed_small(TestDatabase(server.uri("books"), "books"))
        runner = Runner(db.as_database(), _two_servers(tmp_path), KillOnPhase(server.stop))
        request = RunRequest(dates=DATES[:2], out_dir=tmp_path / "out", control_dsn=server.uri("books"))
        with pytest.raises(DatabaseUnavailable):
            runner.run(request)
    finally:
        server.remove()
    with db.connect() as conn:
        (record,) = read_runs(conn)
        assert record.status == "failed"
        assert [d.business_date for d in record.dates] == [DATES[0].isoformat()]
        left = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run\\_%'").fetchone()
        doc = run_document(conn, record.started.run_id)
    assert left == (0,)  # the candidate's schema on the reachable server is gone
    assert "not read after the run" in render_html(doc)  # the dead source is not called unchanged


def test_db_info_names_each_server_and_reproduce_names_the_side_dsn(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, old_server: TestDatabase, tmp_path: Path
) -> None:
    result = invoke(capsys, "db", "info", "--dsn", db.uri, "--control-dsn", old_server.uri)
    assert result.code == 0
    control = next(line for line in result.out.splitlines() if line.startswith("control:"))
    assert "PostgreSQL 15" in control and f"database {old_server.name}" in control
    assert not any(line.startswith("candidate:") for line in result.out.splitlines())  # the harness's own
    _, doc = run(db, _two_servers(tmp_path), tmp_path, DATES[:1], control_dsn=old_server.uri)
    assert doc["provenance"]["reproduce"].endswith(f"--control-dsn {old_server.uri}")
    print_summary(doc)
    servers = [line for line in capsys.readouterr().out.splitlines() if line.startswith("servers:")]
    assert (
        servers and "the control ran on PostgreSQL 15" in servers[0] and "not a like-for-like" in servers[0]
    )


# The candidate, on its own server, swaps its GL table for a view over it (side code the
# comparison would run while it reads): refused there as on one server, never a MATCH.
VIEW_FOR_TABLE = """
DO $$ BEGIN
    IF to_regclass('gl_real') IS NULL THEN
        ALTER TABLE gl_entries RENAME TO gl_real;
        CREATE VIEW gl_entries AS SELECT * FROM gl_real;
    END IF;
END $$
"""


def test_a_candidate_on_its_own_server_cannot_pass_a_view_for_its_books(
    db: TestDatabase, old_server: TestDatabase, tmp_path: Path
) -> None:
    candidate = variant(tmp_path, "enhanced", VIEW_FOR_TABLE, "viewing")
    seed_small(db)
    config = _two_servers(tmp_path / "apart", candidate)
    _, doc = run(db, config, tmp_path, DATES[:1], candidate_dsn=old_server.uri)
    gl = [c for c in doc["comparisons"] if c["entity"] == "gl_entries"]
    assert gl and all(c["verdict"] == "FAILED" and "is a view" in c["error"] for c in gl)
    assert not doc["verdict"]["ready"]
