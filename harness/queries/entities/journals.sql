SELECT j.txn_reference, j.business_date, j.ledger_code, j.period, j.journal_type,
       j.journal_source, j.currency, j.fx_rate, j.description, j.total_debit_base,
       j.total_credit_base, j.line_count,
       j.metadata::text AS metadata,          -- legacy: text, enhanced: jsonb
       v.voucher_number,                      -- voucher_id compared through its business key
       t.txn_type, j.ledger_code AS ledger,   -- context
       j.journal_id, j.voucher_id, j.created_at
FROM sun_journal j
LEFT JOIN voucher v ON v.voucher_id = j.voucher_id
LEFT JOIN insurance_transaction t ON t.txn_reference = j.txn_reference
WHERE j.business_date = :business_date
