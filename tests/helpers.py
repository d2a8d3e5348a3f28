"""Small helpers shared by tests: run the CLI in-process and capture what users see."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.cli import run


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> CliResult:
    capsys.readouterr()
    code = run(list(argv))
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)
