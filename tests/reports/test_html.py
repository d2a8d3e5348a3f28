"""Structural checks of the HTML report, by parsing it (datasette tests/test_html.py style)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from reports import render_html, validate_document
from tests.reports.documents import document
from tests.reports.htmltree import Element, parse

URL_ATTRIBUTES = (
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "background",
)
SECTIONS = [
    "verdict",
    "root-causes",
    "unexplained",
    "scope",
    "matrix",
    "coverage",
    "timings",
    "books",
    "entities",
    "invariants",
    "accepted",
    "provenance",
    "method",
]


def page(doc: dict[str, Any]) -> Element:
    root, doctype = parse(render_html(doc))
    assert doctype.lower() == "doctype html"
    return root


def test_the_verdict_comes_first_with_its_reasons(not_ready_doc: dict[str, Any]) -> None:
    root = page(not_ready_doc)
    main = root.find("main")
    first = next(c for c in main.children if isinstance(c, Element))
    assert first.attrs["id"] == "verdict"
    assert root.find(id="verdict-label").text() == "NOT READY"
    reasons = [li.text() for li in first.find("ol", cls="reasons").find_all("li")]
    assert reasons == not_ready_doc["verdict"]["reasons"]
    assert root.find("title").text() == "NOT READY: parallel run 20240301_101500_ab12"


def test_a_ready_run_says_ready(ready_doc: dict[str, Any]) -> None:
    root = page(ready_doc)
    assert root.find(id="verdict-label").text() == "READY"
    assert "ready" in root.find(id="verdict").classes
    assert not root.find_all("ol", cls="reasons")


def test_sections_in_the_order_the_issue_asks(any_doc: dict[str, Any]) -> None:
    main = page(any_doc).find("main")
    ids = [e.attrs["id"] for e in main.children if isinstance(e, Element) and e.tag == "section"]
    assert ids == SECTIONS


def test_one_matrix_cell_per_date_and_entity(any_doc: dict[str, Any]) -> None:
    matrix = page(any_doc).find("table", cls="matrix")
    cells = matrix.find_all("td", cls="cell")
    expected = [
        (row["business_date"], cell["entity"], cell["verdict"])
        for row in any_doc["matrix"]
        for cell in row["cells"]
    ]
    assert len(cells) == len(any_doc["matrix"]) * len(any_doc["entities"])
    assert [
        (c.attrs["data-date"], c.attrs["data-entity"], c.attrs["data-verdict"]) for c in cells
    ] == expected
    assert all(
        f"v-{c.attrs['data-verdict']}" in c.classes and c.text() == c.attrs["data-verdict"] for c in cells
    )


def test_every_internal_link_has_a_target(any_doc: dict[str, Any]) -> None:
    root = page(any_doc)
    ids = {e.attrs["id"] for e in root.iter() if "id" in e.attrs}
    targets = {e.attrs["href"][1:] for e in root.find_all("a") if e.attrs.get("href", "").startswith("#")}
    assert targets
    assert targets <= ids, f"links to missing ids: {sorted(targets - ids)}"


@pytest.mark.parametrize("kind", ["not-ready", "ready", "failed"])
def test_self_contained_no_script_nothing_external(kind: str) -> None:
    html = render_html(document(kind))
    root, _ = parse(html)
    assert not root.find_all("script")
    assert not root.find_all("iframe") and not root.find_all("object") and not root.find_all("embed")
    for element in root.iter():
        for name in URL_ATTRIBUTES:
            target = element.attrs.get(name)
            if target is not None:
                assert target.startswith(("#", "data:")), f"<{element.tag} {name}={target!r}>"
        assert not any(name.startswith("on") for name in element.attrs), f"event handler on <{element.tag}>"
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?//""", html)
    assert not re.search(r"url\(|@import", html), "CSS must not load anything"
    assert [e.attrs["rel"] for e in root.find_all("link")] == ["icon"]


def test_charts_are_inline_svg_without_namespace_url(not_ready_doc: dict[str, Any]) -> None:
    root = page(not_ready_doc)
    charts = root.find(id="timings").find_all("svg", cls="bars")
    assert len(charts) == 1 + len(not_ready_doc["timings"])
    totals = charts[0]
    assert "xmlns" not in totals.attrs
    bars = totals.find_all("rect", cls="bar")
    assert [b.attrs["class"] for b in bars] == ["bar control", "bar candidate"] * 2
    control, candidate = (float(b.attrs["width"]) for b in bars[:2])
    assert control / candidate == pytest.approx(1.91 / 0.12, rel=0.01)


