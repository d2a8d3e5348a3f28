"""Snapshot tests of the rendered HTML (datacompy tests/test_report_snapshots.py style).

The documents carry injected run ids and times, so a render is byte-stable. To accept a
deliberate change of the report, regenerate and review the diff:

    HARNESS_UPDATE_SNAPSHOTS=1 pytest tests/reports/test_html_snapshots.py

A missing snapshot fails (it is never created silently).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from reports import render_html
from tests.reports.documents import BUILDERS, document

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("HARNESS_UPDATE_SNAPSHOTS") == "1"
INJECTED = {
    "run_id": "20991231_235959_snap",
    "started_at": "2099-12-31T23:59:59+00:00",
    "finished_at": "2100-01-01T00:01:09+00:00",
}


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    if not path.exists():
        pytest.fail(
            f"snapshot tests/reports/snapshots/{name} is missing; create it with "
            "'HARNESS_UPDATE_SNAPSHOTS=1 pytest tests/reports/test_html_snapshots.py', "
            "then review and commit it"
        )
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=f"snapshots/{name}",
                    tofile="rendered",
                    n=2,
                )
            )[:80]
        )
        pytest.fail(
            f"the rendered report differs from snapshots/{name}; if the change is intended, "
            f"regenerate with HARNESS_UPDATE_SNAPSHOTS=1 and review the diff:\n{diff}"
        )


@pytest.mark.parametrize("kind", list(BUILDERS), ids=[f"doc={k}" for k in BUILDERS])
def test_html_snapshot(kind: str) -> None:
    html = render_html(document(kind, **INJECTED))
    assert INJECTED["run_id"] in html and INJECTED["started_at"] in html
    check_snapshot(f"{kind}.html", html)


def test_a_missing_snapshot_fails_with_how_to_create_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(f"{__name__}.SNAPSHOTS", tmp_path)
    monkeypatch.setattr(f"{__name__}.UPDATE", False)
    with pytest.raises(pytest.fail.Exception, match="HARNESS_UPDATE_SNAPSHOTS=1"):
        check_snapshot("absent.html", "<html></html>")
    assert not (tmp_path / "absent.html").exists()


def test_a_changed_report_fails_with_a_diff(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(f"{__name__}.SNAPSHOTS", tmp_path)
    monkeypatch.setattr(f"{__name__}.UPDATE", False)
    (tmp_path / "old.html").write_text("<p>READY</p>\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)-<p>READY</p>.*\+<p>NOT READY</p>"):
        check_snapshot("old.html", "<p>NOT READY</p>\n")
