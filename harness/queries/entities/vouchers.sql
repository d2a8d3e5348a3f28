SELECT v.voucher_number, v.ledger_code, v.business_date, v.period, v.journal_type, v.currency,
       v.journal_count, v.total_debit_base, v.total_credit_base,
       v.ledger_code AS ledger,                    -- context
       v.voucher_id, v.created_at
FROM voucher v
WHERE v.business_date = :business_date
