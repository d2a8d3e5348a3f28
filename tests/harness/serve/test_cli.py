"""``harness serve`` as a process: listens on the port given, answers, stops on SIGTERM."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from tests.harness.serve.conftest import Recorded
from tests.harness.serve.test_browser import _free_port


def test_serve_command_answers(recorded: Recorded) -> None:
    port = _free_port()
    argv = [sys.executable, "-m", "harness", "serve", "--dsn", recorded.db.uri, "--port", str(port)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = _get(f"http://127.0.0.1:{port}/health", process)
        assert body.startswith("ok seq=")
        assert recorded.run_id in _get(f"http://127.0.0.1:{port}/", process)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert f"on http://127.0.0.1:{port}/" in err
    assert "password" not in err.lower() or "***" in err


def _get(url: str, process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode())
        except OSError:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, f"{url} did not answer"
            time.sleep(0.1)
