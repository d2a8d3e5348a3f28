-- Reporting: materialized views over the side's own tables, each with the UNIQUE index
-- REFRESH MATERIALIZED VIEW CONCURRENTLY needs (readers are never blocked by a refresh),
-- created WITH DATA because a concurrent refresh needs a populated view.
--
-- The views read vouchers and voucher lines (the journals and GL lines already summed per
-- voucher by account, D/C and analysis codes) rather than sun_journal and gl_entries:
-- every processed date ends with all its journals vouchered, so the figures are the same
-- (tests/enhanced/test_objects.py checks each against the base tables), and the refresh
-- cost grows with the number of vouchers, not of transactions: a few thousand rows a day
-- instead of half a million.
-- The views read no source table (source is not on search_path at install time).

-- Daily journal summary: journals and their base totals per date, ledger, journal type
-- and currency, with the vouchers and voucher lines they went out in. Read from the
-- vouchers, which carry exactly these counts and totals (one voucher per group and run).
CREATE MATERIALIZED VIEW mv_daily_journal_summary AS
SELECT v.business_date, v.ledger_code, v.journal_type, v.currency,
       sum(v.journal_count)::bigint AS journal_count,
       sum(v.total_debit_base) AS total_debit_base,
       sum(v.total_credit_base) AS total_credit_base,
       count(*) AS voucher_count,
       sum(coalesce(l.n, 0))::bigint AS voucher_line_count
FROM voucher v
LEFT JOIN (SELECT voucher_id, count(*) AS n FROM voucher_line GROUP BY voucher_id) l
  ON l.voucher_id = v.voucher_id
GROUP BY v.business_date, v.ledger_code, v.journal_type, v.currency
WITH DATA;

CREATE UNIQUE INDEX mv_daily_journal_summary_key
    ON mv_daily_journal_summary (business_date, ledger_code, journal_type, currency);

-- Account balances per period: movements per ledger, period, account and currency.
CREATE MATERIALIZED VIEW mv_account_balance AS
SELECT v.ledger_code, v.period, vl.account_code, v.currency,
       coalesce(sum(vl.txn_amount) FILTER (WHERE vl.dc_marker = 'D'), 0) AS debit_txn,
       coalesce(sum(vl.txn_amount) FILTER (WHERE vl.dc_marker = 'C'), 0) AS credit_txn,
       coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'D'), 0) AS debit_base,
       coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'C'), 0) AS credit_base,
       sum(CASE vl.dc_marker WHEN 'D' THEN vl.base_amount ELSE -vl.base_amount END)
           AS net_base
FROM voucher_line vl
JOIN voucher v ON v.voucher_id = vl.voucher_id
GROUP BY v.ledger_code, v.period, vl.account_code, v.currency
WITH DATA;

CREATE UNIQUE INDEX mv_account_balance_key
    ON mv_account_balance (ledger_code, period, account_code, currency);

-- Trial balance per ledger and period, in base currency: the period's movements and the
-- closing balance (all periods up to and including it) in a debit or a credit column.
-- An account appears in every period of its ledger from its first movement on, so each
-- period's debit and credit columns add up to the same total.
CREATE MATERIALIZED VIEW mv_trial_balance AS
WITH movement AS (
    SELECT v.ledger_code, v.period, vl.account_code,
           coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'D'), 0) AS debit_base,
           coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'C'), 0) AS credit_base
    FROM voucher_line vl
    JOIN voucher v ON v.voucher_id = vl.voucher_id
    GROUP BY v.ledger_code, v.period, vl.account_code
), grid AS (
    SELECT p.ledger_code, p.period, a.account_code
    FROM (SELECT DISTINCT ledger_code, period FROM movement) p
    JOIN (SELECT ledger_code, account_code, min(period COLLATE "C") AS first_period
          FROM movement GROUP BY ledger_code, account_code) a
      ON a.ledger_code = p.ledger_code AND p.period COLLATE "C" >= a.first_period
), balance AS (
    SELECT g.ledger_code, g.period, g.account_code,
           coalesce(m.debit_base, 0) AS period_debit_base,
           coalesce(m.credit_base, 0) AS period_credit_base,
           sum(coalesce(m.debit_base, 0) - coalesce(m.credit_base, 0)) OVER (
               PARTITION BY g.ledger_code, g.account_code
               ORDER BY g.period COLLATE "C") AS closing_base
    FROM grid g
    LEFT JOIN movement m
      ON m.ledger_code = g.ledger_code AND m.period = g.period
     AND m.account_code = g.account_code
)
SELECT ledger_code, period, account_code, period_debit_base, period_credit_base,
       greatest(closing_base, 0) AS closing_debit_base,
       greatest(-closing_base, 0) AS closing_credit_base
