"""One-line summaries of a comparison, as CI systems and terminals show them."""

from __future__ import annotations

from typing import Any

from reports.formatting import count, key_text, value


def comparison_summary(c: dict[str, Any]) -> str:
    """Unexplained first, accepted apart: 'MISMATCH: 1 unexplained of 13 differing keys
    (12 different, 1 control-only); 12 accepted by legacy-json-escaping (12); of 1,950
    control / 1,950 candidate rows'."""
    verdict = c["verdict"]
    counts = c["counts"]
    if verdict in ("FAILED", "NO_OUTPUT") or counts is None:
        return f"{verdict}: {c['error'] or 'no comparison was made'}"
    rows = f"{count(counts['control_rows'])} control / {count(counts['candidate_rows'])} candidate rows"
    schema = _schema_text(c)
    if verdict == "MATCH":
        return f"MATCH: {rows}, all equal{schema}"
    found = ", ".join(_class_parts(counts)) or "no differing keys"
    covered = ", ".join(f"{ident} ({count(n)})" for ident, n in c["accepted"].items() if n)
    if verdict == "ACCEPTED":
        return f"ACCEPTED: {found} of {rows}, all accepted by {covered or 'accepted differences'}{schema}"
    differing = (
        counts["different"] + counts["control_only"] + counts["candidate_only"] + counts["duplicate_keys"]
    )
    accepted = f"; {count(counts['accepted'])} accepted by {covered}" if covered else ""
    return (
        f"{verdict}: {count(counts['unexplained'])} unexplained of {count(differing)} differing keys "
        f"({found}){accepted}; of {rows}{schema}"
    )


def _class_parts(counts: dict[str, int]) -> list[str]:
    return [
        f"{count(counts[name])} {label}"
        for name, label in (
            ("different", "different"),
            ("control_only", "control-only"),
            ("candidate_only", "candidate-only"),
            ("duplicate_keys", "duplicate keys"),
        )
        if counts[name]
    ]


def _schema_text(c: dict[str, Any]) -> str:
    """'; schema: note not returned by the candidate query' (findings of the schema diff)."""
    findings = c.get("schema") or []
    if not findings:
        return ""
    texts = []
    for f in findings:
        if f["kind"] == "type":
            fails = " (fails: type_differences = fail)" if f.get("fails") else ""
            texts.append(f"{f['column']} control {f['control_type']}, candidate {f['candidate_type']}{fails}")
        else:
            texts.append(f"{f['column']} not returned by the {f['kind'].removeprefix('missing_on_')} query")
    return "; schema: " + "; ".join(texts)


def comparison_details(c: dict[str, Any], max_samples: int = 10) -> list[str]:
    """Patterns and samples of a comparison as plain text lines."""
    lines = []
    for p in c["patterns"]:
        context = ", ".join(f"{k}={value(v)}" for k, v in p["context"].items())
        accepted = f"accepted by {p['accepted_by']}" if p["accepted_by"] else "unexplained"
        lines.append(
            f"pattern: {p['kind']} in {', '.join(p['columns'])}"
            f"{f' where {context}' if context else ''}: {count(p['rows'])} rows, {accepted}"
        )
    for s in c["samples"][:max_samples]:
        lines.append(f"sample {key_text(s['key'])}: {s['kind']}{per_side_text(s)}")
        for column in s["differing"]:
            control = value((s["control"] or {}).get(column)) if s["control"] is not None else "(no row)"
            candidate = (
                value((s["candidate"] or {}).get(column)) if s["candidate"] is not None else "(no row)"
            )
            lines.append(f"  {column}: control {control} | candidate {candidate}")
    if len(c["samples"]) > max_samples:
        lines.append(f"... {len(c['samples']) - max_samples} more samples in the HTML report and CSV")
    return lines


def per_side_text(sample: dict[str, Any]) -> str:
    """' (control 2 rows, candidate 1 row)' for a duplicate key, else ''."""
    per_side = sample.get("rows_per_side")
    if not per_side:
        return ""
    parts = [f"{side} {n} row{'s' if n != 1 else ''}" for side, n in per_side.items()]
    return f" ({', '.join(parts)})"
