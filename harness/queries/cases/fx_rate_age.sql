-- Which FX rate a transaction converts at: none needed, the day's own, an earlier one
-- (up to 7 days old), or none within the window (NO_FX_RATE).
SELECT CASE
           WHEN t.currency = l.base_currency THEN 'base currency'
           WHEN fx.rate_date = :business_date THEN 'rate of the day'
           WHEN fx.rate_date IS NOT NULL THEN 'rate 1 to 7 days old'
           ELSE 'no rate within 7 days'
       END AS cell,
       t.txn_reference AS unit
FROM insurance_transaction AS t
JOIN policy AS p ON p.policy_id = t.policy_id
JOIN ledger AS l ON l.ledger_code = p.ledger_code
LEFT JOIN LATERAL (
    SELECT f.rate_date FROM fx_rate AS f
    WHERE f.from_currency = t.currency AND f.to_currency = l.base_currency
      AND f.rate_date BETWEEN :business_date - 7 AND :business_date
    ORDER BY f.rate_date DESC
    LIMIT 1
) AS fx ON TRUE
WHERE t.business_date = :business_date
