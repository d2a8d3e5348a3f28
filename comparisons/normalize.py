"""Normalization of pulled values in Python, mirroring the hash in comparisons.expressions.

Every pulled value arrives as PostgreSQL's text. Numbers become Decimals (compared exactly,
or within a tolerance), JSON becomes a canonical text of the parsed value (key order,
whitespace and number spelling do not matter), trimmed and casefolded text as named.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from comparisons.plan import Rule

BLANKS = " \t\n\r\x0b\x0c"
INVALID_JSON_PREFIX = "invalid:"
VALID_JSON_PREFIX = "json:"


class _Rejected(ValueError):
    pass


def normalize(rule: Rule, text: str | None) -> Any:
    """The comparable form of a pulled value under ``rule`` (None stays None)."""
    if text is None:
        return None
    if rule is Rule.NUMBER:
        return number(text)
    if rule is Rule.JSON:
        return json_form(text)
    if rule is Rule.TRIM:
        return text.strip(BLANKS)
    if rule is Rule.CASEFOLD:
        return text.casefold()
    return text


def number(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def json_form(text: str) -> str:
    """``json:<canonical>`` for valid JSON, ``invalid:<text>`` for anything jsonb rejects."""
    try:
        parsed = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject)
        return VALID_JSON_PREFIX + _canonical(parsed)
    except (ValueError, RecursionError):
        return INVALID_JSON_PREFIX + text


def is_invalid_json(form: Any) -> bool:
    return isinstance(form, str) and form.startswith(INVALID_JSON_PREFIX)


def is_valid_json_text(text: str | None) -> bool:
    return text is not None and not is_invalid_json(json_form(text))


def numbers_equal(a: Decimal | None, b: Decimal | None, tolerance: Decimal) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if a.is_nan() or b.is_nan():
        return a.is_nan() and b.is_nan()
    if a.is_infinite() or b.is_infinite():
        return a == b
    return abs(a - b) <= tolerance


def difference(a: Any, b: Any) -> Decimal | None:
    """|a - b| for two finite numbers, else None."""
    if isinstance(a, Decimal) and isinstance(b, Decimal) and a.is_finite() and b.is_finite():
        return abs(a - b)
    return None


def _reject(constant: str) -> Any:
    raise _Rejected(f"{constant} is not JSON")


def _canonical(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted((_string(k), _canonical(v)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    if value is True or value is False or value is None:
        return json.dumps(value)
    if isinstance(value, Decimal):
        return "0" if value.is_zero() else str(value.normalize())
    raise _Rejected(f"unexpected JSON value {value!r}")


def _string(text: str) -> str:
    # jsonb cannot hold NUL or an unpaired surrogate ("\u0000", "\ud800"): not valid here either
    if "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text):
        raise _Rejected("jsonb rejects NUL and unpaired surrogates")
    return json.dumps(text, ensure_ascii=False)
