"""Every command has help with an example (sqlite-utils' test_docs habit)."""

import click
import pytest

from harness import __version__
from harness.cli import cli
from tests.helpers import invoke


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:  # internal (the process 'harness db start' leaves running)
            continue
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(all_commands(command, path))
    return found


COMMANDS = all_commands(cli)


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_help_has_an_example(capsys: pytest.CaptureFixture[str], path: tuple[str, ...]) -> None:
    result = invoke(capsys, *path, "--help")
    assert result.code == 0
    assert "Example:" in result.out
    assert "  harness " in result.out.split("Example:", 1)[1]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "--version")
    assert result.code == 0
    assert result.out == f"harness, version {__version__}\n"
