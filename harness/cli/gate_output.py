"""What both gates print: the criteria with their figures and the verdict, or one JSON document."""

from __future__ import annotations

import json
from typing import Any

import click

from harness.cli import style
from harness.cli.common import EXIT_MISMATCH, EXIT_OK
from harness.gate import GateResult


def echo_json(document: dict[str, Any]) -> None:
    click.echo(json.dumps(document, indent=2))


def gate_json(head: dict[str, Any], result: GateResult) -> dict[str, Any]:
    """``harness gate --json``: ``head`` (phase, what was evaluated), then ready, criteria, runs."""
    return {
        **head,
        "ready": result.ready,
        "criteria": [c.to_dict() for c in result.criteria],
        "runs": list(result.runs),
    }


def show_gate(result: GateResult, as_json: bool, head: dict[str, Any], heading: str, outcome: str) -> int:
    """``heading`` (what was evaluated), a PASS/FAIL line per criterion, then READY or NOT READY
    followed by ``outcome``; with ``as_json`` the document instead. The gate's exit code."""
    if as_json:
        echo_json(gate_json(head, result))
    else:
        click.echo(heading)
        for criterion in result.criteria:
            mark = style.verdict("PASS" if criterion.passed else "FAIL")
            click.echo(f"{mark}  {criterion.name}: {criterion.figure} (required {criterion.required})")
        click.echo(f"{style.verdict('READY' if result.ready else 'NOT READY')} {outcome}")
    return EXIT_OK if result.ready else EXIT_MISMATCH
