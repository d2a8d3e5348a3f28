-- process_journals(p_business_date): the original nightly journal job, one
-- monolithic PL/pgSQL function (domain.md, "What makes legacy legacy").
--
-- Row by row on purpose: a FOR loop over the day's NEW transactions, SELECT ...
-- INTO lookups per row, account codes hard-coded in IF/ELSIF branches (it never
-- reads posting_rule), single-row INSERTs, COALESCE(MAX(id), 0) + 1 numbering,
-- per-row UPDATEs, a BEGIN ... EXCEPTION block per transaction, step timings
-- written to job_log, export lines built by string concatenation.
--
-- KNOWN DEFECT (kept on purpose): sun_journal.metadata is built by string
-- concatenation without escaping, so a " or \ in the policyholder name or the
-- description yields invalid JSON text.
--
-- A transaction that fails for any other reason (say a numeric overflow) is rolled
-- back by its EXCEPTION block and logged as UNEXPECTED_ERROR '<SQLSTATE>: <message>'.
--
-- Tables are referenced unqualified: SET search_path = <legacy schema>, source.
-- Returns a one-line text summary of the run.

CREATE OR REPLACE FUNCTION process_journals(p_business_date date)
RETURNS text
LANGUAGE plpgsql
AS $function$
DECLARE
    r record;  v_grp record;  v_jrn record;  v_vl record;
    -- per transaction lookups
    v_policy_number text;  v_ledger_code text;  v_product_code text;  v_lob text;
    v_broker_id integer;  v_holder text;  v_reins_share numeric;  v_tax_code text;
    v_base_ccy text;  v_broker_code text;  v_broker_rate numeric;  v_period text;
    v_tax_rate numeric;  v_comm_rate numeric;  v_fx numeric;  v_journal_type text;
    v_err_code text;  v_err_msg text;
    -- amounts and lines
    v_gross numeric;  v_tax numeric;  v_comm numeric;  v_reins numeric;
    v_signed numeric;  v_amt numeric;  v_base numeric;  v_acct text;  v_dc text;
    v_nlines integer;  v_i integer;  v_line_no integer;
    v_dr_base numeric;  v_cr_base numeric;  v_metadata text;
    -- ids and numbering
    v_journal_id bigint;  v_gl_id bigint;  v_error_id bigint;  v_voucher_id bigint;
    v_first_voucher bigint;  v_seq integer;  v_voucher_number text;  v_run_id bigint;
    v_vcount integer;  v_vdebit numeric;  v_vcredit numeric;
    -- export
    v_acct_name text;  v_fields text[];  v_field text;  v_line text;  v_k integer;
    -- running totals
    v_fetched integer := 0;
    v_journals integer := 0;
    v_errors integer := 0;
    v_gl_lines integer := 0;
    v_vouchers integer := 0;
    v_vlines integer := 0;
    v_export_lines integer := 0;
    -- step timings (ms), accumulated with clock_timestamp()
    v_job_start timestamptz := clock_timestamp();
    v_mark timestamptz;  v_t timestamptz;  v_loop_end timestamptz;  v_voucher_end timestamptz;
    v_fetch_ms numeric := 0;
    v_journal_ms numeric := 0;
    v_gl_ms numeric := 0;
    v_voucher_ms numeric := 0;
    v_export_ms numeric := 0;
