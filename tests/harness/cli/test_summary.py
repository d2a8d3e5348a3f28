"""The console summary of a run (harness run, harness show), colour and the global -q/-v options."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import click
import pytest

from harness.cli import cli, run
from harness.cli.common import echo_err
from harness.cli.output import print_summary, wrapped
from harness.cli.style import color_setting, verdict, verdicts
from harness.progress import CONSOLE, QUIET, VERBOSE, Progress
from tests.conftest import TestDatabase
from tests.harness.runs import seed_small
from tests.helpers import invoke
from tests.reports.documents import document
from tests.reports.parts import ENTITIES, comparison

ESC = "\x1b["
GL_ERROR = "enhanced failed in phase 'GL posting' on 2024-03-02: division by zero"
LEGEND = [
    "entities: 1 journals, 2 gl_entries, 3 vouchers, 4 voucher_lines, 5 journal_errors,",
    "          6 transaction_status, 7 export",
    "date         control s  cand. s  speedup      1     2     3     4     5     6     7",
]


EVIDENCE = ("coverage: ", "trend: ")


def summary(
    capsys: pytest.CaptureFixture[str],
    doc: dict[str, Any],
    report: Path | None = None,
    evidence: bool = False,
) -> list[str]:
    """The summary's lines; without the evidence lines (coverage, trend) unless asked for,
    which test_the_evidence_lines_count_the_cells_and_name_the_first_regression checks."""
    capsys.readouterr()
    print_summary(doc, report)
    lines = capsys.readouterr().out.splitlines()
    return lines if evidence else [line for line in lines if not line.startswith(EVIDENCE)]


def test_the_evidence_lines_count_the_cells_and_name_the_first_regression(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = [
        line for line in summary(capsys, document("not-ready"), evidence=True) if line.startswith(EVIDENCE)
    ]
    assert lines[0] == "coverage: 3 case(s), 8 cell(s) exercised; 3 differ"
    assert lines[1].startswith("trend: 2024-03-01 candidate") and lines[1].endswith("more in the report)")
    failed = [
        line for line in summary(capsys, document("failed"), evidence=True) if line.startswith("coverage")
    ]
    assert failed == ["coverage: 3 case(s), 8 cell(s) exercised; 8 unjudged"]


def test_not_ready_summary_numbers_the_columns_names_the_codes_and_the_accepted_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert summary(capsys, document("not-ready")) == [
        *LEGEND,
        "2024-03-01        1.91     0.12    15.9x    acc    ok    ok    ok    ok    ok    ok",
        "2024-03-02        2.04     0.13    15.7x     ok  DIFF    ok    ok    ok    ok    ok",
        "codes: ok = MATCH, acc = ACCEPTED, DIFF = MISMATCH",
        "run 20240301_101500_ab12 (completed): NOT READY; 12 MATCH, 1 ACCEPTED, 1 MISMATCH",
        "  - 2024-03-02 gl_entries: MISMATCH (4 different rows, 1 control-only row)",
        "  - accepted difference jpy-rounding-2023 is stale: it matched no row",
        "  - accepted difference voucher-description-trim expired on 2024-02-29",
        "  ACCEPTED journals: legacy-json-escaping covered 5 row(s) on 2024-03-01",
    ]


def test_the_next_line_opens_the_report_by_its_absolute_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = summary(capsys, document("ready"), Path("harness-report/RUN/report.html"))
    assert lines[-3:] == [
        "run 20240301_101500_ab12 (completed): READY; 13 MATCH, 1 ACCEPTED",
        "  ACCEPTED journals: legacy-json-escaping covered 5 row(s) on 2024-03-01",
        f"next: open {(tmp_path / 'harness-report/RUN/report.html').as_uri()} · harness gate · harness history",
    ]
    assert lines[-1].startswith("next: open file:///")


def test_entity_names_head_the_columns_when_they_fit(capsys: pytest.CaptureFixture[str]) -> None:
    doc = document("ready")
    doc["entities"] = ["journals", "transaction_status", "export"]
    for row in doc["matrix"]:
        row["cells"] = [c for c in row["cells"] if c["entity"] in doc["entities"]]
    doc["matrix"][1]["cells"][2]["verdict"] = "NOT RUN"
    assert summary(capsys, doc)[:4] == [
        "date         control s  cand. s  speedup  journals transaction_status export",
        "2024-03-01        1.91     0.12    15.9x       acc                 ok     ok",
        "2024-03-02        2.04     0.13    15.7x        ok                 ok      -",
        "codes: ok = MATCH, acc = ACCEPTED, - = NOT RUN",
    ]


def failed_document(both_sides: bool = False) -> dict[str, Any]:
    """The candidate failed on 2024-03-02 (the control too if both_sides), the reasons as
    harness.rundoc words them: one per FAILED entity, the whole books' too."""
    doc = document("failed")
    if both_sides:
        doc["timings"][1]["control"] = {**doc["timings"][1]["candidate"], "error": "legacy timed out"}
    doc["books"] = [comparison("2024-03-02", "journals", "FAILED", scope="books", error=GL_ERROR)]
    doc["verdict"]["reasons"] = [
        "1 date(s) not compared: 2024-03-03",
        *(f"2024-03-02 {entity}: FAILED ({GL_ERROR})" for entity in ENTITIES),
        f"whole books after 2024-03-02 journals: FAILED ({GL_ERROR})",
        "run interrupted",
    ]
    return doc


