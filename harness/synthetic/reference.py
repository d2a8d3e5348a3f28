"""Reference rows: brokers, policies, tax rates, periods and FX rates.

Brokers and policies depend on the seed only; periods and FX rates are a function of
(seed, date), so seeding overlapping ranges produces the same rows again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from harness.synthetic import model, names

Row = tuple[object, ...]


def rng_for(seed: int, *labels: object) -> np.random.Generator:
    """A generator whose stream depends only on the seed and the labels."""
    digest = hashlib.sha256(repr((seed, *labels)).encode()).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "big")))


def brokers(seed: int) -> list[Row]:
    rng = rng_for(seed, "brokers")
    rates = rng.choice([0.05, 0.075, 0.1, 0.125, 0.15, 0.2], size=model.N_BROKERS)
    return [
        (i + 1, f"BRK{i + 1:03d}", f"Broker {i + 1:03d} Ltd", Decimal(f"{rates[i]:.4f}"))
        for i in range(model.N_BROKERS)
    ]


def policies(seed: int) -> list[Row]:
    rng = rng_for(seed, "policies")
    n = model.N_POLICIES
    ledgers = rng.choice(list(model.LEDGER_WEIGHTS), size=n, p=list(model.LEDGER_WEIGHTS.values()))
    lobs = rng.choice(model.LINES_OF_BUSINESS, size=n)
    products = rng.integers(1, model.PRODUCTS_PER_LINE + 1, size=n)
    direct = rng.random(n) < model.DIRECT_SHARE
    broker_ids = rng.integers(1, model.N_BROKERS + 1, size=n)
    shares = rng.choice(model.REINSURANCE_SHARES, size=n)
    currencies = _policy_currencies(rng, ledgers)
    taxed = rng.random(n) < 0.5
    holders = policyholders(rng, n)
    return [
        (
            i + 1,
            f"POL-{i + 1:07d}",
            str(ledgers[i]),
            f"{str(lobs[i])[:3]}-{int(products[i]):02d}",
            str(lobs[i]),
            None if direct[i] else int(broker_ids[i]),
            holders[i],
            currencies[i],
            Decimal(f"{shares[i]:.4f}"),
            _tax_code(str(ledgers[i]), bool(taxed[i])),
        )
        for i in range(n)
    ]


def _policy_currencies(rng: np.random.Generator, ledgers: np.ndarray) -> list[str]:
    draw = rng.random(len(ledgers))
    foreign = rng.choice(model.CURRENCIES, size=len(ledgers))
    return [
        model.STALE_CURRENCY
        if draw[i] < model.STALE_CURRENCY_SHARE
        else str(foreign[i])
        if draw[i] < 0.2
        else model.LEDGER_BASE[str(ledgers[i])]
        for i in range(len(ledgers))
    ]


def _tax_code(ledger: str, taxed: bool) -> str | None:
    # Only some US policies carry surplus-lines tax; the others have no tax code at all.
    if ledger == "US1" and not taxed:
        return None
    return model.LEDGER_TAX_CODE[ledger]


def policyholders(rng: np.random.Generator, n: int) -> list[str]:
    first = rng.choice(names.FIRST_NAMES, size=n)
    last = rng.choice(names.LAST_NAMES, size=n)
    company = rng.random(n) < 0.3
    suffix = rng.choice(names.COMPANY_SUFFIXES, size=n)
    edge = rng.random(n)
    pick = rng.integers(0, 1000, size=n)
    rates = model.POLICYHOLDER_EDGE_RATES
    quote_at = rates["quote"]
    backslash_at = quote_at + rates["backslash"]
    non_ascii_at = backslash_at + rates["non_ascii"]
    out = []
    for i in range(n):
        if edge[i] < quote_at:
            out.append(names.QUOTE_NAMES[pick[i] % len(names.QUOTE_NAMES)])
        elif edge[i] < backslash_at:
            out.append(names.BACKSLASH_NAMES[pick[i] % len(names.BACKSLASH_NAMES)])
        elif edge[i] < non_ascii_at:
            out.append(names.NON_ASCII_NAMES[pick[i] % len(names.NON_ASCII_NAMES)])
        elif company[i]:
            out.append(f"{last[i]} {suffix[i]}")
        else:
            out.append(f"{first[i]} {last[i]}")
    return out


def tax_rates() -> list[Row]:
    return [(code, Decimal(rate), start, end) for code, rate, start, end in model.TAX_RATES]


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from first's month to last's month."""
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def accounting_periods(first: date, last: date) -> list[Row]:
    """Every month of the range OPEN (RO1 CLOSED), and the month before it CLOSED."""
    previous = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    rows: list[Row] = []
    for month in [previous, *months_between(first, last)]:
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for ledger in model.LEDGER_BASE:
            is_open = month != previous and ledger != model.RUNOFF_LEDGER[0]
            period = f"{month.year}/{month.month:03d}"
            rows.append((ledger, period, month, end, "OPEN" if is_open else "CLOSED"))
    return rows


def fx_rates(seed: int, first: date, last: date) -> Iterator[Row]:
    """Weekday rates for every currency into each base, from before the range to its end."""
    day = first - timedelta(days=model.FX_HISTORY_DAYS)
    while day <= last:
        if day.weekday() < 5:
            yield from _fx_rates_on(seed, day)
        day += timedelta(days=1)
    stale_day = first - timedelta(days=30)
    for base in sorted(set(model.LEDGER_BASE.values())):
        yield (
            model.STALE_CURRENCY,
            base,
            stale_day,
            _cross_rate(seed, model.STALE_CURRENCY, base, stale_day),
        )


def _fx_rates_on(seed: int, day: date) -> Iterator[Row]:
    for base in sorted(set(model.LEDGER_BASE.values())):
        for currency in model.CURRENCIES:
            if currency != base:
                yield (currency, base, day, _cross_rate(seed, currency, base, day))


def _cross_rate(seed: int, currency: str, base: str, day: date) -> Decimal:
    wobble = rng_for(seed, "fx", currency, base, day.isoformat()).uniform(-0.02, 0.02)
    rate = model.USD_PER_UNIT[currency] / model.USD_PER_UNIT[base] * (1 + wobble)
    return Decimal(f"{rate:.8f}")
