"""JUnit XML: one test case per date and entity; <failure> for MISMATCH, NO_OUTPUT and REWRITTEN,
<error> for FAILED; times on every suite and case; read back with junitparser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

from reports import render_junit
from reports.junit import RECORDED, SHARED, UNRECORDED

FAILURES = ("MISMATCH", "NO_OUTPUT", "REWRITTEN")
# The Jenkins/Surefire conventions (jenkinsci/xunit-plugin junit-10.xsd): element -> (required
# attributes, further allowed attributes, allowed children)
CONVENTIONS: dict[str, tuple[set[str], set[str], set[str]]] = {
    "testsuites": ({"tests", "failures", "errors", "time"}, {"name", "disabled"}, {"testsuite"}),
    "testsuite": (
        {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname"},
        {"disabled", "id", "package", "file", "log", "url", "version"},
        {"properties", "testcase", "system-out", "system-err"},
    ),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, set(), set()),
    "testcase": (
        {"classname", "name", "time"},
        {"assertions", "status"},
        {"skipped", "error", "failure", "system-out", "system-err"},
    ),
    "failure": ({"message", "type"}, set(), set()),
    "error": ({"message", "type"}, set(), set()),
    "system-out": (set(), set(), set()),
}
TIME = re.compile(r"^\d+\.\d{3}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")  # the XSD's pattern: no offset


def parsed(doc: dict[str, Any]) -> JUnitXml:
    return JUnitXml.fromstring(render_junit(doc))


def suites(doc: dict[str, Any]) -> list[TestSuite]:
    return list(parsed(doc))


def cases(doc: dict[str, Any]) -> list[TestCase]:
    return [case for suite in suites(doc) for case in suite]


def verdicts(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    found = {(f"parallel-run.{c['business_date']}", c["entity"]): c["verdict"] for c in doc["comparisons"]}
    found.update({("parallel-run.whole-books", b["entity"]): b["verdict"] for b in doc["books"]})
    return found


def conforms(element: ET.Element) -> None:
    required, allowed, children = CONVENTIONS[element.tag]
    assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
    assert set(element.attrib) <= required | allowed, (element.tag, set(element.attrib) - required - allowed)
    assert {child.tag for child in element} <= children, element.tag
    if "time" in element.attrib:
        assert TIME.match(element.attrib["time"]), element.attrib["time"]
    if element.tag == "testsuite":
        assert TIMESTAMP.match(element.attrib["timestamp"])
        tags = [child.tag for child in element]
        assert tags[0] == "properties" and tags.count("properties") == 1
    for child in element:
        conforms(child)


def test_the_structure_follows_the_jenkins_surefire_conventions(any_doc: dict[str, Any]) -> None:
    text = render_junit(any_doc)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    conforms(ET.fromstring(text))


def test_one_case_per_date_and_entity_then_the_whole_books(any_doc: dict[str, Any]) -> None:
    xml = parsed(any_doc)
    found = cases(any_doc)
    books = [("parallel-run.whole-books", b["entity"]) for b in any_doc["books"]]
    assert len(found) == len(any_doc["matrix"]) * len(any_doc["entities"]) + len(books)
    assert [(c.classname, c.name) for c in found] == [
        *(
            (f"parallel-run.{row['business_date']}", cell["entity"])
            for row in any_doc["matrix"]
            for cell in row["cells"]
        ),
        *books,
    ]
    assert [s.name for s in xml] == [
        *(row["business_date"] for row in any_doc["matrix"]),
        *(["whole-books"] if books else []),
    ]
    assert xml.tests == len(found)


def test_failures_for_mismatch_and_errors_for_failed(any_doc: dict[str, Any]) -> None:
    known = verdicts(any_doc)
    for case in cases(any_doc):
        verdict = known[(case.classname, case.name)]
        failures = [r for r in case.result if isinstance(r, Failure)]
        errors = [r for r in case.result if isinstance(r, Error)]
        assert len(failures) == (verdict in FAILURES), (case.name, verdict)
        assert len(errors) == (verdict == "FAILED"), (case.name, verdict)
        assert len(case.result) == len(failures) + len(errors), "no <skipped>"
        for result in [*failures, *errors]:
            assert result.type == verdict


def test_the_counts_add_up(any_doc: dict[str, Any]) -> None:
    xml = parsed(any_doc)
    everything = list(verdicts(any_doc).values())
    declared = [(s.name, s.tests, s.failures, s.errors, s.skipped) for s in xml]
    root = (xml.tests, xml.failures, xml.errors)
    assert root == (
        len(everything),
        sum(v in FAILURES for v in everything),
        sum(v == "FAILED" for v in everything),
    )
    xml.update_statistics()  # junitparser's own count of the cases' results
    assert [(s.name, s.tests, s.failures, s.errors, s.skipped) for s in xml] == declared
    assert (xml.tests, xml.failures, xml.errors) == root


def test_a_failed_side_is_an_error_with_its_message(failed_doc: dict[str, Any]) -> None:
    xml = parsed(failed_doc)
    error = "enhanced failed in phase 'GL posting' on 2024-03-02: division by zero"
    day2 = next(s for s in xml if s.name == "2024-03-02")
    assert (day2.tests, day2.failures, day2.errors) == (7, 0, 7)
    for case in day2:
        [result] = case.result
        assert isinstance(result, Error)
        assert (result.message, result.type) == (error, "FAILED")
        assert (result.text or "").startswith(f"FAILED: {error}")
    assert xml.errors == 7
    assert xml.failures == 1  # the whole-books gl_entries mismatch of this document


def test_times_of_suites_and_cases(not_ready_doc: dict[str, Any]) -> None:
    xml = parsed(not_ready_doc)
    assert [(s.name, s.time) for s in xml] == [
        ("2024-03-01", 2.03),
        ("2024-03-02", 2.17),
        ("whole-books", 0.0),
    ]
    assert xml.time == 4.2
    # each case takes its comparison's own time, and the property says so
    assert {c.time for c in cases(not_ready_doc)} == {0.25}
    assert {{p.name: p.value for p in s.properties()}["testcase_time"] for s in xml} == {RECORDED}


def test_a_document_without_comparison_times_says_so(not_ready_doc: dict[str, Any]) -> None:
    for c in [*not_ready_doc["comparisons"], *not_ready_doc["books"]]:
        del c["seconds"]  # a run recorded before comparisons were timed
    assert {c.time for c in cases(not_ready_doc)} == {0.0}
    assert {{p.name: p.value for p in s.properties()}["testcase_time"] for s in parsed(not_ready_doc)} == {
        UNRECORDED
    }


def test_a_recorded_comparison_time_is_shared_evenly(not_ready_doc: dict[str, Any]) -> None:
    for c in [*not_ready_doc["comparisons"], *not_ready_doc["books"]]:
        del c["seconds"]
    not_ready_doc["timings"][0]["compare_seconds"] = 0.7
    not_ready_doc["run"]["books_seconds"] = 1.2
    xml = parsed(not_ready_doc)
    day1, day2, books = list(xml)
    assert {c.time for c in day1} == {0.1}
    assert {c.time for c in day2} == {0.0}
    assert books.time == 1.2 and {c.time for c in books} == {0.2}
    assert {p.name: p.value for p in day1.properties()}["testcase_time"] == SHARED
    assert {p.name: p.value for p in day2.properties()}["testcase_time"] == UNRECORDED


def test_the_failure_carries_the_summary(not_ready_doc: dict[str, Any]) -> None:
    failed = next(c for c in cases(not_ready_doc) if c.result)
    [failure] = failed.result
    assert isinstance(failure, Failure)
    assert failure.message == (
        "MISMATCH: 4 unexplained of 5 differing keys (4 different, 1 control-only); of 7,800 control / 7,799 candidate rows"
    )
    body = failure.text or ""
    assert (
        "pattern: different in base_amount where currency=JPY, ledger_code=UK1: 3 rows, unexplained" in body
    )
    assert "  base_amount: control 693.75 | candidate 693.76" in body


@pytest.mark.parametrize("verdict", ["NO_OUTPUT", "REWRITTEN"])
def test_no_output_and_rewritten_are_failures(not_ready_doc: dict[str, Any], verdict: str) -> None:
    not_ready_doc["comparisons"][2].update(verdict=verdict, error="the candidate wrote no vouchers")
    xml = parsed(not_ready_doc)
    [result] = cases(not_ready_doc)[2].result
    assert isinstance(result, Failure) and result.type == verdict
    assert next(s for s in xml if s.name == "2024-03-01").failures == 1
    assert xml.errors == 0


def test_accepted_passes_and_says_what_covered_it(not_ready_doc: dict[str, Any]) -> None:
    journals = cases(not_ready_doc)[0]
    assert journals.is_passed
    assert (journals.system_out or "").startswith(
        "ACCEPTED: 5 different of 1,950 control / 1,950 candidate rows, all accepted by legacy-json-escaping (5)"
    )


def test_suite_properties(not_ready_doc: dict[str, Any]) -> None:
    for suite in parsed(not_ready_doc):
        assert suite.timestamp == "2026-11-25T07:30:00"
        assert suite.hostname == "ci-1"
        properties = {p.name: p.value for p in suite.properties()}
        assert properties == {
            "run_id": "20240301_101500_ab12",
            "verdict": "NOT READY",
            "control": "legacy",
            "candidate": "enhanced",
            "control_sql_sha256": not_ready_doc["sides"]["control"]["sql_sha256"],
            "candidate_sql_sha256": not_ready_doc["sides"]["candidate"]["sql_sha256"],
            "ledger_anchor": f"{not_ready_doc['run']['ledger_seq'][1]}:{not_ready_doc['run']['ledger_hash']}",
            "testcase_time": RECORDED,
        }


def test_the_timestamp_is_utc_without_an_offset(not_ready_doc: dict[str, Any]) -> None:
    not_ready_doc["run"]["started_at"] = "2026-11-25T09:30:00+02:00"
    assert {s.timestamp for s in parsed(not_ready_doc)} == {"2026-11-25T07:30:00"}


def test_the_output_is_deterministic(not_ready_doc: dict[str, Any]) -> None:
    assert render_junit(not_ready_doc) == render_junit(not_ready_doc)


def test_characters_xml_cannot_carry_are_replaced(not_ready_doc: dict[str, Any]) -> None:
    gl = next(c for c in not_ready_doc["comparisons"] if c["verdict"] == "MISMATCH")
    gl["samples"][0]["control"]["base_amount"] = "69\x003.75\x1b"
    failed = next(c for c in cases(not_ready_doc) if c.result)
    assert "control 69\ufffd3.75\ufffd |" in (failed.result[0].text or "")
