"""The fixed shape of the synthetic book: currencies, ledgers, products, rates and weights."""

from __future__ import annotations

from datetime import date

ACTIVE_LEDGERS = ("UK1", "IE1", "US1")
# A run-off book whose periods are all closed: its few policies yield PERIOD_CLOSED.
RUNOFF_LEDGER = ("RO1", "Run-off Book Ltd", "GBP")
LEDGER_BASE = {"UK1": "GBP", "IE1": "EUR", "US1": "USD", "RO1": "GBP"}
LEDGER_WEIGHTS = {"UK1": 0.47, "IE1": 0.25, "US1": 0.276, "RO1": 0.004}

CURRENCIES = ("GBP", "EUR", "USD", "JPY", "CHF")
# SEK has one rate, a month before the seeded range: every SEK transaction is NO_FX_RATE.
STALE_CURRENCY = "SEK"
STALE_CURRENCY_SHARE = 0.003
# Units of each currency per 1 USD, around which the daily rates wander.
USD_PER_UNIT = {"GBP": 1.27, "EUR": 1.08, "USD": 1.0, "JPY": 0.0067, "CHF": 1.13, "SEK": 0.096}

LINES_OF_BUSINESS = ("MOTOR", "PROPERTY", "LIABILITY", "MARINE", "TRAVEL")
PRODUCTS_PER_LINE = 3

TXN_TYPES = (
    "NEW_BUSINESS",
    "RENEWAL",
    "ENDORSEMENT",
    "CANCELLATION",
    "CLAIM_PAYMENT",
    "CLAIM_RECOVERY",
)
TXN_TYPE_WEIGHTS = (0.30, 0.25, 0.15, 0.08, 0.17, 0.05)
UNKNOWN_TXN_TYPE = "ADJUSTMENT"

# Rates of the edge cases, per transaction (a few per thousand each).
EDGE_RATES = {
    "unknown_type": 0.002,
    "missing_policy": 0.002,
    "zero_amount": 0.002,
    "min_amount": 0.001,
    "max_amount": 0.0005,
    "txn_commission": 0.05,
    "odd_description": 0.004,
}
POLICYHOLDER_EDGE_RATES = {"non_ascii": 0.02, "quote": 0.003, "backslash": 0.003}

N_POLICIES = 5000
N_BROKERS = 40
DIRECT_SHARE = 0.3
REINSURANCE_SHARES = (0.0, 0.0, 0.1, 0.25, 0.3333, 0.5)

# (tax_code, rate, valid_from, valid_to): UK IPT's history, an Irish levy that changes on
# 2024-03-04 (inside the demo range), a US surplus-lines tax on some US policies.
TAX_RATES = (
    ("UK_IPT", "0.1000", date(2016, 10, 1), date(2017, 5, 31)),
    ("UK_IPT", "0.1200", date(2017, 6, 1), None),
    ("IE_LEVY", "0.0200", date(2010, 1, 1), date(2024, 3, 3)),
    ("IE_LEVY", "0.0300", date(2024, 3, 4), None),
    ("US_SLT", "0.0360", date(2015, 1, 1), None),
)
LEDGER_TAX_CODE = {"UK1": "UK_IPT", "IE1": "IE_LEVY", "US1": "US_SLT", "RO1": "UK_IPT"}
FX_HISTORY_DAYS = 10
