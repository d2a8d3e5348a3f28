"""Geometry of the inline SVG bar charts: templates draw these finished numbers as they are.

Bars are horizontal, one group per date or phase, one bar per side, on a linear axis that
starts at zero so lengths compare honestly (a 16x speedup shows as a 16x shorter bar).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports import formatting

SIDES = ("control", "candidate")
CONTROL_COLOR = "#5b6472"
CANDIDATE_COLOR = "#2f6fde"
"""Fill colours of the bars (also used by the CSS legend); tests look for them in screenshots."""

BAR = 16
BAR_GAP = 3
GROUP_GAP = 14
TOP = 8
AXIS = 26
VALUE_ROOM = 92


@dataclass(frozen=True)
class Bar:
    side: str
    y: float
    width: float
    text: str
    text_x: float
    text_y: float
    height: float = BAR


@dataclass(frozen=True)
class Group:
    label: str
    label_y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    width: int
    height: int
    plot_x: float
    plot_top: float
    plot_bottom: float
    tick_label_y: float
    ticks: tuple[Tick, ...]
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Measure:
    """One bar's value: seconds, or None when the side has no figure (with why in `note`)."""

    seconds: float | None
    note: str = ""


def nice_axis(maximum: float, target_ticks: int = 5) -> tuple[float, float]:
    """(axis end, tick step) with a step of 1, 2, 2.5 or 5 times a power of ten."""
    if maximum <= 0:
        return 1.0, 0.25
    raw = maximum / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.ceil(maximum / step - 1e-9) * step, step


def bar_chart(
    title: str, rows: Sequence[tuple[str, dict[str, Measure]]], *, width: int, label_width: int
) -> BarChart:
    """A chart with one group per (label, {side: measure}) row, control above candidate."""
    values = [m.seconds for _, sides in rows for m in sides.values() if m.seconds is not None]
    end, step = nice_axis(max(values, default=0.0))
    plot_x = float(label_width)
    plot_width = width - label_width - VALUE_ROOM
    scale = plot_width / end
    groups = []
    y = float(TOP)
    for label, sides in rows:
        bars = tuple(
            _bar(side, sides.get(side, Measure(None)), plot_x, y + i * (BAR + BAR_GAP), scale)
            for i, side in enumerate(SIDES)
        )
        group_height = len(SIDES) * BAR + (len(SIDES) - 1) * BAR_GAP
        groups.append(Group(label, y + group_height / 2, bars))
        y += group_height + GROUP_GAP
    plot_bottom = y - GROUP_GAP + 6
    ticks = tuple(
        Tick(round(plot_x + i * step * scale, 1), _tick_text(i * step)) for i in range(round(end / step) + 1)
    )
    return BarChart(
        title=title,
        description=_describe(rows),
        width=width,
        height=math.ceil(plot_bottom + AXIS),
        plot_x=plot_x,
        plot_top=TOP - 4,
        plot_bottom=plot_bottom,
        tick_label_y=plot_bottom + 16,
        ticks=ticks,
        groups=tuple(groups),
    )


def _bar(side: str, measure: Measure, plot_x: float, y: float, scale: float) -> Bar:
    if measure.seconds is None:
        text = measure.note or formatting.DASH
        return Bar(side, y, 0.0, text, plot_x + 4, y + BAR / 2)
    length = max(measure.seconds * scale, 1.0) if measure.seconds > 0 else 0.0
    text = formatting.seconds(measure.seconds) + (f" {measure.note}" if measure.note else "")
    return Bar(side, y, round(length, 1), text, round(plot_x + length + 5, 1), y + BAR / 2)


def _tick_text(value: float) -> str:
    return f"{value:g} s"


def _describe(rows: Sequence[tuple[str, dict[str, Measure]]]) -> str:
    parts = []
    for label, sides in rows:
        figures = ", ".join(
            f"{side} {formatting.seconds(m.seconds) if m.seconds is not None else m.note or 'none'}"
            for side, m in sides.items()
        )
        parts.append(f"{label}: {figures}")
    return "; ".join(parts)


def totals_chart(timings: Sequence[dict[str, Any]]) -> BarChart:
    """Control vs candidate wall time per date."""
    rows = [(t["business_date"], {side: _total(t[side]) for side in SIDES}) for t in timings]
    return bar_chart("Wall time per business date", rows, width=1000, label_width=110)


def phase_chart(timing: dict[str, Any], phase_names: Sequence[str]) -> BarChart:
    """Control vs candidate time per phase of one date; phases a side logged itself are marked."""
    names = list(phase_names)
    for side in SIDES:
        for phase in [*timing[side]["phases"], *timing[side]["logged_phases"]]:
            if phase["name"] not in names:
                names.append(phase["name"])
    rows = [
        (name, {side: _phase(timing[side], name, name in phase_names) for side in SIDES}) for name in names
    ]
    return bar_chart(f"Phases on {timing['business_date']}", rows, width=540, label_width=128)


def _total(side: dict[str, Any]) -> Measure:
    if side["status"] != "OK":
        return Measure(None, "FAILED")
    return Measure(side["seconds"])


def _phase(side: dict[str, Any], name: str, reference: bool) -> Measure:
    for phase in side["phases"]:
        if phase["name"] == name:
            return Measure(phase["seconds"])
    for phase in side["logged_phases"]:
        if phase["name"] == name:
            return Measure(phase["seconds"], "(logged)")
    if side["status"] != "OK" and reference:
        return Measure(None, "side failed")
    return Measure(None)
