-- Phase 'export' (the files themselves are streamed by the manifest's COPY): refuse to
-- export a date whose vouchers do not balance or disagree with their lines. Returns the
-- number of rows the export will write.
CREATE FUNCTION prepare_export(d date)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    bad text;
    export_rows bigint;
BEGIN
    WITH line_total AS (
        SELECT vl.voucher_id,
               count(*) AS n,
               coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'D'), 0) AS debit,
               coalesce(sum(vl.base_amount) FILTER (WHERE vl.dc_marker = 'C'), 0) AS credit
        FROM voucher v
        JOIN voucher_line vl ON vl.voucher_id = v.voucher_id
        WHERE v.business_date = d
        GROUP BY vl.voucher_id
    )
    SELECT string_agg(v.voucher_number, ', ' ORDER BY v.voucher_number COLLATE "C")
    INTO bad
    FROM voucher v
    LEFT JOIN line_total t ON t.voucher_id = v.voucher_id
    WHERE v.business_date = d
      AND (t.voucher_id IS NULL OR t.debit <> t.credit OR t.debit <> v.total_debit_base
           OR v.total_debit_base <> v.total_credit_base);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'vouchers of % do not balance: %', d, bad;
    END IF;

    SELECT count(*) INTO export_rows
    FROM voucher v
    JOIN voucher_line vl ON vl.voucher_id = v.voucher_id
    WHERE v.business_date = d;
    RETURN export_rows;
END
$$;
