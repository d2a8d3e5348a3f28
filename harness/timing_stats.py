"""What repeated timings say: spreads per side and phase, and a speedup interval.

A date timed N times per side (``harness run --repeat N``) has N samples of each side's
wall time. The speedup is the ratio of the medians; its interval is a percentile
bootstrap: both sides' samples resampled with replacement, independently, the ratio of
the resampled medians taken each time. The generator is seeded from the samples
themselves, so the same ledger always renders the same interval.
"""

from __future__ import annotations

import hashlib
import random
import statistics
from collections.abc import Sequence
from typing import Any

LEVEL = 0.95
RESAMPLES = 2000


def spread(values: Sequence[float]) -> dict[str, Any]:
    """n, median, min, max and spread (max - min) of one series of seconds."""
    return {
        "n": len(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "spread": max(values) - min(values),
    }


def speedup_interval(
    control: Sequence[float], candidate: Sequence[float], level: float = LEVEL, resamples: int = RESAMPLES
) -> dict[str, Any] | None:
    """{"low", "high", "level", "samples"} of control median / candidate median; None with
    fewer than two samples a side (one sample has no spread to bootstrap)."""
    if min(len(control), len(candidate)) < 2 or min(candidate) <= 0:
        return None
    rng = random.Random(_seed(control, candidate))
    ratios = sorted(
        statistics.median(rng.choices(control, k=len(control)))
        / statistics.median(rng.choices(candidate, k=len(candidate)))
        for _ in range(resamples)
    )
    tail = (1 - level) / 2
    return {
        "low": round(ratios[int(tail * (resamples - 1))], 2),
        "high": round(ratios[int((1 - tail) * (resamples - 1))], 2),
        "level": level,
        "samples": min(len(control), len(candidate)),
    }


def _seed(control: Sequence[float], candidate: Sequence[float]) -> int:
    text = repr((tuple(control), tuple(candidate))).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")
