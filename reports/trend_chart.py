"""Geometry of the trend's inline SVG line charts (the document's "trend"): one chart per
side, a line per phase and one for the total, seconds per 1,000 units on an axis from zero.
Earlier runs' dates come first, on a shaded band; regressions are ringed in red.
Templates draw these finished numbers as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reports import formatting
from reports.charts import SIDES, nice_axis

WIDTH = 1000
HEIGHT = 230
LEFT = 64
RIGHT = 16
TOP = 10
BOTTOM = 40
LABEL_ROOM = 74  # a date label's width: fewer labels than slots when the slots are narrower
TOTAL = "total"
PHASE_COLORS = {
    TOTAL: "#1d2430",
    "data fetch": "#2f6fde",
    "journal creation": "#1b9e77",
    "GL posting": "#d95f02",
    "voucher creation": "#7570b3",
    "export": "#a6761d",
}
OTHER_COLORS = ("#e7298a", "#66a61e", "#8c8c8c")
REGRESSION_COLOR = "#c62828"
"""The ring around a regression's point (tests look for it)."""
Place = Callable[[tuple[str, str]], float]  # a (run id, business date) slot's x
Scale = Callable[[float], float]  # seconds per 1,000 units' y


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    title: str
    regression: bool = False
    r: float = 2.5


@dataclass(frozen=True)
class Line:
    phase: str
    color: str
    points: str  # the polyline's "x,y x,y ..."
    markers: tuple[Marker, ...]
    total: bool = False


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class TrendChart:
    side: str
    title: str
    description: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    plot_height: float
    tick_x: float  # the right end of the y axis' labels
    label_y: float
    earlier_width: float  # of the earlier runs' band from plot_left; 0 without earlier runs
    ticks: tuple[Tick, ...]
    labels: tuple[Label, ...]
    lines: tuple[Line, ...]


def trend_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    """What the Timings section shows of the trend; None when the run declares no unit."""
    trend = doc.get("trend")  # documents from before the trend have none
    if not trend or not trend["unit_label"]:
        return None
    return {
        "unit_label": trend["unit_label"],
        "factor": f"{trend['factor']:g}\u00d7",
        "regressions": trend["regressions"],
        "charts": [chart for side in SIDES if (chart := side_chart(trend, side))],
    }


def side_chart(trend: dict[str, Any], side: str) -> TrendChart | None:
    series = [s for s in trend["series"] if s["side"] == side and (s["points"] or s["earlier_points"])]
    if not any(s["points"] for s in series):  # the earlier runs alone say nothing of this one
        return None
    earlier = list(dict.fromkeys(_slot(p) for s in series for p in s["earlier_points"]))
    slots = {
        key: i
        for i, key in enumerate(dict.fromkeys([*earlier, *(_slot(p) for s in series for p in s["points"])]))
    }
    values = [p["per_thousand"] for s in series for p in [*s["earlier_points"], *s["points"]]]
    end, step = nice_axis(max(values))
    plot_bottom = float(HEIGHT - BOTTOM)
    slot_width = (WIDTH - LEFT - RIGHT) / len(slots)

    def x(key: tuple[str, str]) -> float:
        return round(LEFT + (slots[key] + 0.5) * slot_width, 1)

    def y(value: float) -> float:
        return round(plot_bottom - value / end * (plot_bottom - TOP), 1)

    label = trend["unit_label"]
    lines = tuple(_line(s, i, x, y, label) for i, s in enumerate(series))
    flagged = sum(1 for s in series for p in s["points"] if p["regression"])
    return TrendChart(
        side=side,
        title=f"{side.capitalize()}: seconds per 1,000 {label}, by date",
        description=(
            f"{len(slots) - len(earlier)} date(s) of this run after {len(earlier)} of earlier runs, "
            f"{len(series)} line(s) ({', '.join(s['phase'] for s in series)}); {flagged} regression(s)"
        ),
        width=WIDTH,
        height=HEIGHT,
        plot_left=float(LEFT),
        plot_right=float(WIDTH - RIGHT),
        plot_top=float(TOP),
        plot_bottom=plot_bottom,
        plot_height=plot_bottom - TOP,
        tick_x=float(LEFT - 6),
        label_y=plot_bottom + 16,
        earlier_width=round(len(earlier) * slot_width, 1),
        ticks=tuple(Tick(y(i * step), f"{i * step:g} s") for i in range(round(end / step) + 1)),
        labels=_labels(list(slots), len(earlier), slot_width, x),
        lines=lines,
    )


def _slot(point: dict[str, Any]) -> tuple[str, str]:
    return point["run_id"], point["business_date"]


def _line(series: dict[str, Any], index: int, x: Place, y: Scale, label: str) -> Line:
    phase = series["phase"]
    color = PHASE_COLORS.get(phase) or OTHER_COLORS[index % len(OTHER_COLORS)]
    points = [*series["earlier_points"], *series["points"]]
    markers = tuple(
        Marker(
            x(_slot(p)),
            y(p["per_thousand"]),
            _title(phase, p, label),
            regression=bool(p.get("regression")),
            r=5.0 if p.get("regression") else 2.5,
        )
        for p in points
    )
    return Line(phase, color, " ".join(f"{m.x},{m.y}" for m in markers), markers, total=phase == TOTAL)


def _title(phase: str, point: dict[str, Any], label: str) -> str:
    text = (
        f"{phase}, {point['business_date']} (run {point['run_id']}): "
        f"{formatting.per_thousand(point['per_thousand'])} per 1,000 {label}"
    )
    if point.get("regression"):
        ratio = point["per_thousand"] / point["baseline"]
        text += (
            f", regression: {ratio:.1f}x the median before it ({formatting.per_thousand(point['baseline'])})"
        )
    return text


def _labels(slots: Sequence[tuple[str, str]], earlier: int, slot_width: float, x: Place) -> tuple[Label, ...]:
    """This run's dates (thinned out when they would overlap), and one label for the earlier runs."""
    every = max(1, math.ceil(LABEL_ROOM / slot_width))
    found = [Label(x(key), key[1]) for i, key in enumerate(slots[earlier:]) if i % every == 0]
    if earlier:
        found.insert(0, Label(round(LEFT + earlier * slot_width / 2, 1), "earlier runs"))
    return tuple(found)
