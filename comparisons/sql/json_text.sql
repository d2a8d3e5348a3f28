-- JSON validity where PostgreSQL has no pg_input_is_valid (before 16), created in pg_temp
-- by stage 1 (comparisons/expressions.py): the canonical jsonb text of valid JSON, else
-- 'invalid:' || the text (the prefix is comparisons.normalize.INVALID_JSON_PREFIX).
-- jsonb's own parser decides, so this agrees with pg_input_is_valid(t, 'jsonb').
CREATE OR REPLACE FUNCTION pg_temp.harness_json_text(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN t::jsonb::text;
EXCEPTION WHEN others THEN
    RETURN 'invalid:' || t;
END
$$
