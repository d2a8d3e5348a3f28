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


# The bundled pair's [source] section, for test configs that describe their own entities.
BUNDLED_SOURCE = """[source]
schema = "source"
reference_tables = ["ledger", "accounting_period", "broker", "policy", "tax_rate", "fx_rate", "account", "posting_rule"]
date_scoped_tables = { insurance_transaction = "business_date" }
unit = { table = "insurance_transaction", label = "transactions" }
"""
