-- Phase 'data fetch': one INSERT of the date's NEW transactions into txn_staging, then
-- their statistics and the rejected ones' journal_error rows. (Their statuses are set
-- with the accepted ones' in set_statuses: one UPDATE of the source rows.)
CREATE FUNCTION fetch_transactions(d date)
RETURNS bigint
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    fetched bigint;
    unknown text;
    journal_ids regclass := pg_get_serial_sequence('sun_journal', 'journal_id')::regclass;
BEGIN
    PERFORM ensure_partitions(d);

    -- A component this job cannot price would silently drop GL lines: refuse instead.
    SELECT string_agg(DISTINCT component, ', ') INTO unknown
    FROM posting_rule
    WHERE component_bit(component) IS NULL;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'posting_rule has unknown component(s) %', unknown
            USING HINT = 'known components: GROSS_PLUS_TAX, GROSS, TAX, COMMISSION, REINSURANCE';
    END IF;

    TRUNCATE txn_staging;

    -- 1. Each lookup is computed once for the date and hash-joined to the transactions:
    --    per ledger its base currency and open period, per transaction type its journal
    --    type and rule line counts (a type lacking either is unknown), the latest FX rate
    --    per currency pair, the valid tax rate per code.
    -- 2. priced: the amounts G, T, C, R and each component's base amount (OFFSET 0 keeps
    --    the planner from inlining, so each is computed once per row; at rate 1, the base
    --    amount is the amount itself).
    -- 3. Journal totals straight from the rule counts: a component of signed amount x and
    --    base amount b, posted by n_D debit and n_C credit rule lines, adds n_D * b to the
    --    debits and n_C * b to the credits when x > 0, the other way round when x < 0
    --    (x = 0 has b = 0, so one comparison per component picks the count). The counts are
    --    numeric once per transaction type, not converted per row, and g + t is summed once:
    --    this arithmetic was half the phase (about 50 ms of it saved at 100,000 rows).
    -- 4. Accepted rows get their journal_id from sun_journal's sequence as they are written.
    INSERT INTO txn_staging (
        txn_id, txn_reference, business_date, txn_type, currency, description,
        policy_number, policyholder_name, ledger_code, period, journal_type, fx_rate,
        g, t, c, r, gt_base, g_base, t_base, c_base, r_base, t0, t1, t2, zero_mask,
        debit_base, credit_base, line_count, error_code, error_message, journal_id)
    WITH ledger_day AS MATERIALIZED (
        SELECT l.ledger_code, l.base_currency, op.period
        FROM ledger l
        LEFT JOIN (
            SELECT DISTINCT ON (ledger_code) ledger_code, period
            FROM accounting_period
            WHERE status = 'OPEN' AND d BETWEEN start_date AND end_date
            ORDER BY ledger_code, period COLLATE "C"
        ) op ON op.ledger_code = l.ledger_code
    ), latest_fx AS MATERIALIZED (
        SELECT DISTINCT ON (from_currency, to_currency) from_currency, to_currency, rate
        FROM fx_rate
        WHERE rate_date BETWEEN d - 7 AND d
        ORDER BY from_currency, to_currency, rate_date DESC
    ), valid_tax AS MATERIALIZED (
        SELECT DISTINCT ON (tax_code) tax_code, rate
        FROM tax_rate
        WHERE valid_from <= d AND (valid_to IS NULL OR d <= valid_to)
        ORDER BY tax_code, valid_from DESC
    ), txn_type_rule AS MATERIALIZED (
        SELECT m.txn_type, m.journal_type, rc.*
        FROM journal_type_map m
        JOIN (
            SELECT txn_type AS rule_txn_type,
                   (count(*) FILTER (WHERE component = 'GROSS_PLUS_TAX' AND dc_marker = 'D'))::numeric AS gt_d,
                   (count(*) FILTER (WHERE component = 'GROSS_PLUS_TAX' AND dc_marker = 'C'))::numeric AS gt_c,
                   (count(*) FILTER (WHERE component = 'GROSS_PLUS_TAX'))::integer AS gt_n,
                   (count(*) FILTER (WHERE component = 'GROSS' AND dc_marker = 'D'))::numeric AS g_d,
                   (count(*) FILTER (WHERE component = 'GROSS' AND dc_marker = 'C'))::numeric AS g_c,
                   (count(*) FILTER (WHERE component = 'GROSS'))::integer AS g_n,
                   (count(*) FILTER (WHERE component = 'TAX' AND dc_marker = 'D'))::numeric AS t_d,
                   (count(*) FILTER (WHERE component = 'TAX' AND dc_marker = 'C'))::numeric AS t_c,
                   (count(*) FILTER (WHERE component = 'TAX'))::integer AS t_n,
                   (count(*) FILTER (WHERE component = 'COMMISSION' AND dc_marker = 'D'))::numeric AS c_d,
                   (count(*) FILTER (WHERE component = 'COMMISSION' AND dc_marker = 'C'))::numeric AS c_c,
                   (count(*) FILTER (WHERE component = 'COMMISSION'))::integer AS c_n,
                   (count(*) FILTER (WHERE component = 'REINSURANCE' AND dc_marker = 'D'))::numeric AS r_d,
                   (count(*) FILTER (WHERE component = 'REINSURANCE' AND dc_marker = 'C'))::numeric AS r_c,
                   (count(*) FILTER (WHERE component = 'REINSURANCE'))::integer AS r_n
            FROM posting_rule
            GROUP BY txn_type
        ) rc ON rc.rule_txn_type = m.txn_type
    ), looked_up AS (
        SELECT tx.txn_id, tx.txn_reference, tx.business_date, tx.policy_id, tx.txn_type,
               tx.currency, tx.gross_amount, tx.description,
               p.policy_number, p.policyholder_name, p.ledger_code, l.base_currency,
               l.period, m.journal_type,
               CASE WHEN tx.currency = l.base_currency THEN 1 ELSE fx.rate END AS fx_rate,
               coalesce(vt.rate, 0) AS tax_rate,
               CASE WHEN m.journal_type = 'PREM'
                    THEN coalesce(tx.commission_rate, b.commission_rate, 0) ELSE 0 END
                   AS commission_rate,
               p.reinsurance_share,
               p.line_of_business AS t0,
               p.product_code AS t1,
               coalesce(b.broker_code, 'DIRECT') AS t2,
               m.gt_d, m.gt_c, m.g_d, m.g_c, m.t_d, m.t_c, m.c_d, m.c_c, m.r_d, m.r_c,
               m.gt_n, m.g_n, m.t_n, m.c_n, m.r_n,
               CASE
                   WHEN p.policy_id IS NULL THEN 'NO_POLICY'
                   WHEN m.txn_type IS NULL THEN 'UNKNOWN_TXN_TYPE'
                   WHEN l.period IS NULL THEN 'PERIOD_CLOSED'
                   WHEN tx.currency <> l.base_currency AND fx.rate IS NULL THEN 'NO_FX_RATE'
                   WHEN tx.gross_amount = 0 THEN 'ZERO_AMOUNT'
               END AS error_code
        FROM insurance_transaction tx
        LEFT JOIN policy p ON p.policy_id = tx.policy_id
        LEFT JOIN ledger_day l ON l.ledger_code = p.ledger_code
        LEFT JOIN broker b ON b.broker_id = p.broker_id
        LEFT JOIN txn_type_rule m ON m.txn_type = tx.txn_type
        LEFT JOIN latest_fx fx ON fx.from_currency = tx.currency AND fx.to_currency = l.base_currency
        LEFT JOIN valid_tax vt ON vt.tax_code = p.tax_code
        WHERE tx.business_date = d
          AND tx.status = 'NEW'
    ), priced AS (
        SELECT a.*,
               CASE WHEN a.fx_rate = 1 THEN abs(a.gt)
                    ELSE round(abs(a.gt) * a.fx_rate, 2) END AS gt_base,
               CASE WHEN a.fx_rate = 1 THEN abs(a.g)
                    ELSE round(abs(a.g) * a.fx_rate, 2) END AS g_base,
               CASE WHEN a.fx_rate = 1 THEN abs(a.t)
                    ELSE round(abs(a.t) * a.fx_rate, 2) END AS t_base,
               CASE WHEN a.fx_rate = 1 THEN abs(a.c)
                    ELSE round(abs(a.c) * a.fx_rate, 2) END AS c_base,
               CASE WHEN a.fx_rate = 1 THEN abs(a.r)
                    ELSE round(abs(a.r) * a.fx_rate, 2) END AS r_base
        FROM (
            SELECT b.*, b.g + b.t AS gt
            FROM (
                SELECT lu.*,
                       lu.gross_amount AS g,
                       round(lu.gross_amount * lu.tax_rate, 2) AS t,
                       round(lu.gross_amount * lu.commission_rate, 2) AS c,
                       round(lu.gross_amount * lu.reinsurance_share, 2) AS r
                FROM looked_up lu
                OFFSET 0
            ) b
            OFFSET 0
        ) a
        OFFSET 0
    ), totalled AS (
        SELECT p.*,
               CASE WHEN p.gt > 0 THEN gt_d ELSE gt_c END * gt_base
             + CASE WHEN p.g > 0 THEN g_d ELSE g_c END * g_base
             + CASE WHEN p.t > 0 THEN t_d ELSE t_c END * t_base
             + CASE WHEN p.c > 0 THEN c_d ELSE c_c END * c_base
             + CASE WHEN p.r > 0 THEN r_d ELSE r_c END * r_base
                   AS debit_base,
               CASE WHEN p.gt > 0 THEN gt_c ELSE gt_d END * gt_base
             + CASE WHEN p.g > 0 THEN g_c ELSE g_d END * g_base
             + CASE WHEN p.t > 0 THEN t_c ELSE t_d END * t_base
             + CASE WHEN p.c > 0 THEN c_c ELSE c_d END * c_base
             + CASE WHEN p.r > 0 THEN r_c ELSE r_d END * r_base
                   AS credit_base,
               (p.gt <> 0)::integer * gt_n
             + (p.g <> 0)::integer * g_n
             + (p.t <> 0)::integer * t_n
             + (p.c <> 0)::integer * c_n
             + (p.r <> 0)::integer * r_n AS rule_lines,
               (p.gt = 0)::integer * component_bit('GROSS_PLUS_TAX')
             + (p.g = 0)::integer * component_bit('GROSS')
             + (p.t = 0)::integer * component_bit('TAX')
             + (p.c = 0)::integer * component_bit('COMMISSION')
             + (p.r = 0)::integer * component_bit('REINSURANCE') AS zero_mask
        FROM priced p
        OFFSET 0
    )
    SELECT txn_id, txn_reference, business_date, txn_type, currency, description,
           policy_number, policyholder_name, ledger_code, period, journal_type, fx_rate,
           g, t, c, r, gt_base, g_base, t_base, c_base, r_base, t0, t1, t2, zero_mask,
           debit_base, credit_base,
           rule_lines + (debit_base <> credit_base)::integer,
           error_code,
           CASE error_code
               WHEN 'NO_POLICY' THEN format('policy %s not found', policy_id)
               WHEN 'UNKNOWN_TXN_TYPE' THEN format('unknown transaction type %s', txn_type)
               WHEN 'PERIOD_CLOSED' THEN format('no open accounting period for ledger %s on %s',
                                                ledger_code, to_char(d, 'YYYY-MM-DD'))
               WHEN 'NO_FX_RATE' THEN format('no FX rate %s to %s between %s and %s',
                                             currency, base_currency,
                                             to_char(d - 7, 'YYYY-MM-DD'), to_char(d, 'YYYY-MM-DD'))
               WHEN 'ZERO_AMOUNT' THEN 'gross amount is zero'
           END,
           -- in the order the rows are written: txn_staging is in journal_id order
           CASE WHEN error_code IS NULL THEN nextval(journal_ids) END
    FROM totalled;
    GET DIAGNOSTICS fetched = ROW_COUNT;

    -- Fresh statistics, so the later phases plan for today's volume, not yesterday's;
    -- only the columns they join or filter on (all columns would cost five times more),
    -- from a small sample (their statistics targets, tables.sql).
    ANALYZE txn_staging (txn_id, business_date, txn_type, zero_mask, error_code);

    INSERT INTO journal_error (txn_reference, business_date, error_code, message)
    SELECT txn_reference, business_date, error_code, error_message
    FROM txn_staging
    WHERE error_code IS NOT NULL
    ORDER BY txn_id;

    RETURN fetched;
END
$$;
