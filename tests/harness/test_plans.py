"""Plans of a side's phases, captured with auto_explain on a rolled-back execution."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from harness import plans
from harness.config import load_config
from harness.database import Database
from harness.execution import install_into_schema
from harness.isolation import SideSpace, copy_source, create_space, side_space
from harness.manifest import load_side
from harness.plan_nodes import parse_notice
from harness.plans import capture_plans
from harness.side_execution import SideSession
from tests.conftest import TestDatabase
from tests.harness.runs import DATES, seed_small, variant

DAY = DATES[0]
ROLE_SETTINGS = "SELECT setdatabase, setconfig FROM pg_db_role_setting WHERE setrole = %s::regrole ORDER BY 1"
TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1"
)


def isolated(db: TestDatabase, side: str, label: str = "candidate") -> SideSpace:
    """A sealed space of ``side`` (a bundled name or a manifest directory), installed."""
    space = side_space("plans", label, load_side(side), isolate=True)
    with db.connect() as conn:
        create_space(conn, space)
        copy_source(conn, space, load_config().source, [DAY])
    SideSession(db.as_database(), space, None).install()
    return space


def snapshot(db: TestDatabase, space: SideSpace) -> dict[str, Any]:
    """The role's settings and the row count of every table of the side."""
    with db.connect() as conn:
        tables = [r[0] for r in conn.execute(TABLES, (space.schema,)).fetchall()]
        counts = {
            t: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(space.schema, t))
            ).fetchone()
            for t in tables
        }
        return {"settings": conn.execute(ROLE_SETTINGS, (space.role,)).fetchall(), "counts": counts}


@pytest.fixture
def seeded(db: TestDatabase) -> Iterator[TestDatabase]:
    seed_small(db, per_day=20)
    yield db


def test_plans_of_the_statements_inside_the_phases_and_nothing_kept(seeded: TestDatabase) -> None:
    space = isolated(seeded, "enhanced")
    before = snapshot(seeded, space)
    assert before["counts"]["insurance_transaction"] == (20,)
    result = capture_plans(seeded.as_database(), space, DAY)
    assert (result.status, result.detail) == ("captured", None), result.detail
    phases = {p.name: p for p in result.phases}
    for name in ("journal creation", "GL posting"):
        phase = phases[name]
        assert phase.seconds > 0 and phase.completed
        nested = [p for p in phase.plans if p.nested]
        inserts = [p for p in nested if p.statement.upper().startswith(("INSERT", "WITH"))]
        assert inserts, [p.statement for p in phase.plans]
        assert any(n.node_type == "ModifyTable" for p in inserts for n in p.top_nodes)
        assert all(p.total_ms > 0 for p in inserts) and all(p.total_ms >= 0 for p in phase.plans)
        assert [p for p in phase.plans if not p.nested] != []  # the phase's own SELECT f(...)
    assert phases["journal creation"].plans[0].total_ms >= phases["journal creation"].plans[-1].total_ms
    assert snapshot(seeded, space) == before
    json.dumps(result.to_dict())


def test_at_most_the_slowest_plans_are_kept(seeded: TestDatabase) -> None:
    space = isolated(seeded, "enhanced")
    result = capture_plans(seeded.as_database(), space, DAY, max_plans=2, big_table_rows=5)
    phase = next(p for p in result.phases if p.name == "data fetch")
    assert len(phase.plans) == 2 and phase.seen > 2
    scans = [s for p in result.phases for plan in p.plans for s in plan.seq_scans]
    assert all(s.rows_read > 5 for s in scans)


def test_a_failing_phase_is_reported_and_the_role_left_as_it_was(
    seeded: TestDatabase, tmp_path: Path
) -> None:
    space = isolated(
        seeded, variant(tmp_path, "enhanced", "SELECT 1 / (SELECT count(*) - count(*) FROM voucher)")
    )
    before = snapshot(seeded, space)
    result = capture_plans(seeded.as_database(), space, DAY)
    assert result.status == "failed"
    assert result.detail and "rewrite the day before" in result.detail and "division by zero" in result.detail
    enhanced_phases = len(load_side("enhanced").phases)  # all completed, then the failing one
    assert [p.completed for p in result.phases] == [True] * enhanced_phases + [False]
    assert snapshot(seeded, space) == before


def test_settings_of_the_roles_own_are_not_overridden(seeded: TestDatabase) -> None:
    space = isolated(seeded, "enhanced")
    with seeded.connect() as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} IN DATABASE {} SET auto_explain.log_min_duration = '5s'").format(
                sql.Identifier(str(space.role)), sql.Identifier(seeded.name)
            )
        )
    before = snapshot(seeded, space)
    result = capture_plans(seeded.as_database(), space, DAY)
    assert result.status == "unavailable" and result.phases == ()
    assert result.detail and result.detail.startswith("unavailable: ") and "log_min_duration" in result.detail
    assert snapshot(seeded, space) == before


def test_an_interrupted_login_still_removes_the_settings(
    seeded: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = isolated(seeded, "enhanced")
    before = snapshot(seeded, space)

    def interrupted(*_: object) -> None:
        assert snapshot(seeded, space)["settings"] != before["settings"]  # set for the login
        raise KeyboardInterrupt

    monkeypatch.setattr(SideSession, "connect", interrupted)
    with pytest.raises(KeyboardInterrupt):
        capture_plans(seeded.as_database(), space, DAY)
    assert snapshot(seeded, space) == before


def test_a_notice_that_is_no_plan_is_ignored() -> None:
    assert parse_notice("journals created: 20", "SELECT f()", 10) is None
    assert parse_notice('{"not": "a plan"} 3', "SELECT f()", 10) is None
    plan = {"Node Type": "Seq Scan", "Relation Name": "t", "Actual Total Time": 2.0, "Actual Loops": 2}
    found = parse_notice(
        "duration: 4.500 ms  plan:\n" + json.dumps({"Query Text": "SELECT f($1)", "Plan": plan}),
        "SELECT f(%(business_date)s)",
        10,
    )
    assert found is not None and not found.nested and found.total_ms == 4.5
    assert found.top_nodes[0].total_ms == 4.0 and found.seq_scans == ()


def test_without_auto_explain_or_a_superuser_plans_are_unavailable(
    seeded: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = isolated(seeded, "enhanced")
    assert space.login is not None
    as_side = Database(make_conninfo(seeded.uri, user=space.login.role, password=space.login.password), False)
    result = capture_plans(as_side, space, DAY)
    assert result.status == "unavailable" and "is not a superuser" in str(result.detail)
    monkeypatch.setattr(plans, "LIBRARY", "no_such_module")
    result = capture_plans(seeded.as_database(), space, DAY)
    assert result.status == "unavailable" and "no no_such_module module" in str(result.detail)


def test_without_role_isolation_the_harness_session_explains(seeded: TestDatabase) -> None:
    space = side_space("plans", "control", load_side("legacy"), isolate=False)
    with seeded.connect() as conn:
        create_space(conn, space)
        copy_source(conn, space, load_config().source, [DAY])
        install_into_schema(conn, space.side, space.schema)
    result = capture_plans(seeded.as_database(), space, DAY, max_plans=3)
    assert result.status == "captured", result.detail
    assert all(len(p.plans) <= 3 for p in result.phases) and any(p.seen > 3 for p in result.phases)
