-- Phase 'status' (the contract's last step): every staged transaction of the date to
-- PROCESSED (with processed_at) or ERROR, in one UPDATE of the source rows. Its own phase,
-- as the contract numbers it: status is indexed, so each row's update writes a new tuple
-- and its three index entries (never HOT), about as long as the journals' own insert, and
-- legacy's job log counts its status updates under GL posting, not journal creation.
CREATE FUNCTION set_statuses(d date)
RETURNS bigint
LANGUAGE plpgsql
SET work_mem = '256MB'
SET jit = off
AS $$
DECLARE
    updated bigint;
BEGIN
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
    GET DIAGNOSTICS updated = ROW_COUNT;
    RETURN updated;
END
$$;
