"""The real server (uvicorn on a free port) in headless Chromium: the runs page and a report."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from harness.serve import create_app
from tests.harness.serve.conftest import Recorded
from tests.reports.test_browser import CONSOLE, headless


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def base_url(recorded: Recorded) -> Iterator[str]:
    port = _free_port()
    app = create_app(recorded.db.as_database(), recorded.config)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def dump_dom(url: str, tmp_path: Path) -> tuple[str, list[str]]:
    done = headless(url, tmp_path, "--dump-dom")
    return done.stdout, [line for line in done.stderr.splitlines() if CONSOLE.search(line)]


def test_runs_and_report_load_in_chromium(base_url: str, recorded: Recorded, tmp_path: Path) -> None:
    dom, console = dump_dom(f"{base_url}/", tmp_path)
    assert console == [], "console messages:\n" + "\n".join(console)
    assert f'href="/runs/{recorded.run_id}"' in dom
    dom, console = dump_dom(f"{base_url}/runs/{recorded.run_id}", tmp_path)
    assert console == [], "console messages:\n" + "\n".join(console)
    assert recorded.run_id in dom
    assert recorded.doc["verdict"]["label"] in dom
