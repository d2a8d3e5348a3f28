-- The set-based job: one function per phase, each a few whole-set statements (no loop
-- over rows anywhere). Phases, in the order the manifest runs them for a date D:
--   1. fetch_transactions(D)  data fetch: NEW transactions of D with every lookup, the
--                             amounts G, T, C, R and the journal totals, validated, into
--                             txn_staging (accepted ones with their journal_id);
--                             journal_error rows
--   2. create_journals(D)     the date's voucher ids (voucher_staging), one sun_journal per
--                             accepted transaction carrying its voucher id; every
--                             transaction's status (PROCESSED or ERROR) in one UPDATE
--   3. post_gl(D)             gl_entries: posting_rule joined to the staged amounts, plus
--                             the rounding line
--   4. create_vouchers(D)     the vouchers of those ids, numbered, and their voucher lines
--   5. prepare_export(D)      checks the date's vouchers before the COPY export
-- Each returns a count: rows staged, journals created, GL lines posted, voucher lines
-- created, rows the export will write.
--
-- Every row is written once: ids are allocated before the rows that carry them are
-- written (a journal's id in the staging, its voucher's id before the journal), so no
-- phase updates what an earlier phase wrote; the only UPDATE is the status of the
-- source transactions.
--
-- Plan notes: the phases run in one transaction and read rows written moments before,
-- which the planner's statistics cannot know; txn_staging is ANALYZEd once filled, and
-- create_vouchers forbids nested loops. JIT is off: compiling costs more than it saves on
-- these one-pass statements.

