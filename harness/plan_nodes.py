"""One auto_explain plan (JSON format, with ANALYZE and BUFFERS), reduced to a small summary.

A plan arrives as the text of a NOTICE: ``duration: 12.345 ms  plan:`` followed by the
JSON of EXPLAIN. Only the summary is kept: the statement (its first 200 characters), its
time, rows and shared buffers, the nodes that took the most time themselves (exclusive
time: a node's total minus its children's), and every Seq Scan that read more rows than a
threshold in one loop. Times are per node over all its loops (EXPLAIN shows per loop).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

STATEMENT_CHARS = 200
TOP_NODES = 5
# The first number of the message is the duration; the JSON follows. Matching no English
# words keeps this working when the server's lc_messages translates the prefix.
DURATION = re.compile(r"([0-9]+(?:[.,][0-9]+)?)")
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|\$[0-9]+")
SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class NodeTime:
    """One plan node: where its time went (exclusive of its children) and its buffers."""

    node_type: str
    relation: str | None
    exclusive_ms: float
    total_ms: float
    rows: float
    loops: int
    shared_hit: int
    shared_read: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_type": self.node_type,
            "relation": self.relation,
            "exclusive_ms": round(self.exclusive_ms, 3),
            "total_ms": round(self.total_ms, 3),
            "rows": self.rows,
            "loops": self.loops,
            "shared_hit": self.shared_hit,
            "shared_read": self.shared_read,
        }


@dataclass(frozen=True)
class SeqScan:
    """A Seq Scan that read more rows (returned plus filtered out) in one loop than the threshold."""

    relation: str
    rows_read: float
    loops: int

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation, "rows_read": self.rows_read, "loops": self.loops}


@dataclass(frozen=True)
class Plan:
    """One executed statement's plan, summarised."""

    statement: str
    total_ms: float
    rows: float
    shared_hit: int
    shared_read: int
    nested: bool
    top_nodes: tuple[NodeTime, ...]
    seq_scans: tuple[SeqScan, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "total_ms": self.total_ms,
            "rows": self.rows,
            "shared_hit": self.shared_hit,
            "shared_read": self.shared_read,
            "nested": self.nested,
            "top_nodes": [n.to_dict() for n in self.top_nodes],
            "seq_scans": [s.to_dict() for s in self.seq_scans],
        }


def parse_notice(message: str, phase_sql: str, big_table_rows: int) -> Plan | None:
    """The plan in an auto_explain NOTICE; None for any other notice (a side's RAISE NOTICE)."""
    start = message.find("{")
    duration = DURATION.search(message[:start]) if start > 0 else None
    if duration is None:
        return None
    try:
        document = json.loads(message[start:])
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("Plan"), dict):
        return None
    text = str(document.get("Query Text", ""))
    top: dict[str, Any] = document["Plan"]
    nodes = list(walk(top))
    return Plan(
        statement=SPACE.sub(" ", text).strip()[:STATEMENT_CHARS],
        total_ms=float(duration.group(1).replace(",", ".")),
        rows=_statement_rows(top),
        shared_hit=int(top.get("Shared Hit Blocks", 0)),
        shared_read=int(top.get("Shared Read Blocks", 0)),
        nested=_shape(text) != _shape(phase_sql),
        top_nodes=tuple(sorted(nodes, key=lambda n: -n.exclusive_ms)[:TOP_NODES]),
        seq_scans=tuple(_seq_scans(top, big_table_rows)),
    )


def _shape(text: str) -> str:
    """A statement with placeholders and spacing made uniform (psycopg sends %(x)s as $1)."""
    return SPACE.sub(" ", PLACEHOLDER.sub("?", text)).strip().rstrip(";").lower()


def _statement_rows(top: dict[str, Any]) -> float:
    """Rows the statement produced; for INSERT/UPDATE/DELETE without RETURNING, the rows fed
    into the modification (its own node reports 0)."""
    children = top.get("Plans", [])
    if top.get("Node Type") == "ModifyTable" and not _total_rows(top) and children:
        return _total_rows(children[0])
    return _total_rows(top)


def _total_rows(node: dict[str, Any]) -> float:
    return float(node.get("Actual Rows", 0)) * int(node.get("Actual Loops", 0))


def _total_ms(node: dict[str, Any]) -> float:
    return float(node.get("Actual Total Time", 0.0)) * int(node.get("Actual Loops", 0))


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in node.get("Plans", []) if isinstance(c, dict)]


def walk(node: dict[str, Any]) -> Iterator[NodeTime]:
    """Every node of the plan, with its exclusive time (never below zero: parallel workers'
    and subplans' times overlap their parent's)."""
    children = _children(node)
    total = _total_ms(node)
    yield NodeTime(
        node_type=str(node.get("Node Type", "?")),
        relation=_relation(node),
        exclusive_ms=max(0.0, total - sum(_total_ms(c) for c in children)),
        total_ms=total,
        rows=_total_rows(node),
        loops=int(node.get("Actual Loops", 0)),
        shared_hit=int(node.get("Shared Hit Blocks", 0)),
        shared_read=int(node.get("Shared Read Blocks", 0)),
    )
    for child in children:
        yield from walk(child)


def _relation(node: dict[str, Any]) -> str | None:
    name = node.get("Relation Name")
    return str(name) if name is not None else None


def _seq_scans(node: dict[str, Any], threshold: int) -> Iterator[SeqScan]:
    if node.get("Node Type") == "Seq Scan":
        read = float(node.get("Actual Rows", 0)) + float(node.get("Rows Removed by Filter", 0))
        if read > threshold:
            yield SeqScan(str(node.get("Relation Name", "?")), read, int(node.get("Actual Loops", 0)))
    for child in _children(node):
        yield from _seq_scans(child, threshold)
