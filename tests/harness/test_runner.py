"""harness run end to end: isolation, failures, timeouts, interruption and resume."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest

from harness.errors import InvalidInput
from harness.fingerprint import fingerprint
from harness.progress import Progress
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, config_with, run, seed_small, verdicts


@pytest.fixture
def seeded(db: TestDatabase) -> TestDatabase:
    """Source with 2024-03-01..03, 30 transactions a day (seed 7)."""
    seed_small(db)
    return db


def failures(doc: dict[str, Any]) -> list[str]:
    return sorted({t["candidate"]["error"] for t in doc["timings"] if t["candidate"]["status"] == "FAILED"})


def test_bundled_pair_matches_and_leaves_the_source_unchanged(seeded: TestDatabase, tmp_path: Path) -> None:
    with seeded.connect() as conn:
        before = fingerprint(conn, "source", "insurance_transaction")
    state, doc = run(seeded, config_with(tmp_path), tmp_path)
    assert doc["run"]["status"] == "completed"
    assert set(verdicts(doc).values()) <= {"MATCH", "ACCEPTED"}
    assert len(doc["comparisons"]) == len(DATES) * len(doc["entities"])
    assert doc["provenance"]["source_fingerprints_before"] == doc["provenance"]["source_fingerprints_after"]
    with seeded.connect() as conn:
        assert fingerprint(conn, "source", "insurance_transaction") == before
        leftovers = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", (f"run_{state.run_id}%",)
        ).fetchone()
        roles = conn.execute(  # roles are the server's: only this run's count here
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE %s", (f"harness_run_{state.run_id}%",)
        ).fetchone()
    assert leftovers == (0,)
    assert roles == (0,)


def test_side_reading_the_other_sides_schema_fails(seeded: TestDatabase, tmp_path: Path) -> None:
    _, doc = run(seeded, config_with(tmp_path, candidate="peeker"), tmp_path, dates=DATES[:1])
    assert set(verdicts(doc).values()) == {"FAILED"}
    [error] = failures(doc)
    assert "permission denied for schema run_" in error
    assert error.startswith("peeker failed in phase 'peek' on 2024-03-01: ")


def test_side_writing_the_source_fails(seeded: TestDatabase, tmp_path: Path) -> None:
    _, doc = run(seeded, config_with(tmp_path, candidate="source_writer"), tmp_path, dates=DATES[:1])
    [error] = failures(doc)
    assert "permission denied for schema source" in error
    with seeded.connect() as conn:
        assert conn.execute(
            "SELECT count(*) FROM source.insurance_transaction WHERE status <> 'NEW'"
        ).fetchone() == (0,)


def test_side_raising_halfway_writes_nothing_and_the_run_goes_on(
    seeded: TestDatabase, tmp_path: Path
) -> None:
    state, doc = run(seeded, config_with(tmp_path, candidate="halfway"), tmp_path, keep_schemas=True)
    assert [t["candidate"]["status"] for t in doc["timings"]] == ["FAILED"] * 3
    assert [t["control"]["status"] for t in doc["timings"]] == ["OK"] * 3
    assert failures(doc) == [
        f"halfway failed in phase 'crash' on {d}: division by zero [SQLSTATE 22012]"
        for d in ("2024-03-01", "2024-03-02", "2024-03-03")
    ]
    schema = state.spaces[1].schema
    with seeded.connect() as conn:
        changed = conn.execute(
            f"SELECT count(*) FROM \"{schema}\".insurance_transaction WHERE status <> 'NEW'"
        )
        assert changed.fetchone() == (0,)
        conn.execute(f'DROP SCHEMA "{schema}", "{state.spaces[0].schema}" CASCADE')
        for space in state.spaces:
            conn.execute(f'DROP OWNED BY "{space.role}"; DROP ROLE "{space.role}"')


def test_phase_timeout_fails_the_side(seeded: TestDatabase, tmp_path: Path) -> None:
    _, doc = run(
        seeded, config_with(tmp_path, candidate="sleeper"), tmp_path, dates=DATES[:1], phase_timeout=0.5
    )
    assert failures(doc) == [
        "sleeper timed out in phase 'sleep' on 2024-03-01 after 0.5 s (--phase-timeout; "
        "enforced by the harness from outside the side's session)"
    ]


def outcomes(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, Any]]:
    return {(c["business_date"], c["entity"]): (c["verdict"], c["counts"]) for c in doc["comparisons"]}


class InterruptOn(Progress):
    """Progress that raises KeyboardInterrupt (as Ctrl-C would) when a status mentions ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__(io.StringIO())
        self.text = text

    def status(self, text: str) -> None:
        if self.text in text:
            raise KeyboardInterrupt
        super().status(text)


