"""One business date's insurance transactions, drawn from (seed, date) alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import numpy as np

from harness.synthetic import model, names
from harness.synthetic.reference import Row, rng_for

MAX_PER_DAY = 9_999_999
MAX_AMOUNT = 1_000_000_000.0
TYPE_LABELS = {
    "NEW_BUSINESS": "New business",
    "RENEWAL": "Renewal",
    "ENDORSEMENT": "Mid-term adjustment",
    "CANCELLATION": "Cancellation",
    "CLAIM_PAYMENT": "Claim payment",
    "CLAIM_RECOVERY": "Claim recovery",
    model.UNKNOWN_TXN_TYPE: "Manual adjustment",
}


def txn_id(day: date, index: int) -> int:
    """Ids never collide across dates: yyyymmdd followed by a 7-digit sequence."""
    return int(day.strftime("%Y%m%d")) * 10_000_000 + index


def transactions(seed: int, day: date, per_day: int, policies: Sequence[Row]) -> list[Row]:
    rng = rng_for(seed, "transactions", day.isoformat())
    n = per_day
    policy_index = rng.integers(0, len(policies), size=n)
    types = _types(rng, n)
    amounts = _amounts(rng, n, types)
    missing = rng.random(n) < model.EDGE_RATES["missing_policy"]
    txn_rates = rng.random(n) < model.EDGE_RATES["txn_commission"]
    override = rng.choice([0.05, 0.1, 0.125, 0.175], size=n)
    odd = rng.random(n) < model.EDGE_RATES["odd_description"]
    extra = rng.integers(0, len(names.DESCRIPTION_EXTRAS), size=n)
    stamp = day.strftime("%Y%m%d")
    rows: list[Row] = []
    for i in range(n):
        policy = policies[int(policy_index[i])]
        policy_id = 9_000_000 + i if missing[i] else int(str(policy[0]))
        description = f"{TYPE_LABELS[str(types[i])]} {policy[1]}"
        if odd[i]:
            description += f" {names.DESCRIPTION_EXTRAS[int(extra[i])]}"
        rows.append(
            (
                txn_id(day, i + 1),
                f"TX-{stamp}-{i + 1:06d}" if n <= 999_999 else f"TX-{stamp}-{i + 1:07d}",
                day,
                policy_id,
                str(types[i]),
                "GBP" if missing[i] else policy[7],
                amounts[i],
                Decimal(f"{override[i]:.4f}") if txn_rates[i] and policy[5] is not None else None,
                description,
                "NEW",
                None,
            )
        )
    return rows


def _types(rng: np.random.Generator, n: int) -> np.ndarray:
    types = rng.choice(model.TXN_TYPES, size=n, p=model.TXN_TYPE_WEIGHTS).astype(object)
    types[rng.random(n) < model.EDGE_RATES["unknown_type"]] = model.UNKNOWN_TXN_TYPE
    return types


def _amounts(rng: np.random.Generator, n: int, types: np.ndarray) -> list[Decimal]:
    # Log-normal premiums and claims; a few exact extremes and zeros at steady rates.
    cents = np.clip(np.round(rng.lognormal(7.0, 1.8, size=n) * 100), 1, MAX_AMOUNT * 100)
    edge = rng.random(n)
    rates = model.EDGE_RATES
    cents[edge < rates["zero_amount"]] = 0
    low = (edge >= rates["zero_amount"]) & (edge < rates["zero_amount"] + rates["min_amount"])
    cents[low] = 1
    high_from = rates["zero_amount"] + rates["min_amount"]
    cents[(edge >= high_from) & (edge < high_from + rates["max_amount"])] = MAX_AMOUNT * 100
    sign = np.where(types == "CANCELLATION", -1, 1)
    return [Decimal(int(c) * int(s)).scaleb(-2) for c, s in zip(cents, sign, strict=True)]
