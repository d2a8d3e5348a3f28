"""Bar-chart geometry: finished numbers the templates draw as they are."""

from __future__ import annotations

import pytest

from reports.charts import Measure, bar_chart, nice_axis


@pytest.mark.parametrize(
    ("maximum", "axis"),
    [
        (2.04, (2.5, 0.5)),
        (0.041, (0.05, 0.01)),
        (100.0, (100.0, 20.0)),
        (7.3, (8.0, 2.0)),
        (0.0, (1.0, 0.25)),
    ],
    ids=["2.04", "0.041", "100", "7.3", "zero"],
)
def test_nice_axis(maximum: float, axis: tuple[float, float]) -> None:
    assert nice_axis(maximum) == pytest.approx(axis)


def test_bars_are_proportional_and_start_at_zero() -> None:
    chart = bar_chart(
        "t", [("a", {"control": Measure(2.0), "candidate": Measure(0.5)})], width=500, label_width=100
    )
    control, candidate = chart.groups[0].bars
    assert control.width == pytest.approx(4 * candidate.width)
    assert chart.ticks[0].x == chart.plot_x and chart.ticks[0].text == "0 s"
    assert chart.ticks[-1].x == pytest.approx(500 - 92)


def test_a_missing_figure_draws_no_bar_but_says_why() -> None:
    chart = bar_chart(
        "t",
        [("a", {"control": Measure(1.0), "candidate": Measure(None, "FAILED")})],
        width=500,
        label_width=100,
    )
    assert chart.groups[0].bars[1].width == 0 and chart.groups[0].bars[1].text == "FAILED"
    assert chart.description == "a: control 1.00 s, candidate FAILED"


def test_a_tiny_figure_stays_visible() -> None:
    chart = bar_chart(
        "t", [("a", {"control": Measure(1000.0), "candidate": Measure(0.001)})], width=500, label_width=100
    )
    assert chart.groups[0].bars[1].width == 1.0
