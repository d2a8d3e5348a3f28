"""The self-contained HTML report: one file, inline CSS and SVG, no script, nothing fetched."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reports import charts, formatting, trend_chart, view


@cache
def environment() -> Environment:
    """The jinja environment of the report templates (reports/templates)."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(
        count=formatting.count,
        seconds=formatting.seconds,
        speedup=formatting.speedup,
        rate=formatting.rate,
        value=formatting.value,
        optional=formatting.optional,
        slug=formatting.slug,
        breakable=formatting.breakable,
    )
    env.globals.update(
        control_color=charts.CONTROL_COLOR,
        candidate_color=charts.CANDIDATE_COLOR,
        regression_color=trend_chart.REGRESSION_COLOR,
    )
    return env


def render_html(doc: dict[str, Any]) -> str:
    """The report of a run document as one HTML page."""
    return environment().get_template("base.html").render(view.build(doc))
