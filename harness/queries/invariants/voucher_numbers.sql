WITH numbered AS (
    SELECT ledger_code, voucher_number,
           CASE WHEN voucher_number ~ ('^' || ledger_code || '-' || to_char(business_date, 'YYYYMMDD') || '-[0-9]{4,}$')
                THEN substring(voucher_number FROM '[0-9]+$')::integer END AS seq
    FROM voucher
    WHERE business_date = :business_date
), per_ledger AS (
    SELECT ledger_code, count(*) AS vouchers, count(DISTINCT seq) AS distinct_numbers,
           count(seq) AS well_formed, min(seq) AS first, max(seq) AS last
    FROM numbered
    GROUP BY ledger_code
), bad AS (
    SELECT ledger_code || ': ' || vouchers || ' vouchers numbered ' || coalesce(first::text, '?')
           || '..' || coalesce(last::text, '?') AS line
    FROM per_ledger
    WHERE NOT (well_formed = vouchers AND distinct_numbers = vouchers AND first = 1 AND last = vouchers)
)
SELECT count(*) AS violations,
       coalesce(array_to_string((array_agg(line ORDER BY line))[1:5], '; '), '') AS detail
FROM bad
