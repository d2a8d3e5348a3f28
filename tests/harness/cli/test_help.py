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


def test_the_command_listing_is_never_cut_with_an_ellipsis(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "--help")
    assert result.code == 0
    usage, *rest = result.out.splitlines()
    assert usage == "Usage: harness [OPTIONS] COMMAND [ARGS]..."  # click's "repeatable", not a cut
    assert [line for line in rest if line.rstrip().endswith("...")] == []
    listing = result.out.split("Commands:\n", 1)[1]
    assert (
        "  cutover        Publish business dates from the primary side, with the other\n"
        "                 side as its shadow.\n"
    ) in listing
    assert "  show           Print one run's summary (default: the latest run).\n" in listing


@pytest.mark.parametrize(
    ("command", "usage"),
    [("show", "Usage: harness show [OPTIONS] [RUN]"), ("report", "Usage: harness report [OPTIONS] [RUN]")],
)
def test_an_optional_run_reads_as_optional(
    capsys: pytest.CaptureFixture[str], command: str, usage: str
) -> None:
    result = invoke(capsys, command, "--help")
    assert result.code == 0
    assert result.out.splitlines()[0] == usage


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_optional_argument_is_bracketed_in_usage(path: tuple[str, ...]) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    with click.Context(command, info_name=path[-1]) as ctx:
        for param in command.params:
            if isinstance(param, click.Argument):
                metavar = param.make_metavar(ctx)
                assert metavar.startswith("[") == (not param.required), (param.name, metavar)


def test_the_global_options_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "--help")
    assert result.code == 0
    options = result.out.split("Options:\n", 1)[1].split("Commands:\n", 1)[0]
    for option in ("-q, --quiet", "-v, --verbose", "--debug", "--color / --no-color"):
        assert f"  {option}  " in options
    assert "NO_COLOR" in options
