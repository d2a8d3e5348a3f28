WITH sums AS (
    SELECT voucher_id, count(*) AS journals, sum(total_debit_base) AS debit,
           sum(total_credit_base) AS credit
    FROM sun_journal
    WHERE business_date = :business_date AND voucher_id IS NOT NULL
    GROUP BY voucher_id
), lines AS (
    SELECT voucher_id,
           coalesce(sum(base_amount) FILTER (WHERE dc_marker = 'D'), 0) AS debit,
           coalesce(sum(base_amount) FILTER (WHERE dc_marker = 'C'), 0) AS credit
    FROM voucher_line
    GROUP BY voucher_id
), bad AS (
    SELECT v.voucher_number
    FROM voucher v
    LEFT JOIN sums s ON s.voucher_id = v.voucher_id
    LEFT JOIN lines l ON l.voucher_id = v.voucher_id
    WHERE v.business_date = :business_date
      AND NOT (coalesce(s.journals, 0) = v.journal_count
               AND coalesce(s.debit, 0) = v.total_debit_base
               AND coalesce(s.credit, 0) = v.total_credit_base
               AND coalesce(l.debit, 0) = v.total_debit_base
               AND coalesce(l.credit, 0) = v.total_credit_base)
)
SELECT count(*) AS violations,
       coalesce(array_to_string((array_agg(voucher_number ORDER BY voucher_number))[1:5], ', '), '') AS detail
FROM bad
