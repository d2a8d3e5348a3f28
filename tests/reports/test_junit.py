"""JUnit XML: one test case per date and entity; failures only for MISMATCH and FAILED."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from reports import render_junit


def cases(doc: dict[str, Any]) -> tuple[ET.Element, list[ET.Element]]:
    root = ET.fromstring(render_junit(doc))
    return root, root.findall("./testsuite/testcase")


def test_one_case_per_date_and_entity_then_the_whole_books(any_doc: dict[str, Any]) -> None:
    root, found = cases(any_doc)
    assert root.tag == "testsuites"
    books = [("parallel-run.whole-books", b["entity"]) for b in any_doc["books"]]
    assert len(found) == len(any_doc["matrix"]) * len(any_doc["entities"]) + len(books)
    assert [(c.get("classname"), c.get("name")) for c in found] == [
        *(
            (f"parallel-run.{row['business_date']}", cell["entity"])
            for row in any_doc["matrix"]
            for cell in row["cells"]
        ),
        *books,
    ]
    assert [s.get("name") for s in root.findall("testsuite")] == [
        *(row["business_date"] for row in any_doc["matrix"]),
        *(["whole-books"] if books else []),
    ]
    assert root.get("tests") == str(len(found))


def test_failures_for_mismatch_and_failed_only(any_doc: dict[str, Any]) -> None:
    root, found = cases(any_doc)
    verdicts = {(c["business_date"], c["entity"]): c["verdict"] for c in any_doc["comparisons"]}
    verdicts.update({("whole-books", b["entity"]): b["verdict"] for b in any_doc["books"]})
    for case in found:
        verdict = verdicts[(case.get("classname").removeprefix("parallel-run."), case.get("name"))]  # type: ignore[union-attr]
        failures = case.findall("failure")
        assert len(failures) == (1 if verdict in ("MISMATCH", "FAILED") else 0), (case.get("name"), verdict)
        assert case.find("error") is None and case.find("skipped") is None
        if failures:
            assert failures[0].get("type") == verdict
    failing = sum(
        c["verdict"] in ("MISMATCH", "FAILED") for c in [*any_doc["comparisons"], *any_doc["books"]]
    )
    assert root.get("failures") == str(failing)
    assert sum(int(s.get("failures", "0")) for s in root.findall("testsuite")) == failing


def test_the_failure_carries_the_summary(not_ready_doc: dict[str, Any]) -> None:
    _, found = cases(not_ready_doc)
    failure = next(c for c in found if c.find("failure") is not None).find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "MISMATCH: 4 unexplained of 5 differing keys (4 different, 1 control-only); of 7,800 control / 7,799 candidate rows"
    )
    body = failure.text or ""
    assert (
        "pattern: different in base_amount where currency=JPY, ledger_code=UK1: 3 rows, unexplained" in body
    )
    assert "  base_amount: control 693.75 | candidate 693.76" in body


def test_a_failed_side_reports_its_error(failed_doc: dict[str, Any]) -> None:
    _, found = cases(failed_doc)
    failure = found[7].find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "FAILED: enhanced failed in phase 'GL posting' on 2024-03-02: division by zero"
    )


def test_accepted_passes_and_says_what_covered_it(not_ready_doc: dict[str, Any]) -> None:
    _, found = cases(not_ready_doc)
    journals = found[0]
    assert journals.find("failure") is None
    out = journals.find("system-out")
    assert out is not None and (out.text or "").startswith(
        "ACCEPTED: 5 different of 1,950 control / 1,950 candidate rows, all accepted by legacy-json-escaping (5)"
    )


def test_suite_properties_and_time(not_ready_doc: dict[str, Any]) -> None:
    root, _ = cases(not_ready_doc)
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("time") == "2.030"
    properties = {p.get("name"): p.get("value") for p in suite.findall("./properties/property")}
    assert properties == {
        "run_id": "20240301_101500_ab12",
        "verdict": "NOT READY",
        "control": "legacy",
        "candidate": "enhanced",
        "ledger_anchor": f"{not_ready_doc['run']['ledger_seq'][1]}:{not_ready_doc['run']['ledger_hash']}",
    }


def test_characters_xml_cannot_carry_are_replaced(not_ready_doc: dict[str, Any]) -> None:
    gl = next(c for c in not_ready_doc["comparisons"] if c["verdict"] == "MISMATCH")
    gl["samples"][0]["control"]["base_amount"] = "69\x003.75\x1b"
    _, found = cases(not_ready_doc)
    body = next(c for c in found if c.find("failure") is not None).find("failure").text  # type: ignore[union-attr]
    assert "control 69\ufffd3.75\ufffd |" in (body or "")
