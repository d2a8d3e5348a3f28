"""Two small hand-built schemas per test (control ``ctl``, candidate ``cnd``) with known
differences, and the entity specs that compare them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest

from comparisons import (
    AcceptedDifference,
    EntityResult,
    EntitySpec,
    compare_entity,
    parse_accepted,
    parse_entity_specs,
)

D = date(2024, 3, 1)
TODAY = date(2026, 11, 25)
Connection = psycopg.Connection[tuple[Any, ...]]


@dataclass
class Pair:
    """A control and a candidate schema in one fresh database."""

    conn: Connection
    control: str = "ctl"
    candidate: str = "cnd"

    def both(self, statements: str) -> None:
        for schema in (self.control, self.candidate):
            self.on(schema, statements)

    def on(self, schema: str, statements: str) -> None:
        with self.conn.transaction():
            self.conn.execute(f'SET LOCAL search_path = "{schema}"')
            self.conn.execute(statements.encode())

    def compare(
        self,
        spec: EntitySpec,
        accepted: Sequence[AcceptedDifference] = (),
        *,
        max_detail_rows: int = 10_000,
        today: date = TODAY,
    ) -> EntityResult:
        return compare_entity(
            self.conn,
            spec,
            self.control,
            self.candidate,
            D,
            tuple(accepted),
            max_detail_rows=max_detail_rows,
            today=today,
        )


def spec(**fields: Any) -> EntitySpec:
    return parse_entity_specs([fields], "test.toml")[0]


def accepted(*entries: dict[str, Any]) -> tuple[AcceptedDifference, ...]:
    defaults = {"reason": "test", "approved_by": "tester", "ticket": "T-1", "expires": date(2027, 6, 30)}
    return parse_accepted([{**defaults, **e} for e in entries], "test.toml")


@pytest.fixture
def pair(clean_db: Any) -> Iterator[Pair]:
    """Empty schemas ctl and cnd in an otherwise empty database of the test's own."""
    with clean_db.connect() as conn:
        conn.execute("CREATE SCHEMA ctl; CREATE SCHEMA cnd")
        yield Pair(conn)


GL_TABLE = """
CREATE TABLE gl (
    gl_entry_id   bigint,
    txn_reference text,
    line_no       integer,
    account_code  text,
    txn_type      text,
    txn_amount    numeric(18,2),
    base_amount   numeric(18,2),
    business_date date,
    created_at    timestamptz DEFAULT clock_timestamp()
);
INSERT INTO gl (gl_entry_id, txn_reference, line_no, account_code, txn_type, txn_amount, base_amount,
                business_date)
VALUES (1, 'TX-1', 1, '1100', 'NEW_BUSINESS', 100.00, 100.00, '2024-03-01'),
       (2, 'TX-1', 2, '4000', 'NEW_BUSINESS', 100.00, 100.00, '2024-03-01'),
       (3, 'TX-2', 1, '1100', 'RENEWAL',       50.00,  57.50, '2024-03-01'),
       (4, 'TX-2', 2, '4000', 'RENEWAL',       50.00,  57.50, '2024-03-01'),
       (5, 'TX-3', 1, '6000', 'CLAIM_PAYMENT', 10.00,  10.00, '2024-03-01'),
       (6, 'TX-4', 1, '1000', 'CLAIM_PAYMENT', 20.00,  20.00, '2024-03-01'),
       (7, 'TX-5', 1, '1100', 'RENEWAL',       30.00,  30.00, '2024-03-01'),
       (8, 'TX-5', 2, '4000', 'RENEWAL',       30.00,  30.00, '2024-03-01'),
       (9, 'TX-6', 1, '1100', 'NEW_BUSINESS',  40.00,  40.00, '2024-03-01'),
       (10, 'TX-7', 1, '1100', 'NEW_BUSINESS', 70.00,  70.00, '2024-03-01'),
       (11, 'TX-8', 1, '1100', 'NEW_BUSINESS', 80.00,  80.00, '2024-03-02');
"""
GL_CANDIDATE_CHANGES = """
UPDATE gl SET gl_entry_id = gl_entry_id + 100;                                    -- surrogates differ
UPDATE gl SET base_amount = 105.00 WHERE txn_reference = 'TX-1' AND line_no = 1;  -- changed amount
UPDATE gl SET base_amount = 57.51 WHERE txn_reference = 'TX-2' AND line_no = 1;   -- just inside 1 minor unit
UPDATE gl SET base_amount = 57.52 WHERE txn_reference = 'TX-2' AND line_no = 2;   -- just outside
DELETE FROM gl WHERE txn_reference = 'TX-3';                                      -- missing in candidate
INSERT INTO gl (gl_entry_id, txn_reference, line_no, account_code, txn_type, txn_amount, base_amount,
                business_date)
VALUES (200, 'TX-9', 1, '1100', 'RENEWAL', 9.00, 9.00, '2024-03-01'),               -- candidate only
       (201, 'TX-4', 1, '1000', 'CLAIM_PAYMENT', 20.00, 20.00, '2024-03-01');       -- duplicate key
"""
GL_SPEC = {
    "name": "gl",
    "query": "SELECT * FROM gl WHERE business_date = :business_date",
    "key": ["txn_reference", "line_no"],
    "ignore": ["gl_entry_id", "created_at"],
    "context": ["txn_type"],
    "tolerances": {"base_amount": 1},
}


