"""Issue #19: unexplained findings lead the report; samples of accepted differences are folded away."""

from __future__ import annotations

from typing import Any

from tests.reports.htmltree import Element
from tests.reports.test_html import page


def gl_entries(doc: dict[str, Any]) -> dict[str, Any]:
    (found,) = [c for c in doc["comparisons"] if c["entity"] == "gl_entries" and c["verdict"] == "MISMATCH"]
    return found


def test_the_unexplained_details_follow_the_root_causes(not_ready_doc: dict[str, Any]) -> None:
    section = page(not_ready_doc).find("section", id="unexplained")
    details = section.find_all("div", cls="detail")
    assert [d.attrs["id"] for d in details] == ["cmp-2024-03-02-gl-entries"]
    assert len(details[0].find("table", cls="samples").find_all("tbody", cls="sample")) == 3
    assert not section.find_all("details"), "nothing unexplained is folded away"


def test_an_entity_lists_its_unexplained_comparisons_first(not_ready_doc: dict[str, Any]) -> None:
    doc = not_ready_doc
    accepted = {**gl_entries(doc), "business_date": "2024-03-01", "verdict": "ACCEPTED"}
    doc["comparisons"] = [
        accepted if c["entity"] == "gl_entries" and c["business_date"] == "2024-03-01" else c
        for c in doc["comparisons"]
    ]
    entity = page(doc).find("article", id="entity-gl-entries")
    blocks = [e for e in entity.children if isinstance(e, Element) and e.tag in ("p", "div")]
    assert [b.classes[0] for b in blocks] == ["scroll", "detail-ref", "detail"]
    assert blocks[1].find("a").attrs["href"] == "#cmp-2024-03-02-gl-entries"
    assert blocks[2].attrs["id"] == "cmp-2024-03-01-gl-entries"


def test_accepted_samples_are_folded_under_a_summary(not_ready_doc: dict[str, Any]) -> None:
    detail = page(not_ready_doc).find(id="cmp-2024-03-01-journals")
    (folded,) = detail.find_all("details", cls="accepted-samples")
    assert "open" not in folded.attrs
    assert folded.find("summary").text() == (
        "2 accepted samples (legacy-json-escaping: 2): explained by accepted differences, shown on request"
    )
    assert len(folded.find_all("tbody", cls="sample")) == 2


def test_a_mismatch_keeps_its_unexplained_samples_open_and_folds_the_accepted(
    not_ready_doc: dict[str, Any],
) -> None:
    mismatch = gl_entries(not_ready_doc)
    mismatch["samples"][0]["accepted_by"] = "fx-rounding"
    mismatch["patterns"][0]["accepted_by"] = "fx-rounding"
    detail = page(not_ready_doc).find(id="cmp-2024-03-02-gl-entries")
    open_samples = [
        t
        for t in detail.find_all("table", cls="samples")
        if t not in detail.find("details").find_all("table")
    ]
    assert len(open_samples) == 1 and len(open_samples[0].find_all("tbody", cls="sample")) == 2
    assert detail.find("details").find("summary").text().startswith("1 accepted sample (fx-rounding: 1)")
    (patterns,) = [t for t in detail.find_all("table") if t.find("caption").text() == "Mismatch patterns"]
    rows = patterns.find("tbody").find_all("tr")
    assert [("unexplained" in r.classes) for r in rows] == [True, False]


def test_failed_comparisons_are_unexplained_findings(failed_doc: dict[str, Any]) -> None:
    section = page(failed_doc).find("section", id="unexplained")
    verdicts = {d.find("span", cls="badge").text() for d in section.find_all("div", cls="detail")}
    assert verdicts == {"FAILED"}


def test_a_ready_report_has_no_unexplained_findings(ready_doc: dict[str, Any]) -> None:
    section = page(ready_doc).find("section", id="unexplained")
    assert not section.find_all("div", cls="detail")
    assert section.find("p", cls="muted").text() == "None: every comparison is MATCH or ACCEPTED."
