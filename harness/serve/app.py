"""The Starlette app of ``harness serve``: read-only pages over the ledger.

Every request opens its own connection and verifies the ledger's hash chain before it
reads anything: a broken chain is refused (503), as every other reader refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

import reports
from harness import ledger
from harness.config import Config
from harness.database import Connection, Database, redact
from harness.errors import DatabaseUnavailable, HarnessError, LedgerError, RunNotFound
from harness.history import all_documents, latest_run_id, run_document
from harness.serve import pages

METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# The app's own pages: inline style only, no script, nothing fetched from elsewhere.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'"
)
Handler = Callable[[Request], Response]


def create_app(database: Database, config: Config) -> Starlette:
    """The app over ``database``'s ledger; ``config`` names the gate policy and the books schema."""
    app = Serve(database, config)
    routes = [
        Route("/", app.guarded(app.runs)),
        Route("/runs/{run_id}.json", app.guarded(app.run_json)),
        Route("/runs/{run_id}", app.guarded(app.run_page)),
        Route("/gate", app.guarded(app.gate)),
        Route("/metrics", app.guarded(app.metrics)),
        Route("/health", app.health),
    ]
    return Starlette(routes=routes)


class Serve:
    def __init__(self, database: Database, config: Config) -> None:
        self.database, self.config = database, config

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection of this request's own, to a ledger whose chain was just verified."""
        with self.database.connect() as conn:
            ledger.require_intact(conn)
            yield conn

    def guarded(self, handler: Handler) -> Handler:
        """``handler``, with expected errors turned into an error page: 404 unknown run,
        503 ledger broken or database unreachable, 500 anything else the harness refuses."""

        def endpoint(request: Request) -> Response:
            try:
                response = handler(request)
            except RunNotFound as exc:
                response = error_page(404, "Not found", str(exc))
            except (LedgerError, DatabaseUnavailable) as exc:
                response = error_page(503, "Ledger unavailable", redact(str(exc)))
            except HarnessError as exc:
                response = error_page(500, "Error", redact(str(exc)))
            response.headers.update(SECURITY_HEADERS)
            return response

        return endpoint

    def runs(self, request: Request) -> Response:
        verdict = request.query_params.get("verdict") or None
        pair = request.query_params.get("pair") or None
        with self.connection() as conn:
            rows, problem = pages.run_rows(conn, verdict, pair)
        return page("runs.html", runs=rows, verdict=verdict or "", pair=pair or "", problem=problem)

    def run_page(self, request: Request) -> Response:
        with self.connection() as conn:
            doc = run_document(conn, request.path_params["run_id"])
        return HTMLResponse(reports.render_html(doc))

    def run_json(self, request: Request) -> Response:
        with self.connection() as conn:
            doc = run_document(conn, request.path_params["run_id"])
        return Response(reports.render_json(doc), media_type="application/json")

    def gate(self, request: Request) -> Response:
        with self.connection() as conn:
            documents = all_documents(conn)  # one verified read of the ledger serves both gates
        gates = [pages.parallel_gate(documents, self.config), pages.decommission_gate(documents, self.config)]
        return page("gate.html", gates=gates)

    def metrics(self, request: Request) -> Response:
        with self.connection() as conn:
            doc = run_document(conn, latest_run_id(conn))
        return Response(reports.render_metrics(doc), media_type=METRICS_TYPE)

    def health(self, request: Request) -> Response:
        """200 ``ok`` and the chain's head, or 503 and why not."""
        try:
            with self.database.connect() as conn:
                empty = not ledger.ledger_exists(conn)
                checked, problems = (0, []) if empty else ledger.verify_chain(conn)
                head = None if empty else ledger.head(conn)
        except HarnessError as exc:
            return PlainTextResponse(f"unavailable: {redact(str(exc))}\n", status_code=503)
        if problems:
            first = problems[0]
            text = f"ledger broken at entry {first.seq}: {first.problem} ({len(problems)} problem(s))\n"
            return PlainTextResponse(text, status_code=503)
        return PlainTextResponse(f"ok seq={head.seq if head else 0} entries={checked}\n")


def page(template: str, status_code: int = 200, **context: Any) -> Response:
    response = HTMLResponse(pages.render(template, **context), status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


def error_page(status_code: int, title: str, message: str) -> Response:
    return page("error.html", status_code, title=title, message=message, status=status_code)
