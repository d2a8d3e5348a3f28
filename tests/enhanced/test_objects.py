"""The enhanced side's objects: monthly partitions, reporting views, indexes, jsonb metadata.

Checked against docs/domain.md ("What makes enhanced enhanced"): partitions created for the
months processed and detachable; each materialized view equal to the same figures computed
from the base tables; every index serving a named query (its plan uses it). Fixtures:
tests/enhanced/conftest.py.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from tests.enhanced.books import SCHEMA, Enhanced

# ---------------------------------------------------------------------------------------------
# Partitions
# ---------------------------------------------------------------------------------------------


def partitions(books: Enhanced, parent: str) -> list[str]:
    return [
        str(r[0])
        for r in books.rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass ORDER BY 1",
            (parent,),
        )
    ]


def test_partitions_appear_for_the_months_processed_across_a_month_end(enh: Enhanced) -> None:
    assert partitions(enh, "sun_journal") == []  # none until a date is processed
    enh.seed(date(2024, 3, 31), date(2024, 4, 1), per_day=40)
    enh.process(date(2024, 3, 31), date(2024, 4, 1))
    # the month of each date and one month ahead (ensure_partitions' default)
    for parent in ("sun_journal", "gl_entries"):
        assert partitions(enh, parent) == [f"{parent}_p202403", f"{parent}_p202404", f"{parent}_p202405"]
    # each date's rows sit in its month's partition
    placed = enh.rows(
        "SELECT business_date, tableoid::regclass::text, count(*) FROM gl_entries GROUP BY 1, 2 ORDER BY 1"
    )
    assert [(r[0], r[1]) for r in placed] == [
        (date(2024, 3, 31), "gl_entries_p202403"),
        (date(2024, 4, 1), "gl_entries_p202404"),
    ]
    assert all(r[2] > 0 for r in placed)


def test_ensure_partitions_is_idempotent_and_looks_ahead(enh: Enhanced) -> None:
    assert enh.value("SELECT ensure_partitions('2024-12-10', 2)") == 6  # Dec, Jan, Feb x 2 tables
    assert enh.value("SELECT ensure_partitions('2024-12-31', 2)") == 0
    assert partitions(enh, "sun_journal") == [
        "sun_journal_p202412",
        "sun_journal_p202501",
        "sun_journal_p202502",
    ]


def test_detach_keeps_old_months_as_tables_and_ensure_attaches_them_back(enh: Enhanced) -> None:
    enh.seed(date(2024, 3, 31), date(2024, 4, 1), per_day=40)
    enh.process(date(2024, 3, 31), date(2024, 4, 1))
    march = enh.value("SELECT count(*) FROM sun_journal WHERE business_date = '2024-03-31'")
    assert march > 0

    detached = [r[0] for r in enh.rows("SELECT * FROM detach_partitions_before('2024-04-01')")]
    assert detached == ["gl_entries_p202403", "sun_journal_p202403"]
    assert partitions(enh, "sun_journal") == ["sun_journal_p202404", "sun_journal_p202405"]
    assert enh.value("SELECT count(*) FROM sun_journal WHERE business_date < '2024-04-01'") == 0
    # the archive keeps its rows; nothing before the first day of a month is detached early
    assert enh.value("SELECT count(*) FROM sun_journal_p202403") == march
    assert enh.rows("SELECT * FROM detach_partitions_before('2024-04-30')") == []

    # processing (or ensuring) March again attaches the archived month, not an empty one
    assert enh.value("SELECT ensure_partitions('2024-03-15', 0)") == 2
    assert enh.value("SELECT count(*) FROM sun_journal WHERE business_date = '2024-03-31'") == march


# ---------------------------------------------------------------------------------------------
# Materialized views: each agrees with the same figures computed from the base tables
# ---------------------------------------------------------------------------------------------

# (view, the equivalent query over sun_journal / gl_entries / journal_error / voucher)
VIEW_EQUIVALENTS = {
    "mv_daily_journal_summary": """
        SELECT j.business_date, j.ledger_code, j.journal_type, j.currency,
               count(*), sum(j.total_debit_base), sum(j.total_credit_base),
               count(DISTINCT j.voucher_id),
               (SELECT count(*) FROM voucher_line vl WHERE vl.voucher_id IN (
                    SELECT j2.voucher_id FROM sun_journal j2
                    WHERE (j2.business_date, j2.ledger_code, j2.journal_type, j2.currency)
                        = (j.business_date, j.ledger_code, j.journal_type, j.currency)))
        FROM sun_journal j
        GROUP BY j.business_date, j.ledger_code, j.journal_type, j.currency""",
    "mv_account_balance": """
        SELECT j.ledger_code, g.period, g.account_code, g.currency,
               coalesce(sum(g.txn_amount) FILTER (WHERE g.dc_marker = 'D'), 0),
               coalesce(sum(g.txn_amount) FILTER (WHERE g.dc_marker = 'C'), 0),
               coalesce(sum(g.base_amount) FILTER (WHERE g.dc_marker = 'D'), 0),
               coalesce(sum(g.base_amount) FILTER (WHERE g.dc_marker = 'C'), 0),
               sum(CASE g.dc_marker WHEN 'D' THEN g.base_amount ELSE -g.base_amount END)
        FROM gl_entries g
        JOIN sun_journal j ON j.journal_id = g.journal_id AND j.business_date = g.business_date
        GROUP BY 1, 2, 3, 4""",
    # written differently from the view on purpose: a correlated sum over earlier periods
    "mv_trial_balance": """
        WITH line AS (
            SELECT j.ledger_code, g.period, g.account_code, g.dc_marker, g.base_amount
            FROM gl_entries g
            JOIN sun_journal j ON j.journal_id = g.journal_id AND j.business_date = g.business_date
        ), cell AS (
            SELECT DISTINCT p.ledger_code, p.period, a.account_code
            FROM line p JOIN line a ON a.ledger_code = p.ledger_code
            WHERE a.period COLLATE "C" <= p.period COLLATE "C"
        ), figures AS (
            SELECT c.ledger_code, c.period, c.account_code,
                   (SELECT coalesce(sum(base_amount), 0) FROM line l
                    WHERE (l.ledger_code, l.period, l.account_code, l.dc_marker)
                        = (c.ledger_code, c.period, c.account_code, 'D')) AS period_debit,
                   (SELECT coalesce(sum(base_amount), 0) FROM line l
                    WHERE (l.ledger_code, l.period, l.account_code, l.dc_marker)
                        = (c.ledger_code, c.period, c.account_code, 'C')) AS period_credit,
                   (SELECT coalesce(sum(CASE dc_marker WHEN 'D' THEN base_amount
                                                       ELSE -base_amount END), 0)
                    FROM line l
                    WHERE l.ledger_code = c.ledger_code AND l.account_code = c.account_code
                      AND l.period COLLATE "C" <= c.period COLLATE "C") AS closing
            FROM cell c
        )
        SELECT ledger_code, period, account_code, period_debit, period_credit,
               greatest(closing, 0), greatest(-closing, 0)
        FROM figures""",
    "mv_voucher_summary": """
        SELECT v.voucher_id, v.voucher_number, v.business_date, v.ledger_code, v.period,
               v.journal_type, v.currency, v.journal_count, v.total_debit_base,
               v.total_credit_base,
               (SELECT count(*) FROM voucher_line vl WHERE vl.voucher_id = v.voucher_id),
               (SELECT coalesce(sum(g.base_amount), 0) FROM gl_entries g JOIN sun_journal j
                  ON j.journal_id = g.journal_id AND j.business_date = g.business_date
                WHERE j.voucher_id = v.voucher_id AND g.dc_marker = 'D'),
               (SELECT coalesce(sum(g.base_amount), 0) FROM gl_entries g JOIN sun_journal j
                  ON j.journal_id = g.journal_id AND j.business_date = g.business_date
                WHERE j.voucher_id = v.voucher_id AND g.dc_marker = 'C'),
               true
        FROM voucher v""",
    "mv_error_summary": """
        SELECT business_date, error_code, count(*),
               min(txn_reference COLLATE "C"), max(txn_reference COLLATE "C")
        FROM journal_error GROUP BY 1, 2""",
    "mv_line_of_business": """
        SELECT j.ledger_code, g.period, j.journal_type, g.t0, g.t1, g.account_code,
               count(DISTINCT j.voucher_id),
               coalesce(sum(g.base_amount) FILTER (WHERE g.dc_marker = 'D'), 0),
               coalesce(sum(g.base_amount) FILTER (WHERE g.dc_marker = 'C'), 0),
               sum(CASE g.dc_marker WHEN 'C' THEN g.base_amount ELSE -g.base_amount END)
        FROM gl_entries g
        JOIN sun_journal j ON j.journal_id = g.journal_id AND j.business_date = g.business_date
        GROUP BY 1, 2, 3, 4, 5, 6""",
}


def test_every_materialized_view_has_an_equivalent_here(processed: Enhanced) -> None:
    views = {
        str(r[0])
        for r in processed.rows("SELECT matviewname FROM pg_matviews WHERE schemaname = %s", (SCHEMA,))
    }
    assert views == set(VIEW_EQUIVALENTS)


@pytest.mark.parametrize("view", sorted(VIEW_EQUIVALENTS))
def test_materialized_view_agrees_with_the_base_tables(processed: Enhanced, view: str) -> None:
    mv = processed.rows(f"SELECT * FROM {view}")
    assert len(mv) > 1, f"{view} is empty: the refresh did not run"
    base = processed.rows(VIEW_EQUIVALENTS[view])
    assert sorted(mv) == sorted(base)


def test_views_are_refreshed_concurrently_and_cover_every_processed_date(processed: Enhanced) -> None:
    dates = processed.rows("SELECT DISTINCT business_date FROM mv_daily_journal_summary ORDER BY 1")
    assert len(dates) == 6
    # a concurrent refresh needs a unique index: one per view, and the refresh works again
    unique = processed.rows(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = 'm' AND i.indisunique",
        (SCHEMA,),
    )
    assert {r[0] for r in unique} == set(VIEW_EQUIVALENTS)
    assert processed.value("SELECT refresh_reporting_views()") == len(VIEW_EQUIVALENTS)
    # every period of the trial balance balances
    assert (
        processed.rows(
            "SELECT ledger_code, period FROM mv_trial_balance GROUP BY 1, 2"
            " HAVING sum(closing_debit_base) <> sum(closing_credit_base)"
        )
        == []
    )


# ---------------------------------------------------------------------------------------------
# Indexes: each serves a named query
# ---------------------------------------------------------------------------------------------

# index -> a query that must be able to use it (checked with sequential scans disabled)
INDEX_QUERIES = {
    "sun_journal_pkey": "SELECT * FROM journal({journal_id})",
    "sun_journal_txn_reference_business_date_key": "SELECT * FROM journal_for_transaction('{ref}')",
    "sun_journal_unvouchered": (
        "SELECT count(*) FROM sun_journal WHERE business_date = '{d}' AND voucher_id IS NULL"
    ),
    "sun_journal_voucher": "SELECT * FROM journals_of_voucher('{voucher}')",
    "sun_journal_metadata": "SELECT * FROM journals_for_policy('{policy}')",
    "gl_entries_date_journal": "SELECT * FROM journal_lines({journal_id}, '{journal_date}')",
    "gl_entries_rounding": "SELECT * FROM rounding_lines('2024/003')",
    "voucher_pkey": "SELECT * FROM voucher_line vl JOIN voucher v USING (voucher_id) WHERE vl.voucher_id = 1",
    "voucher_voucher_number_key": "SELECT * FROM voucher WHERE voucher_number = '{voucher}'",
    "voucher_date_ledger_seq": (
        "SELECT ledger_code, max(split_part(voucher_number, '-', 3)::integer) FROM voucher"
        " WHERE business_date = '{d}' GROUP BY ledger_code"
    ),
    "voucher_line_pkey": "SELECT * FROM voucher_line WHERE voucher_id = 1 ORDER BY line_no",
    "journal_error_pkey": "SELECT * FROM journal_error WHERE error_id = 1",
    "journal_error_date_code": "SELECT * FROM errors_for_date('{error_date}', '{error_code}')",
    "journal_error_reference": "SELECT * FROM transaction_errors('{error_ref}')",
    "journal_type_map_pkey": "SELECT * FROM journal_type_map WHERE txn_type = 'RENEWAL'",
    "posting_config_pkey": "SELECT value FROM posting_config WHERE key = 'rounding_account'",
}


def table_indexes(books: Enhanced) -> set[str]:
    """Indexes defined in the schema on tables (not the per-partition copies, not views)."""
    rows = books.rows(
        "SELECT ic.relname FROM pg_index i"
        " JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
        " JOIN pg_namespace n ON n.oid = ic.relnamespace"
        " WHERE n.nspname = %s AND NOT ic.relispartition AND t.relkind IN ('r', 'p')",
        (SCHEMA,),
    )
    return {str(r[0]) for r in rows}


def test_every_index_is_one_with_a_named_query(processed: Enhanced) -> None:
    assert table_indexes(processed) == set(INDEX_QUERIES)
    # plus one unique index per materialized view: the total the reference system had
    assert len(INDEX_QUERIES) + len(VIEW_EQUIVALENTS) >= 20


def plan_indexes(books: Enhanced, query: str) -> set[str]:
    """The root (partitioned) index of every index the plan of ``query`` uses."""
    with books.conn.transaction():
        books.conn.execute("SET LOCAL enable_seqscan = off")
        plan = books.rows(f"EXPLAIN (FORMAT JSON) {query}")[0][0]
    names = set(re.findall(r'"Index Name": "([^"]+)"', json.dumps(plan)))
    roots = books.rows(
        "SELECT coalesce(pg_partition_root(n::regclass)::text, n) FROM unnest(%s::text[]) AS n",
        (sorted(names),),
    )
    return {str(r[0]) for r in roots}


@pytest.mark.parametrize("index", sorted(INDEX_QUERIES))
def test_index_serves_its_query(processed: Enhanced, index: str) -> None:
    sample = {
        "journal_id": processed.value("SELECT min(journal_id) FROM sun_journal"),
        "journal_date": processed.value("SELECT business_date FROM sun_journal ORDER BY journal_id LIMIT 1"),
        "ref": processed.value("SELECT min(txn_reference) FROM sun_journal"),
        "voucher": processed.value("SELECT min(voucher_number) FROM voucher"),
        "policy": processed.value("SELECT min(metadata->>'policy_number') FROM sun_journal"),
        "error_ref": processed.value("SELECT min(txn_reference) FROM journal_error"),
        "error_date": processed.value("SELECT business_date FROM journal_error ORDER BY error_id LIMIT 1"),
        "error_code": processed.value("SELECT error_code FROM journal_error ORDER BY error_id LIMIT 1"),
        "d": "2024-03-30",
    }
    query = INDEX_QUERIES[index].format(**sample)
    assert processed.rows(query), f"{index}: its query finds nothing in the test data"
    assert index in plan_indexes(processed, query)


def test_the_unvouchered_index_is_partial_and_the_metadata_index_is_gin(processed: Enhanced) -> None:
    rows = processed.rows(
        "SELECT ic.relname, am.amname, pg_get_expr(i.indpred, i.indrelid), pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam"
        " JOIN pg_namespace n ON n.oid = ic.relnamespace"
        " WHERE n.nspname = %s AND ic.relname IN ('sun_journal_unvouchered', 'sun_journal_metadata')"
        " ORDER BY 1",
        (SCHEMA,),
    )
    (gin, gin_am, gin_pred, gin_def), (partial, btree_am, predicate, _) = rows
    assert (gin, gin_am, gin_pred) == ("sun_journal_metadata", "gin", None)
    assert "jsonb_path_ops" in gin_def
    assert (partial, btree_am, predicate) == ("sun_journal_unvouchered", "btree", "(voucher_id IS NULL)")
    # after processing, no journal is left unvouchered
    assert processed.value("SELECT count(*) FROM sun_journal WHERE voucher_id IS NULL") == 0


def test_metadata_is_jsonb_built_with_escaping(processed: Enhanced) -> None:
    # the generator puts quotes and backslashes in some names: they must survive as data
    names = processed.rows(
        "SELECT metadata->>'policyholder' FROM sun_journal"
        " WHERE metadata->>'policyholder' ~ '[\"\\\\]' LIMIT 5"
    )
    assert names, "the test data should hold names with a quote or a backslash"
    assert processed.value("SELECT pg_typeof(metadata)::text FROM sun_journal LIMIT 1") == "jsonb"
    assert (
        processed.value(
            "SELECT count(*) FROM sun_journal WHERE NOT metadata ?& array['policy_number', 'policyholder',"
            " 'txn_type', 'description']"
        )
        == 0
    )
