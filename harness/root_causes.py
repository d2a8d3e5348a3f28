"""Root causes across entities: unexplained differences of different entities that share a
lineage value (a transaction reference, a voucher number) on one date, grouped into one finding.

Entities declare their lineage in the config (``lineage = {transaction = "txn_reference"}``,
comparisons/spec.py). Findings sharing a value of the same lineage name are connected, and so
are, transitively, the names an entity declares together: a GL line carries its transaction
and its voucher, so a cent changed on it groups with the voucher line and the export row it
flows to. The names one entity declares are upstream first; a root cause is headed by its
most upstream lineage. Built from the comparisons' samples, which are capped: a root cause
shows the sampled rows only and counts the unexplained rows of its entities left unsampled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Lineage = dict[str, dict[str, str]]  # entity -> {lineage name: column}, upstream first
Link = tuple[str, str]  # (lineage name, value)
MAX_LISTED = 4  # rows or values a finding's text names before "and N more"
CHANGES = {"control_only": "only in the control", "candidate_only": "only in the candidate"}


@dataclass(frozen=True)
class Finding:
    """One unexplained sample and the lineage values it carries."""

    entity: str
    key: dict[str, Any]
    kind: str
    values: tuple[tuple[str, Any, Any], ...]  # (differing column, control value, candidate value)
    links: tuple[Link, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "key": dict(self.key),
            "kind": self.kind,
            "values": [{"column": c, "control": a, "candidate": b} for c, a, b in self.values],
            "lineage": _values_by_name(self.links),
        }


@dataclass(frozen=True)
class RootCause:
    """Findings of one date connected through their lineage values; ``text`` says it in a line."""

    business_date: str
    text: str
    lineage: tuple[tuple[str, tuple[str, ...]], ...]  # name -> values, upstream first
    findings: tuple[Finding, ...]
    unsampled: tuple[tuple[str, int], ...]  # entity -> its unexplained rows not among the samples

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.entity for f in self.findings))

    def to_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date,
            "text": self.text,
            "entities": list(self.entities),
            "lineage": {name: list(values) for name, values in self.lineage},
            "findings": [f.to_dict() for f in self.findings],
            "unsampled": dict(self.unsampled),
        }


def root_causes(comparisons: Sequence[dict[str, Any]], lineage: Lineage) -> tuple[RootCause, ...]:
    """The root causes of a run document's ``comparisons``, date by date, in date order."""
    ranks = {name: i for i, name in enumerate(lineage_order(lineage))}
    entities = list(dict.fromkeys(c["entity"] for c in comparisons))
    causes: list[RootCause] = []
    for day in sorted({c["business_date"] for c in comparisons}):
        of_day = [c for c in comparisons if c["business_date"] == day]
        findings = [f for c in of_day for f in _findings(c, lineage.get(c["entity"], {}))]
        findings.sort(key=lambda f: (entities.index(f.entity), _key_text(f.key)))
        for group in _connected(findings):
            causes.append(_cause(day, group, ranks, lineage, of_day))
    return tuple(sorted(causes, key=lambda c: (c.business_date, _rank(c, ranks), c.lineage)))


def lineage_order(lineage: Lineage) -> list[str]:
    """Lineage names upstream first: a name an entity declares before another precedes it
    (first declared first where nothing says; a contradiction keeps declaration order)."""
    names = list(dict.fromkeys(name for declared in lineage.values() for name in declared))
    before = {n: {a for d in lineage.values() for a in d if _precedes(list(d), a, n)} for n in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and before[n] <= set(ordered)]
        ordered.append(ready[0] if ready else next(n for n in names if n not in ordered))
    return ordered


def _precedes(declared: list[str], a: str, b: str) -> bool:
    return b in declared and declared.index(a) < declared.index(b)


def _findings(comparison: dict[str, Any], columns: dict[str, str]) -> list[Finding]:
    found = []
    for sample in comparison["samples"]:
        if sample["accepted_by"] is not None:
            continue
        links = tuple(_links(sample, columns))
        if not links:
            continue  # no lineage value: the sample stays in its entity's section only
        control, candidate = sample["control"] or {}, sample["candidate"] or {}
        values = tuple((c, control.get(c), candidate.get(c)) for c in sample["differing"])
        key = {c: sample["key"][c] for c in comparison["key"] if c in sample["key"]} | sample["key"]
        found.append(Finding(comparison["entity"], key, sample["kind"], values, links))
    return found


def _links(sample: dict[str, Any], columns: dict[str, str]) -> Iterable[Link]:
    """Every (name, value) the sample carries: from its key, else from either side's row."""
    sides = [row for row in (sample["control"], sample["candidate"]) if row]
    for name, column in columns.items():
        rows = [sample["key"]] if column in sample["key"] else sides
        for value in dict.fromkeys(str(row[column]) for row in rows if row.get(column) is not None):
            yield name, value