def test_a_failed_side_is_one_line_per_date_not_one_per_entity(capsys: pytest.CaptureFixture[str]) -> None:
    lines = summary(capsys, failed_document())
    assert lines[3:] == [
        "2024-03-01        1.91     0.12    15.9x    acc    ok    ok    ok    ok    ok    ok",
        "2024-03-02        2.04   FAILED        -   FAIL  FAIL  FAIL  FAIL  FAIL  FAIL  FAIL",
        "codes: ok = MATCH, acc = ACCEPTED, FAIL = FAILED",
        "run 20240301_101500_ab12 (interrupted): NOT READY; 6 MATCH, 1 ACCEPTED, 7 FAILED",
        "  - 1 date(s) not compared: 2024-03-03",
        f"  - 2024-03-02 candidate: FAILED ({GL_ERROR})",
        "  - run interrupted",
        "  ACCEPTED journals: legacy-json-escaping covered 5 row(s) on 2024-03-01",
    ]


def test_both_sides_failing_on_a_date_is_a_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    lines = summary(capsys, failed_document(both_sides=True))
    assert lines[4] == "2024-03-02      FAILED   FAILED        -   FAIL  FAIL  FAIL  FAIL  FAIL  FAIL  FAIL"
    assert lines[8:11] == [
        "  - 2024-03-02 control: FAILED (legacy timed out)",
        f"  - 2024-03-02 candidate: FAILED ({GL_ERROR})",
        "  - run interrupted",
    ]


def many_reasons() -> dict[str, Any]:
    doc = document("not-ready")
    doc["verdict"]["reasons"] = [f"reason {n}" for n in range(1, 13)]
    return doc


