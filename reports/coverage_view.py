"""The report's Coverage section: the run document's business cases, arranged for reading."""

from __future__ import annotations

from typing import Any

# Badge classes of the verdict palette, by cell status: a differing cell reads as a mismatch.
BADGES = {"matched": "v-MATCH", "differs": "v-MISMATCH", "unjudged": "v-NO_OUTPUT", "failed": "v-FAILED"}


def coverage_view(doc: dict[str, Any]) -> dict[str, Any]:
    cases = [_case(case) for case in (doc.get("coverage") or {}).get("cases", [])]
    cells = [cell for case in cases for cell in case["cells"]]
    return {
        "cases": cases,
        "cells": len(cells),
        "differing": sum(1 for c in cells if c["status"] == "differs"),
        "unjudged": sum(1 for c in cells if c["status"] == "unjudged"),
        "failed": [case["name"] for case in cases if case["errors"]],
        "unit_label": (doc.get("unit") or {}).get("label", "units"),
    }


def _case(case: dict[str, Any]) -> dict[str, Any]:
    return {
        **case,
        "badge": BADGES.get(case["status"], "v-NO_OUTPUT"),
        # a case that did not simply match is shown open: it is what a reader must look at
        "open": case["status"] != "matched",
        "cells": [{**cell, "badge": BADGES.get(cell["status"], "v-NO_OUTPUT")} for cell in case["cells"]],
    }
