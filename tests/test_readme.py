"""The README stays true: its set-up commands exist and every CLI command is documented."""

import re
from pathlib import Path

import click

from harness.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def command_after(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```bash\n(.+)\n```", README)
    assert match, f"README has no command after <!-- {marker} -->"
    return match.group(1)


def test_setup_commands() -> None:
    assert command_after("main-command").endswith("pip install -e . && harness run --demo")
    assert command_after("test-command").endswith("pip install -e '.[test,spark]' && pytest -q -n 2")


def test_every_command_is_documented() -> None:
    names = []
    for name, command in cli.commands.items():
        if isinstance(command, click.Group):
            names += [f"{name} {sub}" for sub, c in command.commands.items() if not c.hidden]
        else:
            names.append(name)
    missing = [n for n in names if f"harness {n}" not in README]
    assert missing == []
