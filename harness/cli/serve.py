"""``harness serve``: the ledger's runs, reports, gates and metrics over HTTP, read-only."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from harness.cli.common import EXIT_OK, dsn_option, echo_err
from harness.cli.config_option import config_option, use_config
from harness.database import open_database


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8600, show_default=True, type=click.IntRange(0, 65535), help="Port.")
@config_option
@dsn_option
def serve(host: str, port: int, config_path: Path | None, dsn: str | None) -> int:
    """Serve the ledger read-only over HTTP: runs, reports, gate, metrics, health.

    Pages: / (the runs; ?verdict=READY, ?pair=CANDIDATE|HASH), /runs/RUN (its HTML report),
    /runs/RUN.json (its run document), /gate (both gates), /metrics (Prometheus text of the
    latest run), /health. Every request verifies the ledger's hash chain first and refuses
    a broken one. Listens on 127.0.0.1 unless --host says otherwise; there is no login.

    \b
    Example:
      harness serve
      harness serve --port 9000 --dsn postgresql://reader@db/books
    """
    import uvicorn

    from harness.serve import create_app

    config = use_config(config_path)
    if not _loopback(host):
        echo_err(f"warning: listening on {host}: anyone who can reach it reads the ledger (no login)")
    with open_database(dsn) as database:
        echo_err(f"serving the ledger of {database.display_uri} on http://{host}:{port}/ (Ctrl-C stops)")
        uvicorn.run(create_app(database, config), host=host, port=port, log_level="warning")
    return EXIT_OK


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
