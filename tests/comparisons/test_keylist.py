"""The complete list of differing keys: every one, classified, whatever max_detail_rows is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from comparisons import EntityResult, compare_entity
from tests.comparisons.conftest import GL_SPEC, JOURNAL_SPEC, JSON_DEFECT, TODAY, D, Pair, accepted, spec

Line = tuple[str | None, ...]


class Collected:
    """A key sink keeping the chunks it was sent, and how often it was called."""

    def __init__(self) -> None:
        self.data = b""
        self.calls = 0

    def __call__(self, chunks: Iterator[bytes]) -> None:
        self.calls += 1
        for chunk in chunks:
            assert isinstance(chunk, bytes)
            self.data += chunk

    def lines(self) -> list[Line]:
        rows = self.data.decode().splitlines()
        return [tuple(None if f == "\\N" else f for f in row.split("\t")) for row in rows]


def compare(
    pair: Pair, entity: dict[str, object], *entries: dict[str, object], cap: int = 10_000
) -> tuple[EntityResult, list[Line]]:
    sink = Collected()
    result = compare_entity(
        pair.conn,
        spec(**entity),
        pair.control,
        pair.candidate,
        D,
        accepted(*entries),
        max_detail_rows=cap,
        today=TODAY,
        key_list=sink,
    )
    assert sink.calls == 1
    return result, sink.lines()


def test_the_list_names_every_differing_key_of_the_gl_pair(gl_pair: Pair) -> None:
    result, lines = compare(gl_pair, GL_SPEC)
    assert lines == [
        ("TX-1", "1", "different", "base_amount", None),
        ("TX-2", "2", "different", "base_amount", None),  # TX-2/1 is within tolerance: not listed
        ("TX-3", "1", "control_only", "", None),
        ("TX-4", "1", "duplicate_key", "", None),
        ("TX-9", "1", "candidate_only", "", None),
    ]
    assert len(lines) == result.counts.accepted + result.counts.unexplained


def test_invalid_json_and_accepted_keys(journal_pair: Pair) -> None:
    result, lines = compare(journal_pair, JOURNAL_SPEC, JSON_DEFECT)
    assert lines == [
        ("J2", "invalid_json", "metadata", "legacy-json-escaping"),
        ("J3", "different", "metadata", None),
        ("J6", "invalid_json", "metadata", "legacy-json-escaping"),
    ]
    assert result.counts.accepted == 2 and result.counts.unexplained == 1


BIG_CONTROL = """
CREATE TABLE t (id integer, grp text, amount numeric(12,2), meta text, note text);
INSERT INTO t
SELECT n, CASE WHEN n <= 100 THEN 'acc' ELSE 'x' END, n, '{"a": 1}', 'n' FROM generate_series(1, 1500) AS n;
UPDATE t SET meta = '{"a": "un"escaped"}' WHERE id BETWEEN 951 AND 1000;
"""
BIG_CANDIDATE = """
UPDATE t SET amount = amount + 1 WHERE id <= 600;                    -- different
UPDATE t SET amount = amount + 0.01 WHERE id BETWEEN 601 AND 650;    -- within tolerance
UPDATE t SET note = note || '  ' WHERE id BETWEEN 651 AND 700;       -- equal once trimmed
DELETE FROM t WHERE id BETWEEN 701 AND 900;                          -- control only
INSERT INTO t SELECT n, 'x', n, '{"a": 1}', 'n' FROM generate_series(1501, 1700) AS n;  -- candidate only
INSERT INTO t SELECT * FROM t WHERE id BETWEEN 901 AND 950;          -- duplicate key
UPDATE t SET meta = '{"a": "un\\"escaped"}' WHERE id BETWEEN 951 AND 1000;  -- invalid JSON on control
"""
BIG_SPEC = {
    "name": "big",
    "query": "SELECT * FROM t",
    "key": ["id"],
    "tolerances": {"amount": 1},
    "normalizers": {"meta": "json", "note": "trim"},
}
BIG_ACCEPTED = (
    {"id": "acc-amount", "entity": "big", "columns": ["amount"], "where": "control.grp = 'acc'"},
    {**JSON_DEFECT, "entity": "big", "columns": ["meta"]},
)


def test_every_one_of_a_thousand_differing_keys_is_listed_beyond_the_cap(pair: Pair) -> None:
    pair.both(BIG_CONTROL)
    pair.on(pair.candidate, BIG_CANDIDATE)
    result, lines = compare(pair, BIG_SPEC, *BIG_ACCEPTED, cap=5)
    counts = result.counts
    assert counts.examined == 5 and len(result.samples) <= 5
    assert len(lines) == counts.accepted + counts.unexplained == 1100
    kinds = Counter(line[1] for line in lines)
    assert kinds == {
        "different": counts.different - counts.invalid_json,
        "invalid_json": counts.invalid_json,
        "control_only": counts.control_only,
        "candidate_only": counts.candidate_only,
        "duplicate_key": counts.duplicate_keys,
    }
    assert kinds == {
        "different": 600,
        "invalid_json": 50,
        "control_only": 200,
        "candidate_only": 200,
        "duplicate_key": 50,
    }
    assert Counter(line[3] for line in lines) == {
        None: counts.unexplained,
        "acc-amount": 100,
        "legacy-json-escaping": 50,
    }
    assert dict(result.accepted) == {"acc-amount": 100, "legacy-json-escaping": 50}
    by_id = {int(str(line[0])): line for line in lines}
    assert sorted(by_id) == [int(str(line[0])) for line in lines]  # in key order, each once
    assert by_id[1] == ("1", "different", "amount", "acc-amount")
    assert by_id[600] == ("600", "different", "amount", None)
    assert by_id[700 + 1] == ("701", "control_only", "", None)
    assert by_id[960] == ("960", "invalid_json", "meta", "legacy-json-escaping")
    assert not set(range(601, 701)) & set(by_id)  # within tolerance, equal once trimmed


def test_an_entity_without_differences_sends_an_empty_list(gl_pair: Pair) -> None:
    gl_pair.on(gl_pair.candidate, "DROP TABLE gl")
    gl_pair.on(gl_pair.candidate, "CREATE TABLE gl AS SELECT * FROM ctl.gl")
    result, lines = compare(gl_pair, GL_SPEC)
    assert lines == [] and result.counts.unexplained == result.counts.accepted == 0


def test_without_a_sink_nothing_is_listed(gl_pair: Pair) -> None:
    result = gl_pair.compare(spec(**GL_SPEC))
    assert result.counts.unexplained == 5
