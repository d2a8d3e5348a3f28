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
