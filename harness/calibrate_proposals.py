"""What a calibration run measured, and what would silence it (``harness calibrate``).

A calibration run compares one implementation with a second copy of itself, so every
difference in its run document is the side's own noise. Per entity, over the run's dates:

* a compared column that differed: how many keys (of those both copies hold) and a
  proposal, from the column's statistics and the sampled values of both copies:
  ``json`` when every sampled pair parses to the same JSON (key order, whitespace),
  ``trim`` when every pair is equal once blanks around the text are removed, ``casefold``
  when every pair is equal ignoring case; otherwise ``ignore``, with why: what the values
  look like (timestamps, whole numbers, ...), and whether they differ on (almost) every
  row (``NOISE_SHARE``) or only on some (nondeterminism the side may want fixed instead);
* keys only one copy holds, or holds twice: noise no ignore silences (the key differs);
* a comparison that failed: nothing measured for that entity and date.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

NOISE_SHARE = 0.95  # a column differing on at least this share of the compared keys is a stamp
BLANKS = " \t\r\n\v\f"  # what the trim normalizer removes (comparisons.normalize)
IGNORE, JSON, TRIM, CASEFOLD = "ignore", "json", "trim", "casefold"


@dataclass(frozen=True)
class Noise:
    """One compared column that differed between two copies of one side."""

    entity: str
    column: str
    rows: int  # keys whose values of the column differed, over the run's dates
    compared: int  # keys both copies held
    proposal: str  # IGNORE, or the normalizer: JSON, TRIM, CASEFOLD
    reason: str
    ignored: bool = False  # the config already ignores it (the calibration did not)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class KeyNoise:
    """Keys of an entity that only one copy held (or held more than once)."""

    entity: str
    rows: int
    compared: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Measured:
    noise: tuple[Noise, ...]
    keys: tuple[KeyNoise, ...]
    failures: tuple[str, ...]  # "2024-03-01 journals: <error>"
    compared: dict[str, int]  # keys both copies held, per entity compared


def measure(comparisons: list[dict[str, Any]]) -> Measured:
    """The noise in a calibration run's date comparisons (its run document's ``comparisons``)."""
    compared: dict[str, int] = defaultdict(int)
    key_rows: dict[str, int] = defaultdict(int)
    rows: dict[tuple[str, str], int] = defaultdict(int)
    pairs: dict[tuple[str, str], list[tuple[Any, Any]]] = defaultdict(list)
    failures = []
    for c in comparisons:
        entity, counts = c["entity"], c["counts"]
        if counts is None:
            failures.append(f"{c['business_date']} {entity}: {c['verdict']}: {c.get('error') or ''}".strip())
            continue
        compared[entity] += counts["equal"] + counts["different"]
        key_rows[entity] += counts["control_only"] + counts["candidate_only"] + counts["duplicate_keys"]
        for stat in c["columns"]:
            if stat["mismatches"]:
                rows[entity, stat["column"]] += stat["mismatches"]
        for sample in c["samples"]:
            if sample["kind"] in ("different", "invalid_json") and sample["control"] and sample["candidate"]:
                for column in sample["differing"]:
                    pair = (sample["control"].get(column), sample["candidate"].get(column))
                    pairs[entity, column].append(pair)
    noise = tuple(
        Noise(entity, column, n, compared[entity], *propose(pairs[entity, column], n, compared[entity]))
        for (entity, column), n in rows.items()
    )
    keys = tuple(KeyNoise(e, n, compared[e]) for e, n in key_rows.items() if n)
    return Measured(noise, keys, tuple(failures), dict(compared))


def propose(pairs: list[tuple[Any, Any]], rows: int, compared: int) -> tuple[str, str]:
    """The proposal for a column (IGNORE or a normalizer) and why, from its sampled value pairs."""
    texts = [(a, b) for a, b in pairs if isinstance(a, str) and isinstance(b, str)]
    if texts and len(texts) == len(pairs):
        for normalizer, same in ((JSON, _same_json), (TRIM, _same_trimmed), (CASEFOLD, _same_casefolded)):
            if all(same(a, b) for a, b in texts):
                return normalizer, f"every sampled pair ({len(texts)}) is equal {_EQUAL_AS[normalizer]}"
    share = rows / compared if compared else 1.0
    values = [v for pair in pairs for v in pair if v is not None]
    looks = f"{_looks(values)}, " if values else "no sampled values, "
    if share >= NOISE_SHARE:
        return IGNORE, f"{looks}differ on {_rows(share)}"
    return IGNORE, (
        f"{looks}differ on {_rows(share)} only: nondeterminism the side may rather fix "
        "(row order, a race); ignore proposed, as nothing narrower silences it"
    )


_EQUAL_AS = {
    JSON: "as parsed JSON (key order, whitespace)",
    TRIM: "once blanks around the text are removed",
    CASEFOLD: "ignoring case",
}


def _same_json(a: str, b: str) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return False


def _same_trimmed(a: str, b: str) -> bool:
    return a.strip(BLANKS) == b.strip(BLANKS)


def _same_casefolded(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def _looks(values: list[Any]) -> str:
    """What the sampled values look like, in a few words."""
    texts = [str(v) for v in values]
    if all(_is_timestamp(t) for t in texts):
        return "timestamps"
    if all(t.lstrip("-").isdigit() for t in texts):
        return "whole numbers (surrogate ids?)"
    if all(len(t) >= 16 and all(ch in "0123456789abcdef-" for ch in t.lower()) for t in texts):
        return "hex strings (hashes, uuids, random values)"
    return "values such as " + ", ".join(repr(t[:40]) for t in texts[:2])


def _is_timestamp(text: str) -> bool:
    if len(text) < 16:  # a date alone is business data, not a stamp
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _rows(share: float) -> str:
    return "every row" if share >= 1 else f"{share:.0%} of the rows"
