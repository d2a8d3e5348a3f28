-- Phase 'reporting refresh': each materialized view of views.sql, concurrently, in order.
CREATE FUNCTION refresh_reporting_views()
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    mv text;
    refreshed integer := 0;
BEGIN
    FOREACH mv IN ARRAY ARRAY['mv_daily_journal_summary', 'mv_account_balance',
                              'mv_trial_balance', 'mv_voucher_summary', 'mv_error_summary',
                              'mv_line_of_business'] LOOP
        EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I', mv);
        refreshed := refreshed + 1;
    END LOOP;
    RETURN refreshed;
END
$$;