def test_a_failed_side_has_no_bar_and_says_so(failed_doc: dict[str, Any]) -> None:
    totals = page(failed_doc).find(id="chart-totals")
    assert len(totals.find_all("rect", cls="candidate")) == 1
    assert "FAILED" in [t.text() for t in totals.find_all("text", cls="candidate")]


def test_samples_side_by_side_with_differing_cells_highlighted(not_ready_doc: dict[str, Any]) -> None:
    detail = page(not_ready_doc).find(id="cmp-2024-03-02-gl-entries")
    samples = detail.find("table", cls="samples")
    highlighted = [(td.text()) for td in samples.find_all("td", cls="diff")]
    assert highlighted == ["693.75", "693.76", "1387.50", "1387.51"]
    groups = samples.find_all("tbody", cls="sample")
    assert len(groups) == 3
    first = groups[0].find_all("tr")[0]
    assert "differs" in first.classes
    assert [td.text() for td in first.find_all("td")] == ["base_amount", "693.75", "693.76"]
    control_only = groups[2].find_all("td", cls="absent")
    assert {td.text() for td in control_only} == {"no row"}


def test_root_causes_lead_with_their_line_and_link_to_the_entity_details(
    not_ready_doc: dict[str, Any], ready_doc: dict[str, Any]
) -> None:
    section = page(not_ready_doc).find(id="root-causes")
    rows = section.find("table", cls="root-causes").find("tbody").find_all("tr")
    assert [r.find("th").text() for r in rows] == ["2024-03-02"] * 3
    first = rows[0].find("td", cls="root-cause")
    assert first.text().startswith("TX-20240302-001204: gl_entries line_no 2 base_amount 693.75 vs 693.76")
    assert (
        first.find("span", cls="note").text()
        == "Not sampled, so not grouped: 1 more unexplained gl_entries row."
    )
    assert [a.attrs["href"] for a in rows[0].find_all("a")] == ["#cmp-2024-03-02-gl-entries"]
    quiet = page(ready_doc).find(id="root-causes")
    assert quiet.find("p", cls="muted").text().startswith("No root cause")


def test_values_are_escaped(not_ready_doc: dict[str, Any]) -> None:
    html = render_html(not_ready_doc)
    assert "Premium &lt;JPY&gt; &amp; fees" in html
    assert "<JPY>" not in html


def test_mismatch_patterns_and_column_statistics(not_ready_doc: dict[str, Any]) -> None:
    detail = page(not_ready_doc).find(id="cmp-2024-03-02-gl-entries")
    (patterns,) = [t for t in detail.find_all("table") if t.find("caption").text() == "Mismatch patterns"]
    rows = [[td.text() for td in tr.find_all("td")] for tr in patterns.find("tbody").find_all("tr")]
    assert rows[0] == ["base_amount", "different", "currency=JPY, ledger_code=UK1", "3", "unexplained"]
    (stats,) = [t for t in detail.find_all("table") if t.find("caption").text() == "Column statistics"]
    assert [td.text() for td in stats.find("tbody").find_all("td")] == ["3", "0.01"]


def test_accepted_differences_with_stale_and_expired(not_ready_doc: dict[str, Any]) -> None:
    section = page(not_ready_doc).find(id="accepted")
    rows = section.find("table", cls="accepted").find("tbody").find_all("tr")
    assert [(r.find("th").text(), r.find("span", cls="badge").text()) for r in rows] == [
        ("legacy-json-escaping", "active"),
        ("jpy-rounding-2023", "stale"),
        ("voucher-description-trim", "expired"),
    ]
    assert [td.text() for td in rows[0].find_all("td")][2:] == [
        "Legacy escapes quotes in policyholder names into invalid JSON; the candidate is right.",
        "J. Okafor (Finance Controller)",
        "FIN-1234",
        "2027-06-30",
        "5",
        "none stated: covers whatever differs in its columns",
    ]
    alerts = [li.text() for li in section.find("ul", cls="alerts").find_all("li")]
    assert alerts[0].startswith("Stale: jpy-rounding-2023")
    assert alerts[1].startswith("Expired: voucher-description-trim expired on 2024-02-29")


