"""Stage 1's checksum statement with every row in one bucket: what the pass costs before it
locates anything (the same seeded row hashes, key hashes and counts, but no grouping).

Set against the floor (benchmarks/compare_peers.py), it says how much of stage 1's distance from
the floor is the hashing itself and how much is spreading the rows over buckets, which is what
finds the differing keys without a second read of the books.
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from typing import Any
from unittest import mock

from comparisons import buckets, parse_entity_specs
from comparisons.entity import plan_sides
from comparisons.work import side_queries


def one_bucket_seconds(
    conn: Any, spec: dict[str, Any], schemas: tuple[str, str], day: date, runs: int = 3
) -> float:
    """The median seconds of the checksum statement for ``spec`` with BUCKETS = 1."""
    (entity,) = parse_entity_specs([spec], "benchmarks/one_bucket.py")
    queries = side_queries(entity, schemas, day)
    plan, _, _ = plan_sides((conn, conn), entity, queries)
    version = conn.info.server_version
    with mock.patch.object(buckets, "BUCKETS", 1):
        statement = buckets.checksums_statement(plan, queries, version, buckets.new_seed())
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute(statement).fetchone()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)