def _connected(findings: list[Finding]) -> list[list[Finding]]:
    """The findings grouped into connected components: two share a link, or one in between does."""
    parent = list(range(len(findings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[Link, int] = {}
    for i, finding in enumerate(findings):
        for link in finding.links:
            parent[root(i)] = root(first.setdefault(link, i))
    groups: dict[int, list[Finding]] = {}
    for i, finding in enumerate(findings):
        groups.setdefault(root(i), []).append(finding)
    return list(groups.values())


def _cause(
    day: str, group: list[Finding], ranks: dict[str, int], lineage: Lineage, of_day: list[dict[str, Any]]
) -> RootCause:
    by_name = _values_by_name(link for f in group for link in f.links)
    ordered = tuple((n, tuple(by_name[n])) for n in sorted(by_name, key=lambda n: ranks.get(n, len(ranks))))
    return RootCause(
        business_date=day,
        text=_text(group, ranks, lineage),
        lineage=ordered,
        findings=tuple(group),
        unsampled=tuple(_unsampled({f.entity for f in group}, of_day)),
    )


def _unsampled(entities: set[str], of_day: list[dict[str, Any]]) -> Iterable[tuple[str, int]]:
    for c in of_day:
        if c["entity"] in entities and c["counts"]:
            sampled = sum(1 for s in c["samples"] if s["accepted_by"] is None)
            if (left := c["counts"]["unexplained"] - sampled) > 0:
                yield c["entity"], left


def _values_by_name(links: Iterable[Link]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in links:
        if value not in found.setdefault(name, []):
            found[name].append(value)
    return {name: sorted(values) for name, values in found.items()}


def _rank(cause: RootCause, ranks: dict[str, int]) -> int:
    return ranks.get(cause.lineage[0][0], len(ranks)) if cause.lineage else len(ranks)


# ---- the one-line text ---------------------------------------------------------------------
def _text(group: list[Finding], ranks: dict[str, int], lineage: Lineage) -> str:
    """'<name> <values>: <what differs there>, which flows to <name> <values>: <rows there>'."""
    by_primary: dict[str, list[Finding]] = {}
    for finding in group:
        primary = min((name for name, _ in finding.links), key=lambda n: ranks.get(n, len(ranks)))
        by_primary.setdefault(primary, []).append(finding)
    names = sorted(by_primary, key=lambda n: ranks.get(n, len(ranks)))
    parts = []
    for i, name in enumerate(names):
        findings = by_primary[name]
        values = sorted({v for f in findings for n, v in f.links if n == name})
        single = {f.entity: lineage.get(f.entity, {}).get(name) for f in findings} if len(values) == 1 else {}
        rows = _rows(findings, single, with_change=i == 0)
        head = f"{name} {_listed(values)}" if i == 0 else f"which flows to {name} {_listed(values)}"
        parts.append(f"{head}: {rows}")
    return ", ".join(parts)


def _rows(findings: list[Finding], hidden: dict[str, str | None], *, with_change: bool) -> str:
    """The findings entity by entity: '<entity> <rest of key> <change>', same changes merged."""
    described: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in findings:
        rest = {c: v for c, v in f.key.items() if c != hidden.get(f.entity)}
        described.setdefault((f.entity, _change(f) if with_change else ""), []).append(rest)
    texts = [
        " ".join(part for part in (entity, _keys(rests), change) if part)
        for (entity, change), rests in described.items()
    ]
    return "; ".join(texts) if with_change else _joined(texts)


def _keys(rests: list[dict[str, Any]]) -> str:
    """Keys of one entity, what they share said once: 'file X.csv LineNo 4, 5 and 7'."""
    columns = list(rests[0])
    shared = [c for c in columns if len({str(r.get(c)) for r in rests}) == 1]
    varying = [c for c in columns if c not in shared]
    head = " ".join(f"{c} {_shown(rests[0][c])}" for c in shared)
    if not varying:
        return head
    if len(varying) == 1:
        listed = f"{varying[0]} {_listed([_shown(r.get(varying[0])) for r in rests])}"
    else:
        listed = _listed([" ".join(f"{c} {_shown(r.get(c))}" for c in varying) for r in rests])
    return f"{head} {listed}" if head else listed


def _change(finding: Finding) -> str:
    if finding.kind in CHANGES:
        return CHANGES[finding.kind]
    if finding.kind == "duplicate_key":
        return "duplicate key"
    return ", ".join(f"{c} {_shown(a)} vs {_shown(b)}" for c, a, b in finding.values)


def _shown(value: Any) -> str:
    return "NULL" if value is None else str(value)


def _listed(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= MAX_LISTED:
        return ", ".join(items)
    return f"{', '.join(items[:MAX_LISTED])} and {len(items) - MAX_LISTED} more"


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _key_text(key: dict[str, Any]) -> tuple[tuple[bool, str], ...]:
    """Key order, numbers by value (line 7 before line 10)."""
    texts = ("" if v is None else str(v) for v in key.values())
    return tuple((not t, t.zfill(20) if t.isdigit() else t) for t in texts)