BEGIN
    RAISE NOTICE 'process_journals % started at %', p_business_date, v_job_start;
    v_mark := clock_timestamp();

    -- =====================================================================
    -- STEP 1-4: fetch, validate, journal, GL, one transaction at a time
    -- =====================================================================
    FOR r IN
        SELECT t.txn_id, t.txn_reference, t.policy_id, t.txn_type, t.currency,
               t.gross_amount, t.commission_rate, t.description
        FROM insurance_transaction t
        WHERE t.business_date = p_business_date
          AND t.status = 'NEW'
        ORDER BY t.txn_id
    LOOP
        v_fetched := v_fetched + 1;
        v_err_code := NULL; v_err_msg := NULL;
        IF v_fetched % 1000 = 0 THEN
            RAISE NOTICE 'process_journals %: % transactions read', p_business_date, v_fetched;
        END IF;

        BEGIN
            -- ---------------- data fetch + validation ----------------
            SELECT p.policy_number, p.ledger_code, p.product_code, p.line_of_business,
                   p.broker_id, p.policyholder_name, p.reinsurance_share, p.tax_code
            INTO v_policy_number, v_ledger_code, v_product_code, v_lob,
                 v_broker_id, v_holder, v_reins_share, v_tax_code
            FROM policy p
            WHERE p.policy_id = r.policy_id;
            IF NOT FOUND THEN
                v_err_code := 'NO_POLICY';
                v_err_msg := 'policy ' || r.policy_id || ' not found';
                RAISE EXCEPTION '%', v_err_msg;
            END IF;

            IF r.txn_type IN ('NEW_BUSINESS', 'RENEWAL', 'ENDORSEMENT', 'CANCELLATION') THEN
                v_journal_type := 'PREM';
            ELSIF r.txn_type IN ('CLAIM_PAYMENT', 'CLAIM_RECOVERY') THEN
                v_journal_type := 'CLM';
            ELSE
                v_err_code := 'UNKNOWN_TXN_TYPE';
                v_err_msg := 'unknown transaction type ' || r.txn_type;
                RAISE EXCEPTION '%', v_err_msg;
            END IF;

            v_period := NULL;
            SELECT ap.period INTO v_period
            FROM accounting_period ap
            WHERE ap.ledger_code = v_ledger_code
              AND ap.status = 'OPEN'
              AND ap.start_date <= p_business_date
              AND ap.end_date >= p_business_date
            ORDER BY ap.period
            LIMIT 1;
            IF v_period IS NULL THEN
                v_err_code := 'PERIOD_CLOSED';
                v_err_msg := 'no open accounting period for ledger ' || v_ledger_code
                             || ' on ' || to_char(p_business_date, 'YYYY-MM-DD');
                RAISE EXCEPTION '%', v_err_msg;
            END IF;

            SELECT l.base_currency INTO v_base_ccy FROM ledger l WHERE l.ledger_code = v_ledger_code;

            IF r.currency = v_base_ccy THEN
                v_fx := 1;
            ELSE
                v_fx := NULL;
                SELECT fx.rate INTO v_fx
                FROM fx_rate fx
                WHERE fx.from_currency = r.currency
                  AND fx.to_currency = v_base_ccy
                  AND fx.rate_date <= p_business_date
                  AND fx.rate_date >= p_business_date - 7
                ORDER BY fx.rate_date DESC
                LIMIT 1;
                IF v_fx IS NULL THEN
                    v_err_code := 'NO_FX_RATE';
                    v_err_msg := 'no FX rate ' || r.currency || ' to ' || v_base_ccy
                                 || ' between ' || to_char(p_business_date - 7, 'YYYY-MM-DD')
                                 || ' and ' || to_char(p_business_date, 'YYYY-MM-DD');
                    RAISE EXCEPTION '%', v_err_msg;
                END IF;
            END IF;

            IF r.gross_amount = 0 THEN
                v_err_code := 'ZERO_AMOUNT';
                v_err_msg := 'gross amount is zero';
                RAISE EXCEPTION '%', v_err_msg;
            END IF;

            -- broker (NULL = direct business)
            v_broker_code := NULL; v_broker_rate := NULL;
            IF v_broker_id IS NOT NULL THEN
                SELECT b.broker_code, b.commission_rate INTO v_broker_code, v_broker_rate
                FROM broker b
                WHERE b.broker_id = v_broker_id;
            END IF;
            v_broker_code := COALESCE(v_broker_code, 'DIRECT');

            -- tax rate valid on the business date, latest valid_from wins
            v_tax_rate := NULL;
            IF v_tax_code IS NOT NULL THEN
                SELECT tr.rate INTO v_tax_rate
                FROM tax_rate tr
                WHERE tr.tax_code = v_tax_code
                  AND tr.valid_from <= p_business_date
                  AND (tr.valid_to IS NULL OR tr.valid_to >= p_business_date)
                ORDER BY tr.valid_from DESC
                LIMIT 1;
            END IF;
            v_tax_rate := COALESCE(v_tax_rate, 0);

            v_t := clock_timestamp();
            v_fetch_ms := v_fetch_ms + extract(epoch FROM v_t - v_mark) * 1000;
            v_mark := v_t;

            -- ---------------- amounts ----------------
            v_gross := r.gross_amount;
            IF v_journal_type = 'PREM' THEN
                -- the transaction's rate overrides the broker's; direct business: none
                v_comm_rate := COALESCE(r.commission_rate, v_broker_rate, 0);
                v_tax := round(v_gross * v_tax_rate, 2);
                v_comm := round(v_gross * v_comm_rate, 2);
            ELSE
                v_tax := 0; v_comm := 0;   -- claims carry no tax and no commission
            END IF;
            v_reins := round(v_gross * v_reins_share, 2);

            -- ---------------- journal header ----------------
            -- KNOWN DEFECT: no escaping of " or \ in the concatenated JSON text
            v_metadata := '{"policy_number": "' || v_policy_number
                       || '", "policyholder": "' || v_holder
                       || '", "txn_type": "' || r.txn_type
                       || '", "description": "' || r.description || '"}';

            SELECT COALESCE(MAX(journal_id), 0) + 1 INTO v_journal_id FROM sun_journal;
            INSERT INTO sun_journal (journal_id, txn_reference, business_date, ledger_code,
                                     period, journal_type, journal_source, currency, fx_rate,
                                     description, total_debit_base, total_credit_base,
                                     line_count, metadata, voucher_id, created_at)
            VALUES (v_journal_id, r.txn_reference, p_business_date, v_ledger_code,
                    v_period, v_journal_type, 'INSJNL', r.currency, v_fx,
                    r.description, 0, 0, 0, v_metadata, NULL, now());

            v_t := clock_timestamp();
            v_journal_ms := v_journal_ms + extract(epoch FROM v_t - v_mark) * 1000;
            v_mark := v_t;

            -- ---------------- GL posting (hard-coded chart) ----------------
            IF r.txn_type = 'CLAIM_PAYMENT' THEN
                v_nlines := 4;
            ELSIF r.txn_type = 'CLAIM_RECOVERY' THEN
                v_nlines := 2;
            ELSE
                v_nlines := 7;
            END IF;
            v_line_no := 0; v_dr_base := 0; v_cr_base := 0;

            -- the extra last pass is the 7999 FX rounding line: per-line rounding can
            -- leave the journal unbalanced in base, the difference is posted there
            FOR v_i IN 1 .. v_nlines + 1 LOOP
                IF v_i > v_nlines THEN
                    v_acct := '7999'; v_dc := 'D'; v_signed := v_cr_base - v_dr_base;
                ELSIF v_journal_type = 'PREM' THEN
                    IF v_i = 1 THEN
                        v_acct := '1100'; v_dc := 'D'; v_signed := v_gross + v_tax;
                    ELSIF v_i = 2 THEN
                        v_acct := '4000'; v_dc := 'C'; v_signed := v_gross;
                    ELSIF v_i = 3 THEN
                        v_acct := '2300'; v_dc := 'C'; v_signed := v_tax;
                    ELSIF v_i = 4 THEN
                        v_acct := '5100'; v_dc := 'D'; v_signed := v_comm;
                    ELSIF v_i = 5 THEN
                        v_acct := '2100'; v_dc := 'C'; v_signed := v_comm;
                    ELSIF v_i = 6 THEN
                        v_acct := '5200'; v_dc := 'D'; v_signed := v_reins;
                    ELSE
                        v_acct := '2200'; v_dc := 'C'; v_signed := v_reins;
                    END IF;
                ELSIF r.txn_type = 'CLAIM_PAYMENT' THEN
                    IF v_i = 1 THEN
                        v_acct := '6000'; v_dc := 'D'; v_signed := v_gross;
                    ELSIF v_i = 2 THEN
                        v_acct := '1000'; v_dc := 'C'; v_signed := v_gross;
                    ELSIF v_i = 3 THEN
                        v_acct := '1200'; v_dc := 'D'; v_signed := v_reins;
                    ELSE
                        v_acct := '6100'; v_dc := 'C'; v_signed := v_reins;
                    END IF;
                ELSE
                    IF v_i = 1 THEN
                        v_acct := '1000'; v_dc := 'D'; v_signed := v_gross;
                    ELSE
                        v_acct := '6200'; v_dc := 'C'; v_signed := v_gross;
                    END IF;
                END IF;

                IF v_signed = 0 THEN
                    CONTINUE;
                END IF;
                IF v_signed < 0 THEN   -- negative amount: debit and credit swap
                    v_dc := CASE v_dc WHEN 'D' THEN 'C' ELSE 'D' END;
                END IF;
                IF v_acct = '7999' THEN
                    v_amt := 0;
                    v_base := abs(v_signed);
                ELSE
                    v_amt := abs(v_signed);
                    v_base := round(v_amt * v_fx, 2);
                END IF;
                IF v_dc = 'D' THEN
                    v_dr_base := v_dr_base + v_base;
                ELSE
                    v_cr_base := v_cr_base + v_base;
                END IF;
                v_line_no := v_line_no + 1;

                SELECT COALESCE(MAX(gl_entry_id), 0) + 1 INTO v_gl_id FROM gl_entries;
                INSERT INTO gl_entries (gl_entry_id, journal_id, txn_reference, line_no,
                                        account_code, dc_marker, currency, txn_amount,
                                        base_amount, period, business_date,
                                        t0, t1, t2, t3, created_at)
                VALUES (v_gl_id, v_journal_id, r.txn_reference, v_line_no,
                        v_acct, v_dc, r.currency, v_amt,
                        v_base, v_period, p_business_date,
                        v_lob, v_product_code, v_broker_code, v_policy_number, now());
            END LOOP;

            UPDATE sun_journal
            SET total_debit_base = v_dr_base,
                total_credit_base = v_cr_base,
                line_count = v_line_no
            WHERE journal_id = v_journal_id;

            UPDATE insurance_transaction SET status = 'PROCESSED', processed_at = now()
            WHERE txn_id = r.txn_id;
            -- counted only once the whole transaction went through
            v_journals := v_journals + 1;
            v_gl_lines := v_gl_lines + v_line_no;

            v_t := clock_timestamp();
            v_gl_ms := v_gl_ms + extract(epoch FROM v_t - v_mark) * 1000;
            v_mark := v_t;

        EXCEPTION WHEN OTHERS THEN
            -- the block's journal and GL rows are rolled back; log and flag the row
            IF v_err_code IS NULL THEN
                v_err_code := 'UNEXPECTED_ERROR';
                v_err_msg := SQLSTATE || ': ' || SQLERRM;
                RAISE WARNING 'process_journals: % failed: %', r.txn_reference, v_err_msg;
            END IF;
            SELECT COALESCE(MAX(error_id), 0) + 1 INTO v_error_id FROM journal_error;
            INSERT INTO journal_error (error_id, txn_reference, business_date,
                                       error_code, message, created_at)
            VALUES (v_error_id, r.txn_reference, p_business_date,
                    v_err_code, v_err_msg, now());
            UPDATE insurance_transaction SET status = 'ERROR' WHERE txn_id = r.txn_id;
            v_errors := v_errors + 1;
            v_t := clock_timestamp();
            v_fetch_ms := v_fetch_ms + extract(epoch FROM v_t - v_mark) * 1000;
            v_mark := v_t;
        END;
    END LOOP;

    v_loop_end := clock_timestamp();
    v_fetch_ms := v_fetch_ms + extract(epoch FROM v_loop_end - v_mark) * 1000;
    RAISE NOTICE 'process_journals %: % read, % journals, % errors, % GL lines',
        p_business_date, v_fetched, v_journals, v_errors, v_gl_lines;

    -- =====================================================================
    -- STEP 5: vouchers for the date's journals that have none yet
    -- =====================================================================
    SELECT COALESCE(MAX(voucher_id), 0) + 1 INTO v_first_voucher FROM voucher;

    FOR v_grp IN
        SELECT j.ledger_code, j.journal_type, j.currency, MIN(j.period) AS period
        FROM sun_journal j
        WHERE j.business_date = p_business_date
          AND j.voucher_id IS NULL
        GROUP BY j.ledger_code, j.journal_type, j.currency
        ORDER BY j.ledger_code COLLATE "C", j.journal_type COLLATE "C", j.currency COLLATE "C"
    LOOP
        -- next sequence of this ledger and date (continues after a rerun)
        SELECT COALESCE(MAX(substr(v.voucher_number, length(v.voucher_number) - 3)::integer), 0) + 1
        INTO v_seq
        FROM voucher v
        WHERE v.ledger_code = v_grp.ledger_code
          AND v.business_date = p_business_date;
        v_voucher_number := v_grp.ledger_code || '-' || to_char(p_business_date, 'YYYYMMDD')
                            || '-' || lpad(v_seq::text, 4, '0');

        SELECT COALESCE(MAX(voucher_id), 0) + 1 INTO v_voucher_id FROM voucher;
        INSERT INTO voucher (voucher_id, voucher_number, ledger_code, business_date, period,
                             journal_type, currency, journal_count, total_debit_base,
                             total_credit_base, created_at)
        VALUES (v_voucher_id, v_voucher_number, v_grp.ledger_code, p_business_date,
                v_grp.period, v_grp.journal_type, v_grp.currency, 0, 0, 0, now());
        v_vouchers := v_vouchers + 1;

        v_vcount := 0; v_vdebit := 0; v_vcredit := 0;
        FOR v_jrn IN
            SELECT j.journal_id, j.total_debit_base, j.total_credit_base
            FROM sun_journal j
            WHERE j.business_date = p_business_date
              AND j.voucher_id IS NULL
              AND j.ledger_code = v_grp.ledger_code
              AND j.journal_type = v_grp.journal_type
              AND j.currency = v_grp.currency
            ORDER BY j.journal_id
        LOOP
            UPDATE sun_journal SET voucher_id = v_voucher_id WHERE journal_id = v_jrn.journal_id;
            v_vcount := v_vcount + 1;
            v_vdebit := v_vdebit + v_jrn.total_debit_base;
            v_vcredit := v_vcredit + v_jrn.total_credit_base;
        END LOOP;

        UPDATE voucher
        SET journal_count = v_vcount,
            total_debit_base = v_vdebit,
            total_credit_base = v_vcredit
        WHERE voucher_id = v_voucher_id;

        v_line_no := 0;
        FOR v_vl IN
            SELECT g.account_code, g.dc_marker, g.t0, g.t1,
                   SUM(g.txn_amount) AS txn_amount, SUM(g.base_amount) AS base_amount
            FROM gl_entries g
            JOIN sun_journal j ON j.journal_id = g.journal_id
            WHERE j.voucher_id = v_voucher_id
            GROUP BY g.account_code, g.dc_marker, g.t0, g.t1
            ORDER BY g.account_code COLLATE "C", g.dc_marker COLLATE "C",
                     g.t0 COLLATE "C", g.t1 COLLATE "C"
        LOOP
            v_line_no := v_line_no + 1;
            INSERT INTO voucher_line (voucher_id, line_no, account_code, dc_marker,
                                      t0, t1, txn_amount, base_amount)
            VALUES (v_voucher_id, v_line_no, v_vl.account_code, v_vl.dc_marker,
                    v_vl.t0, v_vl.t1, v_vl.txn_amount, v_vl.base_amount);
            v_vlines := v_vlines + 1;
        END LOOP;
    END LOOP;
    v_voucher_end := clock_timestamp();
    v_voucher_ms := extract(epoch FROM v_voucher_end - v_loop_end) * 1000;

    -- =====================================================================
    -- STEP 6: SunSystems export rows for the vouchers created by this run
    -- =====================================================================
    FOR v_vl IN
        SELECT v.ledger_code, v.voucher_number, v.period, v.journal_type, v.currency,
               vl.line_no, vl.account_code, vl.dc_marker, vl.t0, vl.t1,
               vl.txn_amount, vl.base_amount
        FROM voucher v
        JOIN voucher_line vl ON vl.voucher_id = v.voucher_id
        WHERE v.voucher_id >= v_first_voucher
        ORDER BY v.voucher_number COLLATE "C", vl.line_no
    LOOP
        SELECT a.name INTO v_acct_name FROM account a WHERE a.account_code = v_vl.account_code;
        -- Ledger, AccountCode, AccountingPeriod, TransactionDate, JournalType, JournalSource,
        -- TransactionReference, LineNo, Description, DebitCredit, CurrencyCode,
        -- TransactionAmount, BaseAmount, AnalysisCode1, AnalysisCode2
        v_fields := ARRAY[v_vl.ledger_code, v_vl.account_code, v_vl.period,
            to_char(p_business_date, 'DDMMYYYY'), v_vl.journal_type, 'INSJNL',
            v_vl.voucher_number, v_vl.line_no::text, v_acct_name, v_vl.dc_marker::text,
            v_vl.currency::text, to_char(v_vl.txn_amount, 'FM9999999999999990.00'),
            to_char(v_vl.base_amount, 'FM9999999999999990.00'), v_vl.t0, v_vl.t1];
        -- RFC 4180 as COPY CSV writes it: quote a field with , " CR LF (or an empty one)
        v_line := '';
        FOR v_k IN 1 .. 15 LOOP
            v_field := v_fields[v_k];
            IF v_field IS NULL THEN
                v_field := '';
            ELSIF v_field = '' OR strpos(v_field, ',') > 0 OR strpos(v_field, '"') > 0
                  OR strpos(v_field, chr(13)) > 0 OR strpos(v_field, chr(10)) > 0 THEN
                v_field := '"' || replace(v_field, '"', '""') || '"';
            END IF;
            IF v_k > 1 THEN
                v_line := v_line || ',';
            END IF;
            v_line := v_line || v_field;
        END LOOP;
        INSERT INTO export_line (ledger_code, business_date, voucher_number, line_no, line)
        VALUES (v_vl.ledger_code, p_business_date, v_vl.voucher_number, v_vl.line_no, v_line);
        v_export_lines := v_export_lines + 1;
    END LOOP;
    v_t := clock_timestamp();
    v_export_ms := extract(epoch FROM v_t - v_voucher_end) * 1000;

    -- job log: one row per phase of this run (the first three phases interleave
    -- inside the transaction loop: their durations are sums, their span the loop's)
    SELECT COALESCE(MAX(run_id), 0) + 1 INTO v_run_id FROM job_log;
    INSERT INTO job_log (run_id, business_date, phase, started_at, finished_at, duration_ms, rows)
    VALUES (v_run_id, p_business_date, 'data fetch', v_job_start, v_loop_end,
            round(v_fetch_ms, 3), v_fetched),
           (v_run_id, p_business_date, 'journal creation', v_job_start, v_loop_end,
            round(v_journal_ms, 3), v_journals),
           (v_run_id, p_business_date, 'GL posting', v_job_start, v_loop_end,
            round(v_gl_ms, 3), v_gl_lines),
           (v_run_id, p_business_date, 'voucher creation', v_loop_end, v_voucher_end,
            round(v_voucher_ms, 3), v_vouchers),
           (v_run_id, p_business_date, 'export', v_voucher_end, v_t,
            round(v_export_ms, 3), v_export_lines);

    RAISE NOTICE 'process_journals % finished in % ms', p_business_date,
        round(extract(epoch FROM clock_timestamp() - v_job_start) * 1000, 3);
    RETURN to_char(p_business_date, 'YYYY-MM-DD') || ': ' || v_fetched || ' read, '
        || v_journals || ' journals, ' || v_errors || ' errors, '
        || v_gl_lines || ' GL lines, ' || v_vouchers || ' vouchers, '
        || v_vlines || ' voucher lines, ' || v_export_lines || ' export lines';
END;
$function$;