def test_interrupted_run_resumes_to_the_same_result(seeded: TestDatabase, tmp_path: Path) -> None:
    config = config_with(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run(seeded, config, tmp_path, progress=InterruptOn("2024-03-02 candidate"))
    with seeded.connect() as conn:
        run_id = conn.execute("SELECT max(run_id) FROM harness.entry").fetchone()[0]
        status = conn.execute(
            "SELECT body::jsonb->>'status' FROM harness.entry WHERE kind = 'run_finished' AND run_id = %s",
            (run_id,),
        ).fetchone()
    assert status == ("interrupted",)
    _, resumed = run(seeded, config, tmp_path, dates=(), resume=run_id)
    _, straight = run(seeded, config, tmp_path)
    assert resumed["run"]["run_id"] == run_id
    assert resumed["run"]["status"] == "completed"

    assert outcomes(resumed) == outcomes(straight)


def test_dates_without_transactions_are_an_error(seeded: TestDatabase, tmp_path: Path) -> None:
    from datetime import date

    with pytest.raises(InvalidInput, match=r"no rows in source.insurance_transaction for any of the 2 date"):
        run(seeded, config_with(tmp_path), tmp_path, dates=(date(2025, 1, 1), date(2025, 1, 2)))


def test_an_empty_date_among_others_is_recorded_not_passed(seeded: TestDatabase, tmp_path: Path) -> None:
    from datetime import date

    _, doc = run(seeded, config_with(tmp_path), tmp_path, dates=(DATES[0], date(2024, 3, 9)))
    assert doc["verdict"]["ready"] is False
    assert (
        "2024-03-09: NO_DATA: no transactions in the source for this date, nothing to compare"
        in (doc["verdict"]["reasons"])
    )


def test_concurrent_run_gives_the_same_results(seeded: TestDatabase, tmp_path: Path) -> None:
    _, sequential = run(seeded, config_with(tmp_path), tmp_path, dates=DATES[:2])
    _, concurrent = run(seeded, config_with(tmp_path), tmp_path, dates=DATES[:2], concurrent=True)
    assert outcomes(concurrent) == outcomes(sequential)
    assert all(t["control"]["status"] == t["candidate"]["status"] == "OK" for t in concurrent["timings"])


class SeesTheOtherSide(Progress):
    """When the candidate starts napping, notes whether the control's session is busy too."""

    def __init__(self, db: TestDatabase) -> None:
        super().__init__(io.StringIO())
        self.db, self.overlaps = db, []

    def status(self, text: str) -> None:
        if "candidate (napper): nap" in text:
            self.overlaps.append(self._control_busy_within(1.5))
        super().status(text)

    def _control_busy_within(self, seconds: float) -> bool:
        """The control naps 2 s: if it runs alongside, it is seen active well within that."""
        deadline = time.monotonic() + seconds
        with self.db.connect() as conn:
            while time.monotonic() < deadline:
                busy = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename LIKE 'harness\\_run\\_%\\_control' "
                    "AND state = 'active' AND datname = current_database()"
                ).fetchone()
                if busy and busy[0]:
                    return True
                time.sleep(0.05)
        return False


@pytest.mark.parametrize("concurrent", [True, False])
def test_concurrent_sides_really_run_at_the_same_time(
    seeded: TestDatabase, tmp_path: Path, concurrent: bool
) -> None:
    progress = SeesTheOtherSide(seeded)
    config = config_with(tmp_path, control="napper", candidate="napper")
    run(seeded, config, tmp_path, dates=DATES[:1], progress=progress, concurrent=concurrent)
    assert progress.overlaps == [concurrent]


def test_user_without_createrole_is_told_which_privilege_is_missing(db: TestDatabase, tmp_path: Path) -> None:
    from psycopg.conninfo import make_conninfo

    from harness.errors import IsolationError
    from tests.conftest import TestDatabase as Db

    role, password = f"plain_{db.name}", f"pw_{db.name}"  # a password: servers may require one
    with db.connect() as conn:
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        conn.execute(f'GRANT CREATE ON DATABASE "{db.name}" TO "{role}"')
    plain = Db(uri=make_conninfo(db.uri, user=role, password=password), name=db.name)
    seed_small(plain)
    try:
        with pytest.raises(
            IsolationError, match=rf"user '{role}' may not create roles, which role isolation needs"
        ):
            run(plain, config_with(tmp_path), tmp_path, dates=DATES[:1])
        _, doc = run(plain, config_with(tmp_path), tmp_path, dates=DATES[:1], role_isolation=False)
        assert doc["isolation"] == {"roles": False, "reader": None}
        assert doc["verdict"]["ready"] is True
        assert "--no-role-isolation" in doc["provenance"]["reproduce"]
    finally:
        with db.connect() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS source, harness CASCADE; DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_a_resumed_run_refuses_a_changed_side(seeded: TestDatabase, tmp_path: Path) -> None:
    import shutil

    from harness.errors import InvalidInput
    from tests.harness.runs import FIXTURE_SIDES

    side = tmp_path / "napper_copy"
    shutil.copytree(FIXTURE_SIDES / "napper", side)
    config = config_with(tmp_path, candidate=str(side))
    with pytest.raises(KeyboardInterrupt):
        run(seeded, config, tmp_path, dates=DATES[:2], progress=InterruptOn("2024-03-02 candidate"))
    with seeded.connect() as conn:
        run_id = conn.execute("SELECT max(run_id) FROM harness.entry").fetchone()[0]
    manifest = side / "manifest.toml"
    manifest.write_text(manifest.read_text().replace("pg_sleep(2)", "pg_sleep(0)"))
    with pytest.raises(InvalidInput, match=r"candidate's SQL .* changed since run"):
        run(seeded, config_with(tmp_path, candidate=str(side)), tmp_path, dates=(), resume=run_id)
