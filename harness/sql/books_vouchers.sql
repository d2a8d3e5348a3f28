-- The vouchers of one date in the books, with their lines' totals in base currency.
SELECT v.voucher_number, v.ledger_code, count(vl.line_no) AS lines,
       coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'D'), 0) AS debit_base,
       coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'C'), 0) AS credit_base
FROM {voucher} v
LEFT JOIN {voucher_line} vl ON vl.voucher_id = v.voucher_id
WHERE v.business_date = %(d)s
GROUP BY v.voucher_number, v.ledger_code
ORDER BY v.voucher_number COLLATE "C"
