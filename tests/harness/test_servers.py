"""Where a run's parts live: [control]/[candidate]/[source] dsn and dsn_env, [compare] transfer,
--control-dsn / --candidate-dsn, and the one-line errors for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import parse_config
from harness.database import Database
from harness.errors import ConfigError
from harness.servers import resolve_servers
from tests.conftest import TestDatabase
from tests.helpers import invoke

BASE = """
[source]
reference_tables = ["t"]
[control]
side = "bundled:legacy"
{control}
[candidate]
side = "bundled:enhanced"
{candidate}
"""
LEDGER = Database(uri="postgresql://harness@ledger/harness", embedded=False)


def config(control: str = "", candidate: str = "", extra: str = "") -> object:
    return parse_config(BASE.format(control=control, candidate=candidate) + extra, "h.toml", base=None)


def test_by_default_every_part_is_on_the_harness_database() -> None:
    servers = resolve_servers(LEDGER, config().servers)  # type: ignore[attr-defined]
    assert servers.sides == (LEDGER, LEDGER) and servers.source is LEDGER
    assert not servers.apart and not servers.separate


def test_a_side_named_by_an_environment_variable_and_the_source_on_the_controls_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OLD_PROD_DSN", "postgresql://harness:secret@old-prod/books")
    servers = resolve_servers(LEDGER, config('dsn_env = "OLD_PROD_DSN"').servers)  # type: ignore[attr-defined]
    assert servers.apart and servers.sides[1] is LEDGER
    assert servers.source == servers.sides[0]
    assert "secret" not in servers.sides[0].display_uri


def test_the_command_line_wins_over_the_config() -> None:
    found = config('dsn = "postgresql://a/b"').servers  # type: ignore[attr-defined]
    servers = resolve_servers(LEDGER, found, control_dsn="postgresql://c/d")
    assert servers.sides[0].uri == "postgresql://c/d"


def test_an_unset_variable_says_which_and_how_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    found = config(candidate='dsn_env = "NOT_SET_ANYWHERE"').servers  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE, which is not set; export NOT_SET_ANYWHERE="):
        resolve_servers(LEDGER, found)


@pytest.mark.parametrize(
    ("control", "extra", "message"),
    [
        ('dsn = "x"\ndsn_env = "Y"', "", "'control' takes dsn or dsn_env, not both"),
        ("dsn = 3", "", "'control.dsn' must be a non-empty string"),
        ("", '[compare]\ntransfer = "rows"', "'compare.transfer' must be 'hashes' or 'bisect'"),
        ("", '[compare]\ntransfr = "bisect"', "unknown key 'compare.transfr'"),
        ('dns = "x"', "", "unknown key 'control.dns'"),
    ],
)
def test_config_mistakes_are_one_line(control: str, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config(control, extra=extra)


def test_an_unreachable_side_server_stops_the_run_before_anything_is_created(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path
) -> None:
    closed = "postgresql://postgres@127.0.0.1:9/books?connect_timeout=2"
    out = str(tmp_path / "out")
    result = invoke(
        capsys, "run", "--dsn", db.uri, "--control-dsn", closed, "--dates", "2024-03-01", "--out", out
    )
    assert result.code == 2
    (line,) = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert "cannot reach the control's server postgresql://postgres@127.0.0.1:9/books" in line
    assert "check --control-dsn or [control] dsn / dsn_env" in line
    with db.connect() as conn:  # no schema made
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run\\_%'").fetchone() == (
            0,
        )
