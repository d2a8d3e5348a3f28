SELECT g.txn_reference, g.line_no, g.account_code, g.dc_marker, g.currency, g.txn_amount,
       g.base_amount, g.period, g.business_date, g.t0, g.t1, g.t2, g.t3,
       j.txn_reference AS journal_txn_reference,   -- journal_id through its business key
       t.txn_type, j.ledger_code AS ledger,        -- context
       v.voucher_number,                           -- context: the voucher the line flows to
       g.gl_entry_id, g.journal_id, g.created_at
FROM gl_entries g
LEFT JOIN sun_journal j ON j.journal_id = g.journal_id AND j.business_date = g.business_date
LEFT JOIN voucher v ON v.voucher_id = j.voucher_id
LEFT JOIN insurance_transaction t ON t.txn_reference = g.txn_reference
WHERE g.business_date = :business_date