def test_ten_reasons_are_shown_and_all_with_verbose(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = summary(capsys, many_reasons())
    assert lines[-3:] == [
        "  - reason 10",
        "  ... and 2 more (see the report, or: harness -v show 20240301_101500_ab12)",
        "  ACCEPTED journals: legacy-json-escaping covered 5 row(s) on 2024-03-01",
    ]
    monkeypatch.setattr(CONSOLE, "verbosity", VERBOSE)
    assert summary(capsys, many_reasons())[-3:] == [
        "  - reason 11",
        "  - reason 12",
        "  ACCEPTED journals: legacy-json-escaping covered 5 row(s) on 2024-03-01",
    ]


def test_an_accepted_difference_over_many_dates_shows_their_span(capsys: pytest.CaptureFixture[str]) -> None:
    doc = document("ready")
    days = ["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-06"]
    doc["comparisons"] = [
        comparison(day, "journals", "ACCEPTED", accepted={"legacy-json-escaping": 2, "unused": 0})
        for day in days
    ] + [comparison("2024-03-01", "gl_entries", "MISMATCH", accepted={"jpy-rounding": 3})]
    assert summary(capsys, doc)[-2:] == [
        "  ACCEPTED journals: legacy-json-escaping covered 8 row(s) on 4 dates, 2024-03-01..2024-03-06",
        "  ACCEPTED gl_entries: jpy-rounding covered 3 row(s) on 2024-03-01",
    ]


def test_no_colour_by_default_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert ESC not in "\n".join(summary(capsys, document("not-ready")))


def test_verdict_words_are_coloured_with_color(capsys: pytest.CaptureFixture[str]) -> None:
    with click.Context(cli, color=True):
        out = "\n".join(summary(capsys, document("not-ready")))
    assert "run 20240301_101500_ab12 (completed): \x1b[31mNOT READY\x1b[0m; 12 \x1b[32mMATCH\x1b[0m" in out
    assert "     \x1b[32mok\x1b[0m  \x1b[31mDIFF\x1b[0m    \x1b[32mok\x1b[0m" in out
    assert "  - 2024-03-02 gl_entries: \x1b[31mMISMATCH\x1b[0m (4 different rows" in out
    assert "  \x1b[32mACCEPTED\x1b[0m journals: " in out
    assert click.unstyle(out).splitlines() == summary(capsys, document("not-ready"))


@pytest.mark.parametrize(
    ("word", "colour"),
    [
        ("READY", 32),
        ("CLEAN", 32),
        ("NOT READY", 31),
        ("NOT CLEAN", 31),
        ("REWRITTEN", 31),
        ("NO_OUTPUT", 31),
        ("INCOMPLETE", 33),
        ("FELL BACK", 33),
    ],
)
def test_verdict_colours(word: str, colour: int) -> None:
    with click.Context(cli, color=True):
        assert verdict(word) == f"\x1b[{colour}m{word}\x1b[0m"
        assert verdicts(f"x: {word}; y") == f"x: \x1b[{colour}m{word}\x1b[0m; y"
    with click.Context(cli, color=False):
        assert verdict(word) == word


def test_only_whole_verdict_words_are_coloured_in_text() -> None:
    with click.Context(cli, color=True):
        assert verdicts("MATCHED, a_MISMATCH, ready, NOT-READY") == "MATCHED, a_MISMATCH, ready, NOT-READY"


@pytest.mark.parametrize(
    ("flag", "environ", "setting"),
    [
        (None, {}, None),
        (None, {"NO_COLOR": ""}, None),
        (None, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": "1"}, True),
        (False, {}, False),
    ],
)
def test_color_setting(flag: bool | None, environ: dict[str, str], setting: bool | None) -> None:
    assert color_setting(flag, environ) is setting


def test_no_color_outside_a_command_when_no_color_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert verdict("READY") == "READY"


def test_wrapped_never_splits_an_item() -> None:
    assert wrapped("codes: ", ["aaaa", "bbbb", "cc"], width=18) == ["codes: aaaa, bbbb,", "       cc"]
    assert wrapped("x: ", ["a-very-long-item", "b"], width=5) == ["x: a-very-long-item,", "   b"]


def test_quiet_progress_and_echo_err(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CONSOLE, "verbosity", QUIET)
    stream = io.StringIO()
    Progress(stream).line("a date done")
    echo_err("installing")
    assert (stream.getvalue(), capsys.readouterr().err) == ("", "")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_verbose_keeps_each_phase_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = Terminal()
    Progress(stream).status("phase one")
    assert stream.getvalue().startswith("\r[")
    monkeypatch.setattr(CONSOLE, "verbosity", VERBOSE)
    stream = Terminal()
    Progress(stream).status("phase one")
    assert stream.getvalue().startswith("[") and stream.getvalue().endswith(" phase one\n")


@pytest.fixture(scope="module")
def quiet_run(module_db: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """One run with the global -q: its exit code and stderr."""
    seed_small(module_db)
    out = tmp_path_factory.mktemp("quiet") / "report"
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        code = run(["-q", "run", "--dsn", module_db.uri, "--dates", "2024-03-01", "--out", str(out)])
    yield code, err.getvalue()


def test_global_quiet_leaves_no_progress_line(quiet_run: tuple[int, str]) -> None:
    code, err = quiet_run
    assert code == 0, err
    assert [line for line in err.splitlines() if line.startswith("[")] == []


@pytest.mark.parametrize(
    ("args", "terminal", "no_color", "coloured"),
    [
        ((), False, "", False),
        (("--color",), False, "", True),
        ((), True, "", True),
        ((), True, "1", False),
        (("--no-color",), True, "", False),
        (("--color",), True, "1", True),
    ],
)
def test_show_colours_on_a_terminal_or_with_color_only(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    module_db: TestDatabase,
    quiet_run: tuple[int, str],
    args: tuple[str, ...],
    terminal: bool,
    no_color: str,
    coloured: bool,
) -> None:
    monkeypatch.setattr("click._compat.isatty", lambda _stream: terminal)
    monkeypatch.setenv("NO_COLOR", no_color)
    result = invoke(capsys, *args, "show", "--dsn", module_db.uri)
    assert result.code == 0, result.err
    assert (" (completed): \x1b[32mREADY\x1b[0m; " in result.out) is coloured
    assert (ESC in result.out) is coloured