def test_invariants_per_side(not_ready_doc: dict[str, Any]) -> None:
    table = page(not_ready_doc).find(id="invariants").find("table")
    broken = table.find_all("td", cls="broken")
    assert len(broken) == 1
    assert broken[0].text().startswith("\u2717 1 violation")
    assert (
        broken[0].find("span", cls="detail-text").text()
        == "GL base total 1,234,567.91 vs journals 1,234,567.88 (UK1, JPY)"
    )
    assert len(table.find_all("td", cls="holds")) == 19


def test_provenance_shows_what_reproduces_the_run(not_ready_doc: dict[str, Any]) -> None:
    section = page(not_ready_doc).find(id="provenance")
    text = section.text()
    for expected in (
        not_ready_doc["run"]["run_id"],
        not_ready_doc["run"]["ledger_hash"],
        not_ready_doc["sides"]["control"]["sql_sha256"],
        not_ready_doc["sides"]["candidate"]["sql_sha256"],
        not_ready_doc["provenance"]["config"]["sha256"],
        not_ready_doc["provenance"]["input_fingerprints"]["fx_rate"]["digest"],
        "PostgreSQL 18.1",
        "extra_float_digits",
        not_ready_doc["run"]["command_line"],
        not_ready_doc["provenance"]["reproduce"],
    ):
        assert expected in text
    assert section.find("pre", cls="config").text() == " ".join(
        not_ready_doc["provenance"]["config"]["text"].split()
    )


def test_timings_table(not_ready_doc: dict[str, Any], failed_doc: dict[str, Any]) -> None:
    rows = page(not_ready_doc).find("table", cls="timings").find("tbody").find_all("tr")
    assert [c.text() for c in rows[0].children if isinstance(c, Element)] == [
        "2024-03-01",
        "1.91 s",
        "0.12 s",
        "15.9\u00d7",
        "2,000",
        "1,047/s",
        "16,667/s",
    ]
    rows = page(failed_doc).find("table", cls="timings").find("tbody").find_all("tr")
    assert [c.text() for c in rows[1].children if isinstance(c, Element)] == [
        "2024-03-02",
        "2.04 s",
        "FAILED",
        "\u2014",
        "2,000",
        "980/s",
        "\u2014",
    ]


def test_an_interrupted_run_names_the_dates_not_recorded(failed_doc: dict[str, Any]) -> None:
    verdict = page(failed_doc).find(id="verdict")
    assert verdict.find("p", cls="run-status").text() == (
        "Run status: interrupted; 1 of 3 dates not recorded (2024-03-03)."
    )


def test_rendering_is_deterministic(not_ready_doc: dict[str, Any]) -> None:
    assert render_html(not_ready_doc) == render_html(document("not-ready"))


def test_a_run_that_recorded_nothing_still_renders(failed_doc: dict[str, Any]) -> None:
    """A run that failed before its first date: no matrix, timings, comparisons or invariants."""
    doc = failed_doc
    doc["run"]["status"] = "failed"
    for section in ("matrix", "timings", "comparisons", "books", "invariants", "accepted_differences"):
        doc[section] = []
    for series in doc["trend"]["series"]:  # the earlier runs' points remain
        series["points"] = []
    doc["trend"]["regressions"] = []
    doc["verdict"]["counts"] = dict.fromkeys(doc["verdict"]["counts"], 0)
    assert validate_document(doc) == []
    root = page(doc)
    assert root.find(id="verdict-label").text() == "NOT READY"
    assert "3 of 3 dates not recorded" in root.find("p", cls="run-status").text()
    assert not root.find_all("td", cls="cell") and not root.find_all("svg")


def test_a_run_without_role_isolation_says_so_in_the_verdict() -> None:
    isolated = render_html(document("ready"))
    doc = document("ready")
    doc["isolation"] = {"roles": False}
    bare = render_html(doc)
    verdict = bare.split('id="verdict"', 1)[1].split("</section>", 1)[0]
    assert "Not isolated: the sides ran as the connecting user" in verdict
    assert "Not isolated" not in isolated
