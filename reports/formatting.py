"""Number and value formats shared by the HTML, JUnit and CSV renderers."""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup, escape

DASH = "\u2014"


def count(value: int | None) -> str:
    """1950 -> '1,950'; None -> an em dash."""
    return DASH if value is None else f"{value:,}"


def seconds(value: float | None) -> str:
    """Wall time with as many decimals as its size deserves: 0.034 s, 1.91 s, 12.4 s, 1,234 s."""
    if value is None:
        return DASH
    if value < 0.1:
        return f"{value:.3f} s"
    if value < 10:
        return f"{value:.2f} s"
    if value < 100:
        return f"{value:.1f} s"
    return f"{value:,.0f} s"


def speedup(value: float | None) -> str:
    """15.94 -> '15.9\u00d7' (control seconds per candidate second)."""
    if value is None:
        return DASH
    return f"{value:,.2f}\u00d7" if value < 10 else f"{value:,.1f}\u00d7"


def rate(value: float | None) -> str:
    """Transactions per second: 1047.1 -> '1,047/s'."""
    if value is None:
        return DASH
    return f"{value:,.1f}/s" if value < 100 else f"{value:,.0f}/s"


def per_thousand(value: float) -> str:
    """Seconds per 1,000 units, three significant digits however fast: 0.0205 s, 1.92 s."""
    return f"{value:.3g} s" if value < 0.1 else seconds(value)


def value(item: Any) -> str:
    """A cell value as an auditor reads it: strings verbatim, NULL for None, JSON for the rest."""
    if item is None:
        return "NULL"
    if isinstance(item, str):
        return item
    return json.dumps(item, ensure_ascii=False)


def optional(item: Any) -> str:
    """Like `value`, but an absent figure (None) is an em dash, not NULL."""
    return DASH if item is None else value(item)


def breakable(text: str) -> Markup:
    """Escaped text that may wrap after underscores ('voucher_<wbr>lines'), for narrow headers."""
    return Markup("_<wbr>").join(escape(part) for part in text.split("_"))


def slug(text: str) -> str:
    """An HTML id fragment: 'GL posting' -> 'gl-posting'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def key_text(key: dict[str, Any]) -> str:
    """A business key as 'column=value, column=value'."""
    return ", ".join(f"{column}={value(item)}" for column, item in key.items())
