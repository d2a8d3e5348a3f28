-- Phase 'GL posting'. layout: for every transaction type and every pattern of zero
-- components, the rule lines that post (those whose component is not zero) numbered in
-- line_order; joining it to the staged transactions on (txn_type, zero_mask) yields each
-- journal's lines already numbered, without sorting the day's lines. Then per journal the
-- rounding line (Cr when debits exceed credits in base, Dr otherwise, txn_amount 0).
CREATE FUNCTION post_gl(d date)
RETURNS bigint
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    posted bigint;
BEGIN
    -- A BRIN range not summarized yet is read by every query on gl_entries_date_journal,
    -- whatever its dates. Autovacuum summarizes the ranges a run fills soon after it; if
    -- it has not (dates processed back to back), summarize them now, so that reading this
    -- date's lines (create_vouchers) visits this date's new pages and no earlier ones.
    PERFORM brin_summarize_new_values(i.inhrelid)
    FROM pg_inherits i
    JOIN pg_index x ON x.indexrelid = i.inhrelid
    WHERE i.inhparent = 'gl_entries_date_journal'::regclass
      AND x.indrelid = ('gl_entries_p' || to_char(d, 'YYYYMM'))::regclass;

    INSERT INTO gl_entries (
        journal_id, txn_reference, line_no, account_code, dc_marker, currency,
        txn_amount, base_amount, period, business_date, t0, t1, t2, t3)
    WITH layout AS (
        SELECT r.txn_type, m.mask, component_bit(r.component) AS component,
               r.account_code, r.dc_marker,
               row_number() OVER (PARTITION BY r.txn_type, m.mask ORDER BY r.line_order)
                   AS line_no
        FROM posting_rule r
        CROSS JOIN generate_series(0, 31) AS m (mask)
        WHERE m.mask & component_bit(r.component) = 0
    )
    SELECT s.journal_id, s.txn_reference, l.line_no, l.account_code,
           CASE WHEN a.amount < 0
                THEN CASE l.dc_marker WHEN 'D' THEN 'C' ELSE 'D' END
                ELSE l.dc_marker END,
           s.currency, abs(a.amount), a.base,
           s.period, s.business_date, s.t0, s.t1, s.t2, s.policy_number
    FROM txn_staging s
    JOIN layout l ON l.txn_type = s.txn_type AND l.mask = s.zero_mask
    CROSS JOIN LATERAL (
        SELECT CASE l.component
                   WHEN component_bit('GROSS_PLUS_TAX') THEN s.g + s.t
                   WHEN component_bit('GROSS') THEN s.g
                   WHEN component_bit('TAX') THEN s.t
                   WHEN component_bit('COMMISSION') THEN s.c
                   WHEN component_bit('REINSURANCE') THEN s.r
               END,
               CASE l.component
                   WHEN component_bit('GROSS_PLUS_TAX') THEN s.gt_base
                   WHEN component_bit('GROSS') THEN s.g_base
                   WHEN component_bit('TAX') THEN s.t_base
                   WHEN component_bit('COMMISSION') THEN s.c_base
                   WHEN component_bit('REINSURANCE') THEN s.r_base
               END
    ) AS a (amount, base)
    WHERE s.error_code IS NULL
      AND s.business_date = d
    UNION ALL
    SELECT journal_id, txn_reference, line_count,
           (SELECT value FROM posting_config WHERE key = 'rounding_account'),
           CASE WHEN debit_base > credit_base THEN 'C' ELSE 'D' END,
           currency, 0, abs(debit_base - credit_base),
           period, business_date, t0, t1, t2, policy_number
    FROM txn_staging
    WHERE error_code IS NULL
      AND business_date = d
      AND debit_base <> credit_base;
    GET DIAGNOSTICS posted = ROW_COUNT;
    RETURN posted;
END
$$;