-- The bit a posting component sets in txn_staging.zero_mask when its amount is zero.
-- (Immutable: folded to a constant wherever its argument is one.)
CREATE FUNCTION component_bit(component text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE component
               WHEN 'GROSS_PLUS_TAX' THEN 1
               WHEN 'GROSS' THEN 2
               WHEN 'TAX' THEN 4
               WHEN 'COMMISSION' THEN 8
               WHEN 'REINSURANCE' THEN 16
           END
$$;

-- Phase 'data fetch': one INSERT of the date's NEW transactions into txn_staging, then
-- their statistics and the rejected ones' journal_error rows. (Their statuses are set
-- with the accepted ones' in create_journals: one UPDATE of the source rows.)
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
    --    debits and n_C * b to the credits when x > 0, the other way round when x < 0.
    -- 4. Accepted rows get their journal_id from sun_journal's sequence as they are written.
    INSERT INTO txn_staging (
        txn_id, txn_reference, business_date, txn_type, currency, description,
        policy_number, policyholder_name, ledger_code, period, journal_type, fx_rate,
        g, t, c, r, t0, t1, t2, zero_mask, debit_base, credit_base, line_count,
        error_code, error_message, journal_id)
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
                   count(*) FILTER (WHERE component = 'GROSS_PLUS_TAX' AND dc_marker = 'D') AS gt_d,
                   count(*) FILTER (WHERE component = 'GROSS_PLUS_TAX' AND dc_marker = 'C') AS gt_c,
                   count(*) FILTER (WHERE component = 'GROSS' AND dc_marker = 'D') AS g_d,
                   count(*) FILTER (WHERE component = 'GROSS' AND dc_marker = 'C') AS g_c,
                   count(*) FILTER (WHERE component = 'TAX' AND dc_marker = 'D') AS t_d,
                   count(*) FILTER (WHERE component = 'TAX' AND dc_marker = 'C') AS t_c,
                   count(*) FILTER (WHERE component = 'COMMISSION' AND dc_marker = 'D') AS c_d,
                   count(*) FILTER (WHERE component = 'COMMISSION' AND dc_marker = 'C') AS c_c,
                   count(*) FILTER (WHERE component = 'REINSURANCE' AND dc_marker = 'D') AS r_d,
                   count(*) FILTER (WHERE component = 'REINSURANCE' AND dc_marker = 'C') AS r_c
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
               CASE WHEN a.fx_rate = 1 THEN abs(a.g + a.t)
                    ELSE round(abs(a.g + a.t) * a.fx_rate, 2) END AS gt_base,
               CASE WHEN a.fx_rate = 1 THEN abs(a.g)
                    ELSE round(abs(a.g) * a.fx_rate, 2) END AS g_base,
               CASE WHEN a.fx_rate = 1 THEN abs(a.t)
                    ELSE round(abs(a.t) * a.fx_rate, 2) END AS t_base,
               CASE WHEN a.fx_rate = 1 THEN abs(a.c)
                    ELSE round(abs(a.c) * a.fx_rate, 2) END AS c_base,
               CASE WHEN a.fx_rate = 1 THEN abs(a.r)
                    ELSE round(abs(a.r) * a.fx_rate, 2) END AS r_base
        FROM (
            SELECT lu.*,
                   lu.gross_amount AS g,
                   round(lu.gross_amount * lu.tax_rate, 2) AS t,
                   round(lu.gross_amount * lu.commission_rate, 2) AS c,
                   round(lu.gross_amount * lu.reinsurance_share, 2) AS r
            FROM looked_up lu
            OFFSET 0
        ) a
        OFFSET 0
    ), totalled AS (
        SELECT p.*,
               CASE WHEN p.g + p.t > 0 THEN gt_d WHEN p.g + p.t < 0 THEN gt_c ELSE 0 END * gt_base
             + CASE WHEN p.g > 0 THEN g_d WHEN p.g < 0 THEN g_c ELSE 0 END * g_base
             + CASE WHEN p.t > 0 THEN t_d WHEN p.t < 0 THEN t_c ELSE 0 END * t_base
             + CASE WHEN p.c > 0 THEN c_d WHEN p.c < 0 THEN c_c ELSE 0 END * c_base
             + CASE WHEN p.r > 0 THEN r_d WHEN p.r < 0 THEN r_c ELSE 0 END * r_base
                   AS debit_base,
               CASE WHEN p.g + p.t > 0 THEN gt_c WHEN p.g + p.t < 0 THEN gt_d ELSE 0 END * gt_base
             + CASE WHEN p.g > 0 THEN g_c WHEN p.g < 0 THEN g_d ELSE 0 END * g_base
             + CASE WHEN p.t > 0 THEN t_c WHEN p.t < 0 THEN t_d ELSE 0 END * t_base
             + CASE WHEN p.c > 0 THEN c_c WHEN p.c < 0 THEN c_d ELSE 0 END * c_base
             + CASE WHEN p.r > 0 THEN r_c WHEN p.r < 0 THEN r_d ELSE 0 END * r_base
                   AS credit_base,
               (p.g + p.t <> 0)::integer * (gt_d + gt_c)
             + (p.g <> 0)::integer * (g_d + g_c)
             + (p.t <> 0)::integer * (t_d + t_c)
             + (p.c <> 0)::integer * (c_d + c_c)
             + (p.r <> 0)::integer * (r_d + r_c) AS rule_lines,
               (p.g + p.t = 0)::integer * component_bit('GROSS_PLUS_TAX')
             + (p.g = 0)::integer * component_bit('GROSS')
             + (p.t = 0)::integer * component_bit('TAX')
             + (p.c = 0)::integer * component_bit('COMMISSION')
             + (p.r = 0)::integer * component_bit('REINSURANCE') AS zero_mask
        FROM priced p
        OFFSET 0
    )
    SELECT txn_id, txn_reference, business_date, txn_type, currency, description,
           policy_number, policyholder_name, ledger_code, period, journal_type, fx_rate,
           g, t, c, r, t0, t1, t2, zero_mask, debit_base, credit_base,
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

-- Phase 'journal creation': first the date's voucher groups, one per (ledger_code,
-- journal_type, currency) of the accepted transactions, each with a voucher id from
-- voucher's identity sequence, allocated in voucher-number order (voucher_staging); then
-- the journals in one INSERT, each with the journal_id fetch_transactions allocated and
-- its group's voucher_id: a journal is written once, never updated. Last, every staged
-- transaction's status in one UPDATE: PROCESSED (with processed_at) or ERROR.
CREATE FUNCTION create_journals(d date)
RETURNS bigint
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    created bigint;
    voucher_ids regclass := pg_get_serial_sequence('voucher', 'voucher_id')::regclass;
