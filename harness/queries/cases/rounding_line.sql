-- The FX rounding line (account 7999) a premium transaction's journal needs: its
-- receivable is rounded once in base currency, its premium and tax credits separately
-- (docs/domain.md, "GL posting"); commission and reinsurance lines balance each other.
WITH priced AS (
    SELECT t.txn_reference,
           sign(t.gross_amount) AS direction,
           abs(t.gross_amount) AS g,
           abs(round(t.gross_amount * coalesce(tax.rate, 0), 2)) AS tax,
           CASE WHEN t.currency = l.base_currency THEN 1 ELSE fx.rate END AS fx
    FROM insurance_transaction AS t
    JOIN policy AS p ON p.policy_id = t.policy_id
    JOIN ledger AS l ON l.ledger_code = p.ledger_code
    LEFT JOIN LATERAL (
        SELECT r.rate FROM tax_rate AS r
        WHERE r.tax_code = p.tax_code AND r.valid_from <= :business_date
          AND (r.valid_to IS NULL OR :business_date <= r.valid_to)
        ORDER BY r.valid_from DESC
        LIMIT 1
    ) AS tax ON TRUE
    LEFT JOIN LATERAL (
        SELECT f.rate FROM fx_rate AS f
        WHERE f.from_currency = t.currency AND f.to_currency = l.base_currency
          AND f.rate_date BETWEEN :business_date - 7 AND :business_date
        ORDER BY f.rate_date DESC
        LIMIT 1
    ) AS fx ON TRUE
    WHERE t.business_date = :business_date
      AND t.txn_type IN ('NEW_BUSINESS', 'RENEWAL', 'ENDORSEMENT', 'CANCELLATION')
      AND t.gross_amount <> 0
)
SELECT CASE sign(direction * (round((g + tax) * fx, 2) - round(g * fx, 2) - round(tax * fx, 2)))
           WHEN 1 THEN 'Cr 7999: debits exceed credits'
           WHEN -1 THEN 'Dr 7999: credits exceed debits'
           ELSE 'no rounding line'
       END AS cell,
       txn_reference AS unit
FROM priced
WHERE fx IS NOT NULL
