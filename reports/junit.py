"""JUnit XML: one test case per business date and entity, so CI systems list them natively.

MISMATCH and FAILED comparisons carry a <failure> whose message is the one-line summary;
MATCH and ACCEPTED pass (ACCEPTED says what covered it in <system-out>).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from typing import Any

from reports.summary import comparison_details, comparison_summary

FAILING = frozenset({"MISMATCH", "FAILED", "NO_OUTPUT", "REWRITTEN"})
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(text: str) -> str:
    """Characters XML 1.0 cannot carry (NUL, most C0 controls) replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def render_junit(doc: dict[str, Any]) -> str:
    """The run's comparisons as a JUnit XML document (one <testsuite> per business date)."""
    run = doc["run"]
    books = doc.get("books", [])
    comparisons = [*doc["comparisons"], *books]
    root = ET.Element(
        "testsuites",
        {
            "name": f"parallel run {run['run_id']}",
            "tests": str(len(comparisons)),
            "failures": str(sum(c["verdict"] in FAILING for c in comparisons)),
            "errors": "0",
        },
    )
    seconds = {t["business_date"]: _date_seconds(t) for t in doc["timings"]}
    order = {day: i for i, day in enumerate(run["dates"])}
    ordered = sorted(doc["comparisons"], key=lambda c: order.get(c["business_date"], len(order)))
    for day, group in groupby(ordered, key=lambda c: c["business_date"]):
        root.append(_suite(doc, day, list(group), seconds.get(day)))
    if books:
        root.append(_suite(doc, "whole-books", books, None))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _date_seconds(timing: dict[str, Any]) -> float:
    return sum(timing[side]["seconds"] or 0.0 for side in ("control", "candidate"))


def _suite(
    doc: dict[str, Any], day: str, comparisons: list[dict[str, Any]], seconds: float | None
) -> ET.Element:
    attributes = {
        "name": day,
        "tests": str(len(comparisons)),
        "failures": str(sum(c["verdict"] in FAILING for c in comparisons)),
        "errors": "0",
        "skipped": "0",
        "timestamp": doc["run"]["started_at"],
        "hostname": _text(doc["run"]["host"]),
    }
    if seconds is not None:
        attributes["time"] = f"{seconds:.3f}"
    suite = ET.Element("testsuite", attributes)
    properties = ET.SubElement(suite, "properties")
    for name, item in (
        ("run_id", doc["run"]["run_id"]),
        ("verdict", doc["verdict"]["label"]),
        ("control", doc["sides"]["control"]["side"]),
        ("candidate", doc["sides"]["candidate"]["side"]),
        # the chain head as of this run: 'harness verify-ledger --anchor SEQ:HASH' proves it later
        ("ledger_anchor", f"{doc['run']['ledger_seq'][1]}:{doc['run']['ledger_hash']}"),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": _text(item)})
    for comparison in comparisons:
        suite.append(_case(comparison))
    return suite


def _case(c: dict[str, Any]) -> ET.Element:
    suite = "whole-books" if c.get("scope") == "books" else c["business_date"]
    case = ET.Element("testcase", {"classname": f"parallel-run.{suite}", "name": c["entity"]})
    summary = _text(comparison_summary(c))
    if c["verdict"] in FAILING:
        failure = ET.SubElement(case, "failure", {"message": summary, "type": c["verdict"]})
        failure.text = _text("\n".join([summary, *comparison_details(c)]))
    elif c["verdict"] == "ACCEPTED":
        ET.SubElement(case, "system-out").text = _text("\n".join([summary, *comparison_details(c)]))
    return case
