"""Each side's copy of the source has its own sequences and identical content."""

from pathlib import Path
from typing import Any

import psycopg

from harness.isolation import check_same_input, copy_source, create_space, drop_space, side_space
from harness.manifest import load_side
from harness.source_config import SourceConfig

Conn = psycopg.Connection[tuple[Any, ...]]


def test_copies_get_their_own_sequences(conn: Conn, tmp_path: Path) -> None:
    conn.execute("CREATE SCHEMA src; CREATE TABLE src.counter (id serial PRIMARY KEY, v text)")
    conn.execute("INSERT INTO src.counter (v) VALUES ('a'), ('b')")
    source = SourceConfig("src", ("counter",), {})
    side = load_side("legacy")
    spaces = [side_space("t1", label, side, isolate=True) for label in ("control", "candidate")]
    prints = []
    for space in spaces:
        create_space(conn, space)
        prints.append(copy_source(conn, space, source, []))
    check_same_input(prints[0], prints[1])
    assert prints[0]["counter"].rows == 2

    def insert(schema: str) -> int:
        row = conn.execute(f"INSERT INTO \"{schema}\".counter (v) VALUES ('x') RETURNING id").fetchone()
        assert row is not None
        return int(row[0])

    assert [insert(spaces[0].schema), insert(spaces[0].schema)] == [3, 4]
    assert insert(spaces[1].schema) == 3
    assert conn.execute("SELECT nextval('src.counter_id_seq')").fetchone() == (3,)
    for space in spaces:
        drop_space(conn, space)
    assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'harness_run_t1%'").fetchone() == (
        0,
    )