@pytest.fixture
def gl_pair(pair: Pair) -> Pair:
    """gl lines, 10 control rows on the date (one more on the next date, never read).

    The candidate differs in known ways: every gl_entry_id and created_at (ignored);
    TX-1/1 base_amount 100.00 -> 105.00 (different); TX-2/1 +0.01 (within the tolerance of
    1 minor unit); TX-2/2 +0.02 (different, just outside); TX-3/1 missing (control_only);
    TX-9/1 added (candidate_only); TX-4/1 twice (duplicate_key).
    Expected: 11 keys = 6 equal (1 within tolerance) + 2 different + 1 control_only +
    1 candidate_only + 1 duplicate key; 10 control rows, 11 candidate rows.
    """
    pair.both(GL_TABLE)
    pair.on(pair.candidate, GL_CANDIDATE_CHANGES)
    return pair


JOURNAL_CONTROL = r"""
CREATE TABLE journal (journal_id bigint, txn_reference text, business_date date, ledger_code text,
                      txn_type text, description text, metadata text);
INSERT INTO journal VALUES
 (1, 'J1', '2024-03-01', 'UK1', 'RENEWAL', 'Renewal', '{"a": 1, "b": [1, 2.50], "name": "Alice"}'),
 (2, 'J2', '2024-03-01', 'UK1', 'RENEWAL', 'Renewal', '{"name": "Acme "Marine" Ltd"}'),
 (3, 'J3', '2024-03-01', 'IE1', 'CLAIM_PAYMENT', 'Claim', '{"name": "Bob"}'),
 (4, 'J4', '2024-03-01', 'IE1', 'CLAIM_PAYMENT', 'Claim', '{"name": "Carol"}'),
 (5, 'J5', '2024-03-01', 'UK1', 'NEW_BUSINESS', '  New business ', '{"name": "Dan"}'),
 (6, 'J6', '2024-03-01', 'UK1', 'NEW_BUSINESS', 'New', '{"name": "Back\Slash"}'),
 (7, 'J7', '2024-03-01', 'UK1', 'NEW_BUSINESS', 'New', NULL);
"""
JOURNAL_CANDIDATE = r"""
CREATE TABLE journal (journal_id bigint, txn_reference text, business_date date, ledger_code text,
                      txn_type text, description text, metadata jsonb);
INSERT INTO journal VALUES
 (11, 'J1', '2024-03-01', 'UK1', 'RENEWAL', 'Renewal', '{"name":"Alice","b":[1.0,2.5],"a":1}'),
 (12, 'J2', '2024-03-01', 'UK1', 'RENEWAL', 'Renewal', '{"name": "Acme \"Marine\" Ltd"}'),
 (13, 'J3', '2024-03-01', 'IE1', 'CLAIM_PAYMENT', 'Claim', '{"name": "Bobby"}'),
 (14, 'J4', '2024-03-01', 'IE1', 'CLAIM_PAYMENT', 'Claim', '{"name": "Carol"}'),
 (15, 'J5', '2024-03-01', 'UK1', 'NEW_BUSINESS', 'New business', '{"name": "Dan"}'),
 (16, 'J6', '2024-03-01', 'UK1', 'NEW_BUSINESS', 'New', '{"name": "Back\\Slash"}'),
 (17, 'J7', '2024-03-01', 'UK1', 'NEW_BUSINESS', 'New', NULL);
"""
JOURNAL_SPEC = {
    "name": "journals",
    "query": """
        SELECT txn_reference, business_date, description, metadata::text AS metadata,
               txn_type, ledger_code AS ledger, journal_id
        FROM journal WHERE business_date = :business_date
    """,
    "key": ["txn_reference"],
    "ignore": ["journal_id"],
    "context": ["txn_type", "ledger"],
    "normalizers": {"metadata": "json", "description": "trim"},
}
JSON_DEFECT = {
    "id": "legacy-json-escaping",
    "entity": "journals",
    "columns": ["metadata"],
    "when": "control_invalid_json",
}


@pytest.fixture
def journal_pair(pair: Pair) -> Pair:
    """7 journals; metadata is text on the control, jsonb on the candidate.

    J1 same object, other key order, spacing and number spelling (equal as JSON); J2 and J6
    control metadata not valid JSON (legacy escaping defect: an unescaped quote, an
    unescaped backslash), candidate valid (invalid_json); J3 a different name (different);
    J5 description with blanks around it (equal when trimmed); J4, J7 identical (J7 NULL).
    Expected: 7 keys = 4 equal + 3 different (2 of them invalid_json).
    """
    pair.on(pair.control, JOURNAL_CONTROL)
    pair.on(pair.candidate, JOURNAL_CANDIDATE)
    return pair
