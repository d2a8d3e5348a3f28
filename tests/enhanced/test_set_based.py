"""The enhanced side's code: set-based phases, separately timed, driven by posting_rule.

No phase function loops (only partition maintenance and the view refresh do, over
partitions and views); the manifest times each phase; the voucher phase plans for rows
the statistics have not seen; changing posting_rule changes the postings; journals are
written once, already carrying their voucher, and a rerun gives late journals new vouchers
numbered after the earlier ones. Fixtures: tests/enhanced/conftest.py.
"""

from __future__ import annotations

import re
from datetime import date

import psycopg
import pytest

from tests.enhanced.books import SCHEMA, SOURCE, Enhanced

PHASE_FUNCTIONS = (
    "fetch_transactions",
    "create_journals",
    "post_gl",
    "create_vouchers",
    "prepare_export",
    "set_statuses",
)

# ---------------------------------------------------------------------------------------------
# Set-based code
# ---------------------------------------------------------------------------------------------

LOOP_OVER_QUERY = re.compile(r"\bFOR\s+\w+\s+IN\s+(?:SELECT|EXECUTE|WITH|\()", re.IGNORECASE)
# The only loops allowed: over partitions (maintenance) and over the views (refresh).
LOOPS_ALLOWED = {"ensure_partitions", "detach_partitions_before", "refresh_reporting_views"}


def function_sources(books: Enhanced) -> dict[str, str]:
    rows = books.rows(
        "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = %s",
        (SCHEMA,),
    )
    return {str(r[0]): str(r[1]) for r in rows}


def test_phase_functions_have_no_loops_and_only_maintenance_loops_over_queries(enh: Enhanced) -> None:
    sources = function_sources(enh)
    for name in PHASE_FUNCTIONS:
        body = re.sub(r"--[^\n]*", "", sources[name])  # comments may say "loop"
        assert not re.search(r"\b(LOOP|FOREACH|WHILE|CURSOR|FETCH\s+\w+\s+INTO)\b", body, re.IGNORECASE), name
    looping = {name for name, body in sources.items() if re.search(r"\bLOOP\b", body, re.IGNORECASE)}
    assert looping <= LOOPS_ALLOWED
    over_queries = {name for name, body in sources.items() if LOOP_OVER_QUERY.search(body)}
    assert over_queries == {"detach_partitions_before"}  # its loop is over partitions


def test_the_manifest_times_each_phase_separately(enh: Enhanced) -> None:
    assert [p.name for p in enh.side.phases] == [
        "data fetch",
        "journal creation",
        "GL posting",
        "voucher creation",
        "export",
        "status",
        "reporting refresh",
    ]
    assert all(p.sql.count("SELECT") == 1 for p in enh.side.phases)
    assert enh.side.export is not None and enh.side.export.copy is not None
    assert "TO STDOUT (FORMAT csv, HEADER)" in enh.side.export.copy


def test_voucher_creation_plans_for_rows_the_statistics_have_not_seen(enh: Enhanced) -> None:
    # Regression: with statistics taken before the date was processed, the planner
    # estimated one unvouchered journal and nested-looped 100k journals over 500k GL lines
    # (ten minutes instead of two seconds). The function forbids nested loops and sorts.
    config = enh.value(
        "SELECT proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = %s AND p.proname = 'create_vouchers'",
        (SCHEMA,),
    )
    assert {"enable_nestloop=off", "enable_sort=off"} <= set(config)


# ---------------------------------------------------------------------------------------------
# Configuration-driven postings
# ---------------------------------------------------------------------------------------------


def sources_sql(books: Enhanced, text: str) -> None:
    with books.conn.transaction():
        books.conn.execute(f"SET LOCAL search_path TO {SOURCE}")
        books.conn.execute(text)


def test_postings_follow_posting_rule(enh: Enhanced) -> None:
    enh.seed(date(2024, 3, 15), date(2024, 3, 15), per_day=40)
    # move CLAIM_RECOVERY's bank leg to account 1200 and drop its credit line altogether
    # for PREM tax: a change of data, not of code
    sources_sql(
        enh,
        "UPDATE posting_rule SET account_code = '1200' WHERE txn_type = 'CLAIM_RECOVERY'"
        " AND account_code = '1000';"
        "DELETE FROM posting_rule WHERE component = 'TAX';"
        "UPDATE posting_rule SET component = 'GROSS' WHERE component = 'GROSS_PLUS_TAX';",
    )
    enh.process(date(2024, 3, 15))
    accounts = {
        (r[0], r[1])
        for r in enh.rows(
            "SELECT j.metadata->>'txn_type', g.account_code FROM gl_entries g"
            " JOIN sun_journal j USING (journal_id, business_date)"
        )
    }
    assert ("CLAIM_RECOVERY", "1200") in accounts
    assert not {a for t, a in accounts if t == "CLAIM_RECOVERY"} & {"1000"}
    assert not {a for _, a in accounts} & {"2300"}
    # every journal still balances and its totals match its lines
    assert (
        enh.rows(
            "SELECT j.journal_id FROM sun_journal j JOIN gl_entries g USING (journal_id, business_date)"
            " GROUP BY j.journal_id, j.total_debit_base, j.total_credit_base, j.line_count"
            " HAVING sum(g.base_amount) FILTER (WHERE g.dc_marker = 'D') <> j.total_debit_base"
            "     OR sum(g.base_amount) FILTER (WHERE g.dc_marker = 'C') <> j.total_credit_base"
            "     OR count(*) <> j.line_count"
        )
        == []
    )


