-- The run ledger: one append-only, hash-chained table of entries, in schema "harness".
-- 1. entry: every fact the harness records (run started, a side's execution of a date,
--    a comparison result, run finished), with its body as canonical JSON text.
-- 2. hash = sha256(prev_hash || seq || run_id || kind || body); verify-ledger recomputes it.
-- 3. Triggers refuse UPDATE, DELETE and TRUNCATE, so history is changed only by someone
--    who disables them, and the chain then shows it.

CREATE TABLE IF NOT EXISTS entry (
    seq        bigint PRIMARY KEY,
    run_id     text NOT NULL,
    kind       text NOT NULL,
    body       text NOT NULL,
    prev_hash  text NOT NULL,
    hash       text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX IF NOT EXISTS entry_run ON entry (run_id, seq);

CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the harness ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS entry_append_only ON entry;
CREATE TRIGGER entry_append_only BEFORE UPDATE OR DELETE ON entry
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

DROP TRIGGER IF EXISTS entry_no_truncate ON entry;
CREATE TRIGGER entry_no_truncate BEFORE TRUNCATE ON entry
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- 4. differing_key: the complete list of every differing key of each entity and date of a
--    run (comparisons.keylist), beside the chain, not in it: the comparison entries hold
--    the exact counts and each list's fingerprint (key_list), which verify-ledger and
--    every report checks against these rows; this holds the keys behind them. One list per (run, scope, date, entity),
--    replaced whole when the run compares that entity and date again (a resumed date).
--    scope is 'date' or 'books' (the whole books, dated as of the run's last date); key
--    holds the key's values as text, in the entity's key order; line orders a list.
CREATE TABLE IF NOT EXISTS differing_key (
    run_id        text NOT NULL,
    scope         text NOT NULL,
    business_date date NOT NULL,
    entity        text NOT NULL,
    line          bigint NOT NULL,
    key           text[] NOT NULL,
    kind          text NOT NULL,
    differing     text NOT NULL,
    accepted_by   text
);

CREATE INDEX IF NOT EXISTS differing_key_list ON differing_key (run_id, entity, scope, business_date, line);
