"""Schema diff of one entity: the columns and types each side's query returns.

A compared column only one side returns is a difference of the whole entity (its verdict
is MISMATCH however its rows compare: NULLs on the side without it may otherwise match);
a type that differs is reported beside the verdict (text on one side, varchar(400) on the
other compares equal as text, yet a reader should know), or fails it when the entity
declares ``type_differences = "fail"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from comparisons.spec import EntitySpec

Types = dict[str, str]


@dataclass(frozen=True)
class SchemaFinding:
    column: str
    kind: str  # missing_on_control | missing_on_candidate | type
    control_type: str | None
    candidate_type: str | None

    fails: bool = True  # a missing column always; a type difference when the entity says "fail"

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "kind": self.kind,
            "control_type": self.control_type,
            "candidate_type": self.candidate_type,
            "fails": self.fails,
        }

    def describe(self) -> str:
        if self.kind == "type":
            return f"{self.column}: control {self.control_type}, candidate {self.candidate_type}"
        side = self.kind.removeprefix("missing_on_")
        return f"{self.column}: not returned by the {side} query"


def column_types(columns: Sequence[psycopg.Column]) -> Types:
    """Column name -> type as PostgreSQL displays it (with its modifier: varchar(400))."""
    return {c.name: c.type_display for c in columns}


def schema_diff(spec: EntitySpec, control: Types, candidate: Types) -> tuple[SchemaFinding, ...]:
    findings = []
    for name in [*control, *(n for n in candidate if n not in control)]:
        if name in spec.ignore:
            continue
        a, b = control.get(name), candidate.get(name)
        if a is None or b is None:
            kind = "missing_on_control" if a is None else "missing_on_candidate"
            if name not in spec.context:
                findings.append(SchemaFinding(name, kind, a, b))
        elif a != b:
            findings.append(SchemaFinding(name, "type", a, b, spec.type_differences == "fail"))
    return tuple(findings)
