-- What `harness seed` wrote, one row per business date, so a rerun can tell its own
-- dates (skipped when seed and per_day match) from anything else (an error).
CREATE TABLE IF NOT EXISTS seeded_date (
    business_date date PRIMARY KEY,
    seed          bigint NOT NULL,
    per_day       integer NOT NULL,
    rows          bigint NOT NULL,
    fingerprint   text NOT NULL,
    seeded_at     timestamptz NOT NULL DEFAULT now()
);
