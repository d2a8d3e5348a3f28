"""The report in headless Chromium: loads without console errors, verdict and charts visible.

Needs Debian's `chromium` (.ci/run installs it when missing). A missing browser fails the
test rather than skipping it, so CI cannot pass without having looked at the page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reports import render_html
from reports.charts import CANDIDATE_COLOR, CONTROL_COLOR
from tests.reports.documents import document
from tests.reports.png import read_png

MISMATCH_RED = "#c42b1c"
MATCH_GREEN = "#1a7f37"
"""Verdict banner colours (--mismatch and --match in templates/_style.css)."""
WIDTH, HEIGHT = 1280, 2000
CONSOLE = re.compile(r":CONSOLE[:(\]]")


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "chromium is not installed; install it with 'apt-get install -y chromium' (.ci/run does this)"
        )
    return path


def run_chromium(html: Path, tmp_path: Path, *action: str) -> str:
    """Open `html` headless with networking off; the browser's log (console messages included)."""
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *action,
        html.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"chromium exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done.stderr


def screenshot(doc: dict[str, Any], tmp_path: Path) -> tuple[Path, list[str]]:
    html = tmp_path / "report.html"
    html.write_text(render_html(doc), encoding="utf-8")
    png = tmp_path / "report.png"
    log = run_chromium(html, tmp_path, f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}")
    return png, [line for line in log.splitlines() if CONSOLE.search(line)]


def test_not_ready_report_renders_with_verdict_and_charts(
    not_ready_doc: dict[str, Any], tmp_path: Path
) -> None:
    png, console = screenshot(not_ready_doc, tmp_path)
    assert console == [], "console messages:\n" + "\n".join(console)
    image = read_png(png)
    assert (image.width, image.height) == (WIDTH, HEIGHT)
    assert image.distinct_colors() > 50, "the page looks blank"
    banner = image.first_row(MISMATCH_RED, min_pixels=200)
    assert banner is not None and banner < 200, f"the NOT READY banner should open the page (row {banner})"
    assert image.count(CONTROL_COLOR) > 20_000, "control bars not drawn"
    assert image.count(CANDIDATE_COLOR) > 1_000, "candidate bars not drawn"


def test_ready_report_shows_a_green_verdict(ready_doc: dict[str, Any], tmp_path: Path) -> None:
    png, console = screenshot(ready_doc, tmp_path)
    assert console == []
    image = read_png(png)
    banner = image.first_row(MATCH_GREEN, min_pixels=200)
    assert banner is not None and banner < 200
    assert image.count(MISMATCH_RED, bottom=400) == 0


def test_the_browser_reports_console_messages(tmp_path: Path) -> None:
    """The check above can see a failure: a blocked external image is logged to the console."""
    report = render_html(document("ready"))
    html = tmp_path / "bad.html"
    html.write_text(
        report.replace("<main>", '<main><img src="http://example.invalid/x.png" alt="">', 1), encoding="utf-8"
    )
    log = run_chromium(html, tmp_path, f"--screenshot={tmp_path / 'bad.png'}", "--window-size=400,300")
    assert [line for line in log.splitlines() if CONSOLE.search(line)], log[-2000:]


def test_prints_to_pdf(not_ready_doc: dict[str, Any], tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    html.write_text(render_html(not_ready_doc), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    run_chromium(html, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = [int(n) for n in re.findall(rb"/Count (\d+)", data)]
    assert pages and 3 <= max(pages) <= 12, pages
