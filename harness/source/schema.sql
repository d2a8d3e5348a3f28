-- Source schema of the insurance journal job (domain.md, "Input tables").
-- Installed into whatever schema search_path names first; both sides only
-- read these tables, except insurance_transaction.status and processed_at.

CREATE TABLE ledger (
    ledger_code   text PRIMARY KEY,
    name          text NOT NULL,
    base_currency char(3) NOT NULL
);

CREATE TABLE accounting_period (
    ledger_code text NOT NULL REFERENCES ledger,
    period      text NOT NULL CHECK (period ~ '^[0-9]{4}/[0-9]{3}$'),
    start_date  date NOT NULL,
    end_date    date NOT NULL,
    status      text NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    PRIMARY KEY (ledger_code, period)
);

CREATE TABLE broker (
    broker_id       integer PRIMARY KEY,
    broker_code     text NOT NULL UNIQUE,
    name            text NOT NULL,
    commission_rate numeric(6,4) NOT NULL
);

CREATE TABLE policy (
    policy_id         bigint PRIMARY KEY,
    policy_number     text NOT NULL UNIQUE,
    ledger_code       text NOT NULL REFERENCES ledger,
    product_code      text NOT NULL,
    line_of_business  text NOT NULL,
    broker_id         integer REFERENCES broker,
    policyholder_name text NOT NULL,
    currency          char(3) NOT NULL,
    reinsurance_share numeric(5,4) NOT NULL CHECK (reinsurance_share BETWEEN 0 AND 1),
    tax_code          text
);

CREATE TABLE tax_rate (
    tax_code   text NOT NULL,
    rate       numeric(6,4) NOT NULL,
    valid_from date NOT NULL,
    valid_to   date,
    PRIMARY KEY (tax_code, valid_from)
);

CREATE TABLE fx_rate (
    from_currency char(3) NOT NULL,
    to_currency   char(3) NOT NULL,
    rate_date     date NOT NULL,
    rate          numeric(18,8) NOT NULL,
    PRIMARY KEY (from_currency, to_currency, rate_date)
);

CREATE TABLE account (
    account_code text PRIMARY KEY,
    name         text NOT NULL
);

-- One row per GL line a transaction type posts, in line_order. component says
-- which amount the line carries: GROSS_PLUS_TAX, GROSS, TAX, COMMISSION, REINSURANCE.
CREATE TABLE posting_rule (
    txn_type     text NOT NULL,
    line_order   integer NOT NULL,
    component    text NOT NULL,
    account_code text NOT NULL REFERENCES account,
    dc_marker    char(1) NOT NULL CHECK (dc_marker IN ('D', 'C')),
    PRIMARY KEY (txn_type, line_order)
);

-- policy_id deliberately has no foreign key: a missing policy is a case the
-- job must reject (NO_POLICY), so the data may contain one.
CREATE TABLE insurance_transaction (
    txn_id          bigint PRIMARY KEY,
    txn_reference   text NOT NULL UNIQUE,
    business_date   date NOT NULL,
    policy_id       bigint NOT NULL,
    txn_type        text NOT NULL,
    currency        char(3) NOT NULL,
    gross_amount    numeric(18,2) NOT NULL,
    commission_rate numeric(6,4),
    description     text NOT NULL,
    status          text NOT NULL DEFAULT 'NEW' CHECK (status IN ('NEW', 'PROCESSED', 'ERROR')),
    processed_at    timestamptz
);

CREATE INDEX insurance_transaction_date_status ON insurance_transaction (business_date, status);