FROM balance
WITH DATA;

CREATE UNIQUE INDEX mv_trial_balance_key
    ON mv_trial_balance (ledger_code, period, account_code);

-- Voucher summary: one row per voucher with its line count and line totals beside the
-- header totals, and whether they agree (debits = credits = the journals' totals): the
-- control report checked before an export is released.
CREATE MATERIALIZED VIEW mv_voucher_summary AS
SELECT v.voucher_id, v.voucher_number, v.business_date, v.ledger_code, v.period,
       v.journal_type, v.currency, v.journal_count,
       v.total_debit_base, v.total_credit_base,
       coalesce(l.line_count, 0) AS line_count,
       coalesce(l.line_debit_base, 0) AS line_debit_base,
       coalesce(l.line_credit_base, 0) AS line_credit_base,
       coalesce(l.line_debit_base = l.line_credit_base
                AND l.line_debit_base = v.total_debit_base
                AND v.total_debit_base = v.total_credit_base, false) AS balanced
FROM voucher v
LEFT JOIN (
    SELECT voucher_id,
           count(*) AS line_count,
           coalesce(sum(base_amount) FILTER (WHERE dc_marker = 'D'), 0) AS line_debit_base,
           coalesce(sum(base_amount) FILTER (WHERE dc_marker = 'C'), 0) AS line_credit_base
    FROM voucher_line
    GROUP BY voucher_id
) l ON l.voucher_id = v.voucher_id
WITH DATA;

CREATE UNIQUE INDEX mv_voucher_summary_key ON mv_voucher_summary (voucher_id);

-- Error summary: rejections per date and error code.
CREATE MATERIALIZED VIEW mv_error_summary AS
SELECT business_date, error_code,
       count(*) AS error_count,
       min(txn_reference COLLATE "C") AS first_txn_reference,
       max(txn_reference COLLATE "C") AS last_txn_reference
FROM journal_error
GROUP BY business_date, error_code
WITH DATA;

CREATE UNIQUE INDEX mv_error_summary_key ON mv_error_summary (business_date, error_code);

-- Line of business: base movements per ledger, period, journal type, line of business (t0),
-- product (t1) and account: premium written (PREM on the premium account), tax,
-- commission, reinsurance and claims by line of business and product.
CREATE MATERIALIZED VIEW mv_line_of_business AS
SELECT v.ledger_code, v.period, v.journal_type,
       vl.t0 AS line_of_business, vl.t1 AS product_code, vl.account_code,
       count(DISTINCT v.voucher_id) AS voucher_count,
       coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'D'), 0) AS debit_base,
       coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'C'), 0) AS credit_base,
       sum(CASE vl.dc_marker WHEN 'C' THEN vl.base_amount ELSE -vl.base_amount END)
           AS net_credit_base
FROM voucher_line vl
JOIN voucher v ON v.voucher_id = vl.voucher_id
GROUP BY v.ledger_code, v.period, v.journal_type, vl.t0, vl.t1, vl.account_code
WITH DATA;

CREATE UNIQUE INDEX mv_line_of_business_key
    ON mv_line_of_business (ledger_code, period, journal_type, line_of_business,
                            product_code, account_code);
