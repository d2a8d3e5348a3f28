-- One side's rows whose digests the comparison asked for, every column of the entity query.
SELECT {columns} FROM ({digested}) AS t
WHERE t."_harness_h" IN (SELECT w."_h" FROM {wanted} AS w)
