"""The enhanced side's code: set-based phases, separately timed, driven by posting_rule.

No phase function loops (only partition maintenance and the view refresh do, over
partitions and views); the manifest times each phase; the voucher phase plans for rows
the statistics have not seen; changing posting_rule changes the postings. Fixtures:
tests/enhanced/conftest.py.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.enhanced.books import SCHEMA, SOURCE, Enhanced

PHASE_FUNCTIONS = ("fetch_transactions", "create_journals", "post_gl", "create_vouchers", "prepare_export")

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
