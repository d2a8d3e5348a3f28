-- Every key of the entity that is still a difference (the keys equal once normalized or
-- within tolerance are not), with its final class: the key parts as text, named as the
-- entity's key, then kind, the differing compared columns joined by ';' and the accepted
-- entry covering it (NULL: unexplained). In key order.
SELECT {keys},
       CASE WHEN r.cls <> 'different' THEN r.cls
            WHEN r._invalid THEN 'invalid_json'
            ELSE 'different' END AS kind,
       pg_catalog.array_to_string(r._differing, ';') AS differing,
       r._accepted AS accepted_by
FROM {ids} AS i
JOIN {rows} AS r ON r."_row" = i."_row"
WHERE r._difference
ORDER BY {order}
