-- Legacy output tables of the insurance journal job.
-- Installed into the schema search_path names first; nothing is schema-qualified.
-- Faithful to the original: primary keys are the ONLY indexes (no UNIQUE, no
-- foreign keys, no secondary indexes), metadata is plain text, surrogate ids are
-- handed out by the job itself with COALESCE(MAX(id), 0) + 1 (no sequences).

CREATE TABLE sun_journal (
    journal_id        bigint PRIMARY KEY,
    txn_reference     text NOT NULL,
    business_date     date NOT NULL,
    ledger_code       text NOT NULL,
    period            text NOT NULL,
    journal_type      text NOT NULL,
    journal_source    text NOT NULL,
    currency          char(3) NOT NULL,
    fx_rate           numeric(18,8) NOT NULL,
    description       text,
    total_debit_base  numeric(18,2) NOT NULL DEFAULT 0,
    total_credit_base numeric(18,2) NOT NULL DEFAULT 0,
    line_count        integer NOT NULL DEFAULT 0,
    metadata          text,
    voucher_id        bigint,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gl_entries (
    gl_entry_id   bigint PRIMARY KEY,
    journal_id    bigint NOT NULL,
    txn_reference text NOT NULL,
    line_no       integer NOT NULL,
    account_code  text NOT NULL,
    dc_marker     char(1) NOT NULL,
    currency      char(3) NOT NULL,
    txn_amount    numeric(18,2) NOT NULL,
    base_amount   numeric(18,2) NOT NULL,
    period        text NOT NULL,
    business_date date NOT NULL,
    t0            text,
    t1            text,
    t2            text,
    t3            text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE journal_error (
    error_id      bigint PRIMARY KEY,
    txn_reference text NOT NULL,
    business_date date NOT NULL,
    error_code    text NOT NULL,
    message       text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE voucher (
    voucher_id        bigint PRIMARY KEY,
    voucher_number    text NOT NULL,   -- unique by construction, not by constraint
    ledger_code       text NOT NULL,
    business_date     date NOT NULL,
    period            text NOT NULL,
    journal_type      text NOT NULL,
    currency          char(3) NOT NULL,
    journal_count     integer NOT NULL DEFAULT 0,
    total_debit_base  numeric(18,2) NOT NULL DEFAULT 0,
    total_credit_base numeric(18,2) NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE voucher_line (
    voucher_id   bigint NOT NULL,
    line_no      integer NOT NULL,
    account_code text NOT NULL,
    dc_marker    char(1) NOT NULL,
    t0           text,
    t1           text,
    txn_amount   numeric(18,2) NOT NULL,
    base_amount  numeric(18,2) NOT NULL,
    PRIMARY KEY (voucher_id, line_no)
);

-- Pre-built SunSystems import rows (header excluded), one per voucher line.
CREATE TABLE export_line (
    ledger_code    text NOT NULL,
    business_date  date NOT NULL,
    voucher_number text NOT NULL,
    line_no        integer NOT NULL,
    line           text NOT NULL,
    PRIMARY KEY (ledger_code, business_date, voucher_number, line_no)
);

-- Step timings, one row per phase per run of process_journals.
CREATE TABLE job_log (
    run_id        bigint NOT NULL,
    business_date date NOT NULL,
    phase         text NOT NULL,
    started_at    timestamptz,
    finished_at   timestamptz,
    duration_ms   numeric(14,3) NOT NULL,
    rows          bigint NOT NULL,
    PRIMARY KEY (run_id, phase)
);
