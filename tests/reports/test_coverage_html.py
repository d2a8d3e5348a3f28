"""The report's Coverage section: each case with its cells, a differing case shown open."""

from __future__ import annotations

from typing import Any

from reports.html import render_html
from tests.reports.htmltree import Element, parse


def section(doc: dict[str, Any]) -> Element:
    root, _ = parse(render_html(doc))
    return root.find("section", id="coverage")


def cases(doc: dict[str, Any]) -> dict[str, Element]:
    return {d.find("summary").find("strong").text(): d for d in section(doc).find_all("details", cls="case")}


def test_a_case_whose_transactions_differ_is_open_and_counts_them(not_ready_doc: dict[str, Any]) -> None:
    found = cases(not_ready_doc)
    assert list(found) == ["validation", "rounding line", "amount"]
    amount = found["amount"]
    assert "open" in amount.attrs
    assert amount.find("summary").find("span", cls="badge").text() == "differs"
    rows = {
        r.find("th").text(): [td.text() for td in r.find_all("td")]
        for r in amount.find("tbody").find_all("tr")
    }
    assert rows["positive"][:3] == ["3,648", "2", "4"]
    assert rows["zero"][-1] == "matched"
    assert "3 with differing transactions" in section(not_ready_doc).text()


def test_matched_cases_are_closed_and_unjudged_cells_say_why(
    ready_doc: dict[str, Any], failed_doc: dict[str, Any]
) -> None:
    assert not any("open" in d.attrs for d in cases(ready_doc).values())
    failed = cases(failed_doc)["validation"]
    assert "open" in failed.attrs
    assert "gl_entries is FAILED" in failed.text()
    assert "not judged" in section(failed_doc).text()


def test_a_run_without_cases_says_nothing_tells_what_it_exercised(ready_doc: dict[str, Any]) -> None:
    doc = {**ready_doc, "coverage": {"cases": [], "by_date": {}}}
    assert "declares no business cases" in section(doc).text()