def test_an_unknown_posting_component_fails_the_date(enh: Enhanced) -> None:
    enh.seed(date(2024, 3, 15), date(2024, 3, 15), per_day=5)
    sources_sql(enh, "UPDATE posting_rule SET component = 'FEE' WHERE line_order = 3")
    with pytest.raises(Exception, match="unknown component"):
        enh.process(date(2024, 3, 15))


# ---------------------------------------------------------------------------------------------
# Write once: journals carry their voucher from the start; reruns; the voucher phase's guard
# ---------------------------------------------------------------------------------------------

# Late transactions for a processed date: six policies of the seeded source, one per n.
LATE = """
INSERT INTO insurance_transaction (txn_id, txn_reference, business_date, policy_id, txn_type, currency,
                                   gross_amount, commission_rate, description)
SELECT 900000000 + n, 'TX-LATE-' || n, %s, p.policy_id,
       CASE WHEN n %% 2 = 0 THEN 'RENEWAL' ELSE 'CLAIM_PAYMENT' END, p.currency,
       CASE WHEN n %% 2 = 0 THEN 1234.57 ELSE -99.99 END, NULL, 'late ' || n
FROM generate_series(1, 6) AS n
JOIN LATERAL (SELECT policy_id, currency FROM policy ORDER BY policy_id OFFSET n LIMIT 1) p ON true
"""


def test_journals_are_written_with_their_voucher_and_never_updated(enh: Enhanced) -> None:
    day = date(2024, 3, 15)
    enh.seed(day, day, per_day=60)
    with enh.conn.transaction():
        enh.process(day)
        inserted, updated = enh.rows(
            "SELECT sum(n_tup_ins), sum(n_tup_upd) FROM pg_stat_xact_user_tables"
            " WHERE schemaname = %s AND relname LIKE 'sun_journal%%'",
            (SCHEMA,),
        )[0]
    assert inserted > 0
    assert updated == 0
    assert enh.value("SELECT count(*) FROM sun_journal WHERE voucher_id IS NULL") == 0
    # every journal's voucher is the one of its (ledger, journal type, currency)
    assert (
        enh.rows(
            "SELECT j.journal_id FROM sun_journal j JOIN voucher v USING (voucher_id)"
            " WHERE (v.ledger_code, v.business_date, v.journal_type, v.currency)"
            "    <> (j.ledger_code, j.business_date, j.journal_type, j.currency)"
        )
        == []
    )


def test_a_rerun_gives_late_journals_new_vouchers_and_keeps_the_earlier_ones(enh: Enhanced) -> None:
    day = date(2024, 3, 15)
    enh.seed(day, day, per_day=60)
    enh.process(day)
    before = {
        r[0]: r[1:]
        for r in enh.rows(
            "SELECT voucher_number, voucher_id, journal_count, total_debit_base FROM voucher ORDER BY 1"
        )
    }
    journals_before = set(enh.rows("SELECT journal_id, voucher_id FROM sun_journal"))
    with enh.conn.transaction():
        enh.conn.execute(f"SET LOCAL search_path TO {SOURCE}")
        enh.conn.execute(LATE, (day,))
    enh.process(day)

    after = {
        r[0]: r[1:]
        for r in enh.rows(
            "SELECT voucher_number, voucher_id, journal_count, total_debit_base FROM voucher ORDER BY 1"
        )
    }
    assert {n: after[n] for n in before} == before, "earlier vouchers are unchanged"
    assert journals_before <= set(enh.rows("SELECT journal_id, voucher_id FROM sun_journal"))
    new = sorted(set(after) - set(before))
    assert new, "the late journals got vouchers"
    for number in new:
        ledger = number.split("-")[0]
        earlier = [n for n in before if n.startswith(ledger + "-")]
        assert not earlier or number > max(earlier), "numbered after the first run's"
    # exactly the late journals are in the new vouchers, and every journal has a voucher
    late = enh.rows(
        "SELECT DISTINCT v.voucher_number FROM sun_journal j JOIN voucher v USING (voucher_id)"
        " WHERE j.txn_reference LIKE 'TX-LATE-%%' ORDER BY 1"
    )
    assert [r[0] for r in late] == new
    assert enh.value("SELECT count(*) FROM sun_journal WHERE voucher_id IS NULL") == 0
    assert enh.value("SELECT sum(journal_count) FROM voucher") == enh.value(
        "SELECT count(*) FROM sun_journal"
    )


def test_voucher_creation_refuses_a_journal_without_voucher_and_creates_nothing_twice(
    enh: Enhanced,
) -> None:
    day = date(2024, 3, 15)
    enh.seed(day, day, per_day=30)
    enh.process(day)
    vouchers = enh.value("SELECT count(*) FROM voucher")
    # run again on its own: the staged vouchers are written already
    assert enh.value("SELECT create_vouchers('2024-03-15')") == 0
    assert enh.value("SELECT count(*) FROM voucher") == vouchers
    # a journal left without a voucher (sun_journal_unvouchered finds it) stops the phase
    with pytest.raises(psycopg.errors.RaiseException, match="have no voucher"), enh.conn.transaction():
        enh.conn.execute(f"SET LOCAL search_path TO {SCHEMA}, {SOURCE}")
        enh.conn.execute(
            "UPDATE sun_journal SET voucher_id = NULL"
            " WHERE journal_id = (SELECT min(journal_id) FROM sun_journal)"
        )
        enh.conn.execute("SELECT create_vouchers('2024-03-15')")
