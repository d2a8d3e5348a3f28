SELECT v.voucher_number, l.line_no, l.account_code, l.dc_marker, l.t0, l.t1, l.txn_amount,
       l.base_amount,
       v.journal_type, v.ledger_code AS ledger,    -- context
       l.voucher_id
FROM voucher_line l
JOIN voucher v ON v.voucher_id = l.voucher_id
WHERE v.business_date = :business_date
