"""Trend line-chart geometry, and the trend as the report renders it."""

from __future__ import annotations

from typing import Any

from reports.html import render_html
from reports.trend_chart import REGRESSION_COLOR, side_chart, trend_view
from tests.reports.htmltree import parse


def _chart(doc: dict[str, Any], side: str = "candidate") -> Any:
    chart = side_chart(doc["trend"], side)
    assert chart is not None
    return chart


def test_points_run_left_to_right_earlier_runs_first(not_ready_doc: dict[str, Any]) -> None:
    chart = _chart(not_ready_doc)
    for line in chart.lines:
        xs = [m.x for m in line.markers]
        assert xs == sorted(xs) and len(xs) == 6  # four earlier dates, then this run's two
        assert chart.plot_left < xs[0] and xs[-1] < chart.plot_right
        assert line.points.split()[0] == f"{xs[0]},{line.markers[0].y}"
    # the earlier runs' band ends between their last date and this run's first
    total = chart.lines[0]
    assert total.phase == "total" and total.total
    assert total.markers[3].x < chart.plot_left + chart.earlier_width < total.markers[4].x
    assert [label.text for label in chart.labels] == ["earlier runs", "2024-03-01", "2024-03-02"]


def test_values_sit_inside_the_plot_on_an_axis_from_zero(not_ready_doc: dict[str, Any]) -> None:
    chart = _chart(not_ready_doc)
    assert chart.ticks[0].y == chart.plot_bottom and chart.ticks[0].text == "0 s"
    assert chart.ticks[-1].y == chart.plot_top
    ys = [m.y for line in chart.lines for m in line.markers]
    assert all(chart.plot_top <= y <= chart.plot_bottom for y in ys)
    # the total is the slowest line: highest on the chart at each date
    total, *phases = chart.lines
    for i, marker in enumerate(total.markers):
        assert all(marker.y <= line.markers[i].y for line in phases if len(line.markers) == 6)


def test_regressions_are_marked(not_ready_doc: dict[str, Any], ready_doc: dict[str, Any]) -> None:
    chart = _chart(not_ready_doc)
    flagged = [(line.phase, m) for line in chart.lines for m in line.markers if m.regression]
    assert [phase for phase, _ in flagged] == ["GL posting", "GL posting"]
    assert all(m.r > 2.5 and "regression: 2.0x the median" in m.title for _, m in flagged)
    assert not any(m.regression for line in _chart(ready_doc).lines for m in line.markers)
    assert not any(m.regression for line in _chart(not_ready_doc, "control").lines for m in line.markers)


def test_no_unit_no_trend(not_ready_doc: dict[str, Any]) -> None:
    not_ready_doc["trend"] = {"factor": 1.5, "unit_label": None, "series": [], "regressions": []}
    assert trend_view(not_ready_doc) is None
    root, _ = parse(render_html(not_ready_doc))
    assert root.find_all(id="trend") == [] and root.find_all("svg", cls="trend") == []


def test_the_report_draws_the_trend_and_rings_the_regressions(not_ready_doc: dict[str, Any]) -> None:
    root, _ = parse(render_html(not_ready_doc))
    timings = root.find("section", id="timings")
    charts = timings.find_all("svg", cls="trend")
    assert [svg.attrs["id"] for svg in charts] == ["chart-trend-control", "chart-trend-candidate"]
    assert all(svg.attrs["role"] == "img" and svg.find("title").text() for svg in charts)
    rings = charts[1].find_all("circle", cls="regression")
    assert len(rings) == 2 and all(r.attrs["stroke"] == REGRESSION_COLOR for r in rings)
    assert "2024-03-02 (run 20240301_101500_ab12)" in rings[1].find("title").text()
    assert charts[0].find_all("circle", cls="regression") == []
    assert charts[0].find_all("rect", cls="earlier")
    alerts = [li.text() for li in timings.find("ul", cls="trend-regressions").find_all("li")]
    assert alerts[0].startswith(
        "Regression: 2024-03-01 candidate GL posting: 0.0205 s per 1,000 transactions"
    )


def test_without_regressions_the_report_says_so(ready_doc: dict[str, Any]) -> None:
    timings = parse(render_html(ready_doc))[0].find("section", id="timings")
    assert timings.find_all("ul", cls="trend-regressions") == []
    assert "No regression beyond 1.5\u00d7 the median of earlier dates." in timings.text()
    assert len(timings.find_all("svg", cls="trend")) == 2
