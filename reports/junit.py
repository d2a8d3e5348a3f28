"""JUnit XML: one test case per business date and entity, so CI systems list them natively.

The layout is the Jenkins/Surefire one: <testsuites> holds one <testsuite> per business date
(in the run's order), then a "whole-books" suite for the whole-books comparisons; each suite
has a <properties> block (run id, verdict, sides, both sides' sql_sha256, the ledger anchor)
and one <testcase classname name time> per entity.

MISMATCH, NO_OUTPUT and REWRITTEN comparisons carry a <failure> (type: the verdict, message:
the one-line summary). FAILED ones (a side raised) carry an <error> of type FAILED whose
message is the side's error; they count in errors=, not failures=. MATCH and ACCEPTED pass
(ACCEPTED says what covered it in <system-out>).

Times are in seconds. A date's suite takes the date's control plus candidate seconds; a test
case takes its comparison's own time (comparisons[].seconds). Documents of runs recorded
before that time was kept have none: their cases take the date's comparison time shared
evenly by its entities (timings[].compare_seconds; for the whole-books cases
run.books_seconds) when the document carries it, else time="0.000", and the suite's
"testcase_time" property says which.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reports.summary import comparison_details, comparison_summary

FAILING = frozenset({"MISMATCH", "NO_OUTPUT", "REWRITTEN"})  # a <failure>
ERRORS = frozenset({"FAILED"})  # a side raised: an <error>
BOOKS_SUITE = "whole-books"
RECORDED = "each comparison's own time"
SHARED = "the date's comparison time shared evenly by its entities: per-entity time is not recorded"
UNRECORDED = "not recorded: the run document carries no comparison time, so each case has time 0.000"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(text: str) -> str:
    """Characters XML 1.0 cannot carry (NUL, most C0 controls) replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class _Suite:
    """One <testsuite>: its comparisons, its time and its comparison time (None: not recorded)."""

    name: str
    comparisons: list[dict[str, Any]]
    seconds: float
    compare_seconds: float | None

    @property
    def case_seconds(self) -> float:
        # shared evenly: the harness times a date's comparisons together, not each entity's
        if self.compare_seconds is None or not self.comparisons:
            return 0.0
        return self.compare_seconds / len(self.comparisons)


def render_junit(doc: dict[str, Any]) -> str:
    """The run's comparisons as a JUnit XML document (one <testsuite> per business date)."""
    suites = _suites(doc)
    everything = [c for s in suites for c in s.comparisons]
    root = ET.Element(
        "testsuites",
        {
            "name": _text(f"parallel run {doc['run']['run_id']}"),
            "tests": str(len(everything)),
            "failures": _count(everything, FAILING),
            "errors": _count(everything, ERRORS),
            "time": _seconds(sum(s.seconds for s in suites)),
        },
    )
    for suite in suites:
        root.append(_suite(doc, suite))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suites(doc: dict[str, Any]) -> list[_Suite]:
    """The date suites in the run's date order, then the whole-books suite if there is one."""
    timings = {t["business_date"]: t for t in doc["timings"]}
    by_date: dict[str, list[dict[str, Any]]] = {}
    for c in doc["comparisons"]:
        by_date.setdefault(c["business_date"], []).append(c)
    order = {day: i for i, day in enumerate(doc["run"]["dates"])}
    suites = []
    for day in sorted(by_date, key=lambda d: (order.get(d, len(order)), d)):
        timing = timings.get(day)
        seconds = _date_seconds(timing) if timing else 0.0
        compare = timing.get("compare_seconds") if timing else None
        suites.append(_Suite(day, by_date[day], seconds, compare))
    books = doc.get("books", [])
    if books:
        compare = doc["run"].get("books_seconds")
        suites.append(_Suite(BOOKS_SUITE, books, compare or 0.0, compare))
    return suites


def _date_seconds(timing: dict[str, Any]) -> float:
    return sum((timing[side] or {}).get("seconds") or 0.0 for side in ("control", "candidate"))


def _count(comparisons: list[dict[str, Any]], verdicts: frozenset[str]) -> str:
    return str(sum(c["verdict"] in verdicts for c in comparisons))


def _seconds(seconds: float) -> str:
    return f"{seconds:.3f}"


def _timestamp(text: str) -> str:
    """ISO 8601 in UTC without an offset, as the JUnit schema's timestamp pattern wants it."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _suite(doc: dict[str, Any], suite: _Suite) -> ET.Element:
    element = ET.Element(
        "testsuite",
        {
            "name": suite.name,
            "tests": str(len(suite.comparisons)),
            "failures": _count(suite.comparisons, FAILING),
            "errors": _count(suite.comparisons, ERRORS),
            "skipped": "0",
            "time": _seconds(suite.seconds),
            "timestamp": _timestamp(doc["run"]["started_at"]),
            "hostname": _text(doc["run"]["host"]),
        },
    )
    properties = ET.SubElement(element, "properties")
    for name, item in _properties(doc, suite):
        ET.SubElement(properties, "property", {"name": name, "value": _text(item)})
    for comparison in suite.comparisons:
        element.append(_case(comparison, suite))
    return element


def _properties(doc: dict[str, Any], suite: _Suite) -> list[tuple[str, str]]:
    run, sides = doc["run"], doc["sides"]
    return [
        ("run_id", run["run_id"]),
        ("verdict", doc["verdict"]["label"]),
        ("control", sides["control"]["side"]),
        ("candidate", sides["candidate"]["side"]),
        ("control_sql_sha256", sides["control"]["sql_sha256"]),
        ("candidate_sql_sha256", sides["candidate"]["sql_sha256"]),
        # the chain head as of this run: 'harness verify-ledger --anchor SEQ:HASH' proves it later
        ("ledger_anchor", f"{run['ledger_seq'][1]}:{run['ledger_hash']}"),
        ("testcase_time", _case_time_source(suite)),
    ]


def _case_time_source(suite: _Suite) -> str:
    if suite.comparisons and all(c.get("seconds") for c in suite.comparisons):
        return RECORDED
    return UNRECORDED if suite.compare_seconds is None else SHARED


def _case(c: dict[str, Any], suite: _Suite) -> ET.Element:
    case = ET.Element(
        "testcase",
        {
            "classname": f"parallel-run.{suite.name}",
            "name": _text(c["entity"]),
            "time": _seconds(c["seconds"] if c.get("seconds") else suite.case_seconds),
        },
    )
    summary = _text(comparison_summary(c))
    body = _text("\n".join([summary, *comparison_details(c)]))
    if c["verdict"] in ERRORS:
        message = _text(c.get("error") or summary)
        ET.SubElement(case, "error", {"message": message, "type": c["verdict"]}).text = body
    elif c["verdict"] in FAILING:
        ET.SubElement(case, "failure", {"message": summary, "type": c["verdict"]}).text = body
    elif c["verdict"] == "ACCEPTED":
        ET.SubElement(case, "system-out").text = body
    return case
