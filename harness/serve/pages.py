"""What the pages show, read from a verified ledger; rendered with autoescaping Jinja templates."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from harness.config import Config
from harness.cutover.decommission import cutover_documents, decommission_policy, evaluate_decommission
from harness.cutover.night import books_schema
from harness.database import Connection
from harness.errors import InvalidInput
from harness.gate import GateResult, evaluate, load_policy
from harness.history import RunSummary, all_documents, summaries
from harness.pairs import select_pair

TEMPLATES = Environment(
    loader=PackageLoader("harness.serve", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    return TEMPLATES.get_template(template).render(**context)


def run_rows(conn: Connection, verdict: str | None, pair: str | None) -> tuple[list[RunSummary], str | None]:
    """The runs, oldest first, of one verdict label and one candidate (name or SQL hash prefix);
    and why none match, if the pair matched no run."""
    runs = summaries(conn)
    if verdict:
        runs = [r for r in runs if r.verdict == verdict]
    if not pair:
        return runs, None
    try:
        _, documents = select_pair(all_documents(conn), pair)
    except InvalidInput as exc:
        return [], str(exc)
    wanted = {d["run"]["run_id"] for d in documents}
    return [r for r in runs if r.run_id in wanted], None


def parallel_gate(documents: list[dict[str, Any]], config: Config) -> dict[str, Any]:
    """``harness gate``: the policy over the latest pair's runs (None if the ledger has none)."""
    if not documents:
        return {"phase": "parallel", "what": "no runs recorded yet", "result": None}
    policy = load_policy(None, config.gate, config.path)
    pair, documents = select_pair(documents)
    result = evaluate(policy, documents)
    what = f"pair: {pair}; {len(documents)} run(s) of it"
    return {"phase": "parallel", "what": what, "pair": asdict(pair), **_result(result)}


def decommission_gate(documents: list[dict[str, Any]], config: Config) -> dict[str, Any]:
    """``harness gate --phase decommission``: the criteria over the published cutover dates."""
    policy = decommission_policy(config.gate.get("decommission", {}))
    schema = books_schema(config)
    documents = cutover_documents(documents, schema)
    result = evaluate_decommission(policy, documents)
    what = f"books: {schema}; {len(documents)} published cutover date(s)"
    return {"phase": "decommission", "what": what, "books_schema": schema, **_result(result)}


def _result(result: GateResult) -> dict[str, Any]:
    return {"result": result.to_dict()}