BEGIN
    TRUNCATE voucher_staging;
    INSERT INTO voucher_staging (business_date, ledger_code, journal_type, currency, voucher_id)
    SELECT d, ledger_code, journal_type, currency, nextval(voucher_ids)
    FROM (
        SELECT ledger_code, journal_type, currency
        FROM txn_staging
        WHERE error_code IS NULL
          AND business_date = d
        GROUP BY ledger_code, journal_type, currency
        ORDER BY ledger_code COLLATE "C", journal_type COLLATE "C", currency COLLATE "C"
    ) g;

    -- txn_staging is in journal_id order (the ids were drawn as its rows were written):
    -- the journals go in in that order, appending to the end of each index on journal_id
    INSERT INTO sun_journal (
        journal_id, txn_reference, business_date, ledger_code, period, journal_type,
        journal_source, currency, fx_rate, description, total_debit_base, total_credit_base,
        line_count, metadata, voucher_id)
    SELECT s.journal_id, s.txn_reference, s.business_date, s.ledger_code, s.period,
           s.journal_type,
           (SELECT value FROM posting_config WHERE key = 'journal_source'),
           s.currency, s.fx_rate, s.description,
           greatest(s.debit_base, s.credit_base),
           greatest(s.debit_base, s.credit_base),
           s.line_count,
           jsonb_build_object('policy_number', s.policy_number,
                              'policyholder', s.policyholder_name,
                              'txn_type', s.txn_type,
                              'description', s.description),
           v.voucher_id
    FROM txn_staging s
    JOIN voucher_staging v
      ON v.business_date = s.business_date
     AND v.ledger_code = s.ledger_code
     AND v.journal_type = s.journal_type
     AND v.currency = s.currency
    WHERE s.error_code IS NULL
      AND s.business_date = d;
    GET DIAGNOSTICS created = ROW_COUNT;

    -- The date and status filter lets the planner read the date's rows through the
    -- (business_date, status) index and hash-join them, rather than probe per row.
    UPDATE insurance_transaction tx
    SET status = CASE WHEN s.error_code IS NULL THEN 'PROCESSED' ELSE 'ERROR' END,
        processed_at = CASE WHEN s.error_code IS NULL THEN now() ELSE tx.processed_at END
    FROM txn_staging s
    WHERE tx.business_date = d
      AND tx.status = 'NEW'
      AND tx.txn_id = s.txn_id
      AND s.business_date = d;

    RETURN created;
END
$$;

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
           s.currency, abs(a.amount),
           CASE WHEN s.fx_rate = 1 THEN abs(a.amount)
                ELSE round(abs(a.amount) * s.fx_rate, 2) END,
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
               END
    ) AS a (amount)
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

-- Phase 'voucher creation'. The date's new journals already carry their voucher ids
-- (voucher_staging, drawn by create_journals); first a guard that no journal of the date
-- is without one (it would be missing from every voucher and from the export), then one
-- statement: the journals of those vouchers (through sun_journal_voucher) summed per
-- voucher, numbered per ledger after the date's existing vouchers (a rerun's late
-- journals get new vouchers; earlier ones keep theirs), written with the drawn ids, and
-- exactly those journals' GL lines summed into voucher lines. A staged voucher already
-- written is skipped: running the phase twice creates nothing twice.
CREATE FUNCTION create_vouchers(d date)
RETURNS bigint
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
-- The date's journals and lines were written in this transaction, after the statistics:
-- the planner would estimate one row, loop over them and sort them. Every join and
-- grouping here is over whole sets: hash them.
SET enable_nestloop = off
SET enable_sort = off
AS $$
DECLARE
    lines bigint;
    unvouchered bigint;
