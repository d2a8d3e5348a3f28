"""--config FILE, else HARNESS_CONFIG, else ./harness.toml, else the bundled default; said on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.config_option import describe, resolve_config
from harness.errors import ConfigError
from tests.conftest import TestDatabase
from tests.harness.runs import config_with, seed_small
from tests.helpers import invoke

TYPO = '[control]\nside = "bundled:legacy"\n[run]\nphase_timeot = 5\n'

# Every command that reads a config, with arguments that get it as far as loading it.
COMMANDS = {
    "run": ("run", "--dates", "2024-03-01"),
    "gate": ("gate",),
    "gate decommission": ("gate", "--phase", "decommission"),
    "status": ("status", "2024-03-01"),
    "books": ("books", "2024-03-01"),
    "export": ("export", "2024-03-01", "--out", "exported"),
    "cutover": ("cutover", "--date", "2024-03-01"),
}


def typo_error(shown: str) -> str:
    return f"error: {shown}: unknown key 'run.phase_timeot' (known here: calibrated, phase_timeout, repeat, role_isolation)\n"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory and no HARNESS_CONFIG."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("HARNESS_CONFIG", raising=False)
    return work


def test_the_order_of_discovery(tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text("")
    (tmp_path / "env.toml").write_text("")
    env = {"HARNESS_CONFIG": str(tmp_path / "env.toml")}
    assert resolve_config(Path("my.toml"), env, tmp_path) == (Path("my.toml"), "--config")
    assert resolve_config(None, env, tmp_path) == (tmp_path / "env.toml", "HARNESS_CONFIG")
    assert resolve_config(None, {"HARNESS_CONFIG": ""}, tmp_path) == (
        tmp_path / "harness.toml",
        "found in the current directory",
    )
    (tmp_path / "empty").mkdir()
    assert resolve_config(None, {}, tmp_path / "empty") == (None, "bundled default")
    with pytest.raises(ConfigError, match=r"^HARNESS_CONFIG names /nowhere\.toml, which is not a file; "):
        resolve_config(None, {"HARNESS_CONFIG": "/nowhere.toml"}, tmp_path)
    # --config wins even over a HARNESS_CONFIG naming nothing
    assert resolve_config(Path("my.toml"), {"HARNESS_CONFIG": "/nowhere.toml"}) == (
        Path("my.toml"),
        "--config",
    )


def test_the_line_each_way_prints() -> None:
    assert describe(Path("harness.toml"), "found in the current directory") == (
        "config: ./harness.toml (found in the current directory)"
    )
    assert describe(Path("/x.toml"), "HARNESS_CONFIG") == "config: /x.toml (HARNESS_CONFIG)"
    assert describe(Path("my.toml"), "--config") == "config: my.toml (--config)"
    assert describe(None, "bundled default") == "config: bundled default"


@pytest.mark.parametrize("argv", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_finds_harness_toml_in_the_current_directory(
    capsys: pytest.CaptureFixture[str], elsewhere: Path, argv: tuple[str, ...]
) -> None:
    (elsewhere / "harness.toml").write_text(TYPO)
    result = invoke(capsys, *argv)
    assert (result.code, result.out) == (2, "")
    assert result.err == "config: ./harness.toml (found in the current directory)\n" + typo_error(
        "harness.toml"
    )


@pytest.mark.parametrize("argv", COMMANDS.values(), ids=COMMANDS.keys())
def test_harness_config_comes_before_the_current_directory(
    capsys: pytest.CaptureFixture[str],
    elsewhere: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
) -> None:
    (elsewhere / "harness.toml").write_text('[control]\nside = "bundled:legacy"\n')
    named = elsewhere / "pair.toml"
    named.write_text(TYPO)
    monkeypatch.setenv("HARNESS_CONFIG", str(named))
    result = invoke(capsys, *argv)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"config: {named} (HARNESS_CONFIG)\n" + typo_error(str(named))


@pytest.mark.parametrize("argv", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_harness_config_naming_no_file_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    elsewhere: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
) -> None:
    monkeypatch.setenv("HARNESS_CONFIG", "missing.toml")
    result = invoke(capsys, *argv)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: HARNESS_CONFIG names missing.toml, which is not a file; point it at a config TOML or unset it\n"
    )


def test_config_beats_harness_config(
    capsys: pytest.CaptureFixture[str], elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_CONFIG", "missing.toml")
    (elsewhere / "my.toml").write_text(TYPO)
    result = invoke(capsys, "gate", "--config", "my.toml")
    assert (result.code, result.out) == (2, "")
    assert result.err == "config: my.toml (--config)\n" + typo_error("my.toml")


def test_without_any_the_bundled_default_is_used(
    capsys: pytest.CaptureFixture[str], elsewhere: Path, module_db: TestDatabase
) -> None:
    result = invoke(capsys, "gate", "--dsn", module_db.uri)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "config: bundled default\nerror: the ledger holds no runs yet; start one with 'harness run'\n"
    )


def test_a_run_uses_and_records_the_config_it_found(
    capsys: pytest.CaptureFixture[str], db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_small(db)
    config_with(tmp_path)  # the bundled config, written to tmp_path/harness.toml
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HARNESS_CONFIG", raising=False)
    result = invoke(capsys, "run", "--dsn", db.uri, "--quiet", "--dates", "2024-03-01", "--out", "report")
    assert result.code == 0, result.err
    assert result.err == "config: ./harness.toml (found in the current directory)\n"
    document = json.loads((tmp_path / "report" / "run.json").read_text())
    assert document["provenance"]["config"]["path"] == "harness.toml"
    assert document["provenance"]["reproduce"].startswith(
        "harness run --dates 2024-03-01 --config harness.toml"
    )
