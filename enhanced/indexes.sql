-- Secondary indexes of the enhanced side, one per access path; each comment names the
-- query it serves (functions/: the job; inquiries.sql: the look-ups users run; the
-- manifest: the export). Primary keys and unique constraints are declared in tables.sql
-- and listed here as comments so the whole set reads in one place:
--   sun_journal   PRIMARY KEY (journal_id, business_date)   journal(id); inquiries follow
--                                                           gl_entries.journal_id to it
--   sun_journal   UNIQUE (txn_reference, business_date)     journal_for_transaction(ref);
--                                                           no double-posting on a rerun
--   journal_error PRIMARY KEY (error_id)
--   voucher       PRIMARY KEY (voucher_id)                  voucher_line -> voucher joins
--   voucher       UNIQUE (voucher_number)                   journals_of_voucher(number)
--   voucher_line  PRIMARY KEY (voucher_id, line_no)         the export, in line order
--   journal_type_map, posting_config PRIMARY KEY            fetch_transactions look-ups
-- The materialized views each have one UNIQUE index (views.sql): the key REFRESH ...
-- CONCURRENTLY matches rows on, and the key report queries filter on.
-- Indexes on the partitioned parents are created on every partition, present and future.
-- tests/enhanced/test_objects.py fails on an index that is not listed there with the
-- query that uses it.

-- create_vouchers' guard: "the date's journals with voucher_id IS NULL" (there must be
-- none: a journal is written carrying its voucher id, and one without would be missing
-- from the vouchers and the export). Partial: it only ever holds such journals, so it
-- costs the journal insert nothing and the guard is one look at an empty index; keyed on
-- the date alone, the narrowest key that finds them.
CREATE INDEX sun_journal_unvouchered ON sun_journal (business_date) WHERE voucher_id IS NULL;

-- create_vouchers: the journals of the vouchers being created (voucher_id = ANY (...)),
-- summed into the voucher rows and mapping the GL lines to their voucher; and
-- journals_of_voucher(voucher_number): the journals behind a voucher (drill-down from an
-- exported line to its journals).
CREATE INDEX sun_journal_voucher ON sun_journal (voucher_id);

-- journals_for_policy(policy_number) and find_journals(filter jsonb): metadata @>
-- '{"policy_number": ...}', '{"policyholder": ...}' or any other containment search over
-- the metadata keys. jsonb_path_ops: smaller and faster to maintain, @> only.
-- A large pending list: the day's journals (and their stamped versions) are added to it
-- in bulk and merged into the tree by (auto)vacuum, not in the middle of the job.
CREATE INDEX sun_journal_metadata ON sun_journal USING gin (metadata jsonb_path_ops)
    WITH (gin_pending_list_limit = 65536);

-- create_vouchers: the date's GL lines (WHERE business_date = D); journal_lines(id, date):
-- one journal's lines. BRIN: post_gl appends the lines in (business_date, journal_id)
-- order, so each range of 32 pages (about 1,600 lines, 300 journals) covers one date and
-- a narrow band of journal ids; maintaining it costs the insert next to nothing, where a
-- btree on half a million lines a day cost a third of the posting time. The ranges a run
-- fills are summarized by autovacuum, or by the next run's post_gl if it comes first (a
-- range not summarized is read by every query).
CREATE INDEX gl_entries_date_journal ON gl_entries USING brin (business_date, journal_id)
    WITH (pages_per_range = 32);

-- rounding_lines(period): review of the FX rounding lines of a period. They are exactly
-- the lines with txn_amount 0 (a rule line with a zero amount is never posted), about
-- one line in two hundred, so the index costs the daily GL insert almost nothing.
-- (No general (account_code, period) index: maintaining it for every GL line cost a
-- quarter of the GL posting time; account figures come from mv_account_balance.)
CREATE INDEX gl_entries_rounding ON gl_entries (period, account_code) WHERE txn_amount = 0;

-- create_vouchers: max(split_part(voucher_number, '-', 3)::integer) per ledger for the date
-- (numbering after existing vouchers on a rerun); also the manifest's export ledger list
-- (WHERE business_date = D) and the export COPY (WHERE ledger_code = L AND business_date = D).
CREATE INDEX voucher_date_ledger_seq
    ON voucher (business_date, ledger_code, (split_part(voucher_number, '-', 3)::integer));

-- errors_for_date(d, error_code): the rejected transactions of a date, by error code.
CREATE INDEX journal_error_date_code ON journal_error (business_date, error_code);

-- transaction_errors(txn_reference): why was this transaction rejected (every attempt).
CREATE INDEX journal_error_reference ON journal_error (txn_reference);