BEGIN
    SELECT count(*) INTO unvouchered
    FROM sun_journal
    WHERE business_date = d
      AND voucher_id IS NULL;
    IF unvouchered > 0 THEN
        RAISE EXCEPTION '% journal(s) of % have no voucher', unvouchered, d;
    END IF;

    WITH journal AS MATERIALIZED (
        SELECT j.journal_id, j.voucher_id, j.period, j.total_debit_base, j.total_credit_base
        FROM sun_journal j
        WHERE j.business_date = d
          AND j.voucher_id = ANY (ARRAY(SELECT voucher_id FROM voucher_staging
                                        WHERE business_date = d))
    ), grouped AS (
        SELECT voucher_id,
               min(period COLLATE "C") AS period,
               count(*) AS journal_count,
               sum(total_debit_base) AS total_debit_base,
               sum(total_credit_base) AS total_credit_base
        FROM journal
        GROUP BY voucher_id
    ), last_number AS (
        SELECT ledger_code, max(split_part(voucher_number, '-', 3)::integer) AS seq
        FROM voucher
        WHERE business_date = d
        GROUP BY ledger_code
    ), numbered AS (
        SELECT vs.voucher_id, vs.ledger_code, vs.journal_type, vs.currency, g.period,
               g.journal_count, g.total_debit_base, g.total_credit_base,
               coalesce(n.seq, 0) + row_number() OVER (
                   PARTITION BY vs.ledger_code
                   ORDER BY vs.journal_type COLLATE "C", vs.currency COLLATE "C") AS seq
        FROM voucher_staging vs
        JOIN grouped g ON g.voucher_id = vs.voucher_id
        LEFT JOIN last_number n ON n.ledger_code = vs.ledger_code
        WHERE vs.business_date = d
          AND NOT EXISTS (SELECT 1 FROM voucher v WHERE v.voucher_id = vs.voucher_id)
    ), new_voucher AS (
        INSERT INTO voucher (
            voucher_id, voucher_number, ledger_code, business_date, period, journal_type,
            currency, journal_count, total_debit_base, total_credit_base)
        SELECT voucher_id,
               ledger_code || '-' || to_char(d, 'YYYYMMDD') || '-'
                   || lpad(seq::text, greatest(4, length(seq::text)), '0'),
               ledger_code, d, period, journal_type, currency,
               journal_count, total_debit_base, total_credit_base
        FROM numbered
        ORDER BY voucher_id
        RETURNING voucher_id
    )
    INSERT INTO voucher_line (voucher_id, line_no, account_code, dc_marker, t0, t1,
                              txn_amount, base_amount)
    SELECT j.voucher_id,
           row_number() OVER (
               PARTITION BY j.voucher_id
               ORDER BY g.account_code COLLATE "C", g.dc_marker COLLATE "C",
                        g.t0 COLLATE "C", g.t1 COLLATE "C"),
           g.account_code, g.dc_marker, g.t0, g.t1,
           sum(g.txn_amount), sum(g.base_amount)
    FROM gl_entries g
    JOIN journal j ON j.journal_id = g.journal_id
    JOIN new_voucher v ON v.voucher_id = j.voucher_id
    WHERE g.business_date = d
    GROUP BY j.voucher_id, g.account_code, g.dc_marker, g.t0, g.t1
    ORDER BY 1, 2;
    GET DIAGNOSTICS lines = ROW_COUNT;
    RETURN lines;
END
$$;

-- Phase 'export' (the files themselves are streamed by the manifest's COPY): refuse to
-- export a date whose vouchers do not balance or disagree with their lines. Returns the
-- number of rows the export will write.
CREATE FUNCTION prepare_export(d date)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    bad text;
    export_rows bigint;
BEGIN
    WITH line_total AS (
        SELECT vl.voucher_id,
               count(*) AS n,
               coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'D'), 0) AS debit,
               coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'C'), 0) AS credit
        FROM voucher v
        JOIN voucher_line vl ON vl.voucher_id = v.voucher_id
        WHERE v.business_date = d
        GROUP BY vl.voucher_id
    )
    SELECT string_agg(v.voucher_number, ', ' ORDER BY v.voucher_number COLLATE "C")
    INTO bad
    FROM voucher v
    LEFT JOIN line_total t ON t.voucher_id = v.voucher_id
    WHERE v.business_date = d
      AND (t.voucher_id IS NULL OR t.debit <> t.credit OR t.debit <> v.total_debit_base
           OR v.total_debit_base <> v.total_credit_base);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'vouchers of % do not balance: %', d, bad;
    END IF;

    SELECT count(*) INTO export_rows
    FROM voucher v
    JOIN voucher_line vl ON vl.voucher_id = v.voucher_id
    WHERE v.business_date = d;
    RETURN export_rows;
END
$$;
