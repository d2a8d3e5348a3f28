-- Where a premium transaction's date falls in its policy's tax rate windows: on a rate's
-- first or last day, inside one, outside every one, or no tax code at all.
SELECT CASE
           WHEN p.tax_code IS NULL THEN 'no tax code'
           WHEN r.valid_from IS NULL THEN 'no rate valid on the date'
           WHEN r.valid_from = :business_date THEN 'first day of a rate'
           WHEN r.valid_to = :business_date THEN 'last day of a rate'
           ELSE 'within a rate'
       END AS cell,
       t.txn_reference AS unit
FROM insurance_transaction AS t
JOIN policy AS p ON p.policy_id = t.policy_id
LEFT JOIN LATERAL (
    SELECT x.valid_from, x.valid_to FROM tax_rate AS x
    WHERE x.tax_code = p.tax_code AND x.valid_from <= :business_date
      AND (x.valid_to IS NULL OR :business_date <= x.valid_to)
    ORDER BY x.valid_from DESC
    LIMIT 1
) AS r ON TRUE
WHERE t.business_date = :business_date
  AND t.txn_type IN ('NEW_BUSINESS', 'RENEWAL', 'ENDORSEMENT', 'CANCELLATION')
