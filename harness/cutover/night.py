"""One cutover date: checks, the one-date parallel run, the choice of books, the publish.

Production is written once per date, in one transaction that also appends the cutover
entry: killed before it commits, the books and the source are as before the date (the
run's schemas are left over, 'harness db clean' drops them); after, the date is published
and recorded. Export files are copied after the commit from the run's own directory and
their hashes are in the entry: a rerun of a published date writes them again.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlglot import exp

from harness import ledger
from harness.config import Config
from harness.cutover.guard import guard, ledger_unmoved, new_rows
from harness.cutover.publish import publish
from harness.database import Connection, Database, first_line
from harness.errors import CutoverError
from harness.execution import install_side, schema_exists
from harness.history import run_document
from harness.ledger.entries import CutoverPublished, CutoverVerdict
from harness.ledger.runs import published_dates, read_run
from harness.manifest import Side
from harness.progress import Progress
from harness.run_drop import drop_run_objects
from harness.run_plan import RunRequest
from harness.run_start import RunState
from harness.rundoc import build_document
from harness.runner import Runner
from harness.source_config import OpeningTable

PUBLISH_LOCK = "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('harness cutover publish'))"


@dataclass(frozen=True)
class CutoverResult:
    business_date: date
    run_id: str
    entry: CutoverPublished
    exports: tuple[Path, ...] = ()
    already: bool = False  # published by an earlier invocation; only its exports written again
    out_dir: Path | None = None  # the date's run directory (reports), None when already published
    document: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def verdict(self) -> CutoverVerdict:
        return self.entry.verdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "already_published": self.already,
            **self.entry.to_body(),
            "export_files": [str(p) for p in self.exports],
        }


def primary_side(config: Config) -> Side:
    """The side whose books a cutover date publishes (and whose layout the books have)."""
    return config.candidate if config.cutover.primary == "candidate" else config.control


def books_schema(config: Config) -> str:
    return config.cutover.books_schema or primary_side(config).name


class Cutover:
    def __init__(self, database: Database, config: Config, progress: Progress) -> None:
        self.database, self.config, self.progress = database, config, progress
        self.books = books_schema(config)
        self._books_side = primary_side(config)
        self._published = (config.cutover, config.source)
        _check_compared(config)

    def process(self, day: date, export_dir: Path | None, out_dir: Path | None = None) -> CutoverResult:
        with self.database.connect() as conn:
            ledger.ensure_ledger(conn)
            published = published_dates(conn)
            done = published.get((self.books, day.isoformat()))
            if done is not None:
                return self._again(done[0], done[1], export_dir)
            self._check(conn, day, set(published))
            self._ensure_books(conn)
        state = Runner(self.database, self._run_config(), self.progress).run(self._request(day, out_dir))
        with self.database.connect() as conn:
            try:
                result = self._publish(conn, state, day)
            finally:
                self._drop(conn, state)
        try:
            exports = copy_exports(result.entry, export_dir)
        except OSError as exc:
            raise CutoverError(
                f"{day} is published, but writing its export files to {export_dir} failed: {exc.strerror}; "
                f"write them with: harness cutover --date {day} --export DIR"
            ) from exc
        return replace(result, exports=exports, out_dir=state.out_dir)

    # ---- before the run ----------------------------------------------------------------------
    def _check(self, conn: Connection, day: date, published: set[tuple[str, str]]) -> None:
        """``published``: (books schema, date) of every published cutover date."""
        later = sorted(d for (schema, d) in published if schema == self.books and d > day.isoformat())
        if later:
            raise CutoverError(
                f"{later[-1]} is already published in {self.books}; a cutover goes forward in date order"
            )
        new, total = new_rows(conn, self.config, day)
        table = (
            f"{self.config.source.schema}.{self.config.source.date_table[0]}"
            if self.config.source.date_table
            else ""
        )
        if total == 0:
            raise CutoverError(f"no rows for {day} in {table}; load the date's input first")
        if new != total:
            raise CutoverError(
                f"{total - new} of {total} rows of {day} in {table} were processed outside "
                "the cutover (harness process?); a cutover date must be new to production"
            )
        elsewhere = sorted({schema for schema, _ in published if schema != self.books})
        if elsewhere:
            raise CutoverError(
                f"the cutover publishes into {', '.join(elsewhere)}, not {self.books}; "
                "set [cutover] books_schema to it (a second books schema would fork the books)"
            )

    def _ensure_books(self, conn: Connection) -> None:
        if not schema_exists(conn, self.books):
            side = self._books_side
            self.progress.line(f"installing {side.name} into the books schema {self.books!r}")
            install_side(conn, side, self.books)

    def _run_config(self) -> Config:
        """The config whose sides start from the production books as they stand."""
        opening = tuple(OpeningTable(t, self.books, "") for t in self.config.cutover.books)
        return replace(self.config, source=replace(self.config.source, opening=opening))

    def _request(self, day: date, out_dir: Path | None) -> RunRequest:
        return RunRequest(
            dates=(day,),
            out_dir=out_dir,
            keep_schemas=True,  # the published side's schema is read after the run, then dropped
            announce_kept=False,
            command_line=" ".join(["harness", *sys.argv[1:]]),
        )

    def _drop(self, conn: Connection, state: RunState) -> None:
        try:
            left = drop_run_objects(self.database, state)
        except psycopg.Error as exc:  # the date's outcome stands; only the clean-up failed
            left = f"the run's schemas were not dropped ({first_line(exc)}); harness db clean"
        if left:
            self.progress.line(f"note: {left}")

    # ---- after the run -----------------------------------------------------------------------
    def _publish(self, conn: Connection, state: RunState, day: date) -> CutoverResult:
        record = read_run(conn, state.run_id)  # one verified read serves the document and executions
        doc = build_document(record)
        executions = {e.label: e for e in record.executions}
        failed = {
            s.label: (executions[s.label].error or "failed")
            if s.label in executions
            else "no execution recorded"
            for s in state.spaces
            if s.label not in executions or executions[s.label].failed
        }
        label, verdict, reasons = choose(self.config, doc, failed)
        space = next(s for s in state.spaces if s.label == label)
        exports = _export_hashes([state.out_dir / "exports" / label / n for n in executions[label].exports])
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(PUBLISH_LOCK)
            if (self.books, day.isoformat()) in published_dates(conn):
                raise CutoverError(f"{day} was published by another cutover meanwhile; nothing published")
            before = ledger.head(conn)
            guard(conn, self.config, self.books, space, day, doc["provenance"]["input_fingerprints"])
            try:
                rows = publish(conn, self._books_side, space.schema, self.books, *self._published, day)
            except (psycopg.Error, CutoverError) as exc:
                failure = f"publishing {day} from {space.side.name} failed: {first_line(exc)}"
                raise CutoverError(f"{failure}; nothing of the date was published") from exc
            entry = CutoverPublished(
                business_date=day.isoformat(),
                books_schema=self.books,
                primary=self.config.cutover.primary,
                published_by=label,
                side=space.side.name,
                verdict=verdict,
                reasons=reasons,
                rows=rows,
                exports=exports,
                publish_seconds=time.perf_counter() - started,
                published_at=datetime.now(UTC).isoformat(),
            )
            ledger_unmoved(conn, before)
            ledger.append(conn, state.run_id, entry)
        return CutoverResult(day, state.run_id, entry, document=run_document(conn, state.run_id))

    def _again(self, run_id: str, entry: CutoverPublished, export_dir: Path | None) -> CutoverResult:
        self.progress.line(f"{entry.business_date} is already published by {entry.side} ({entry.verdict})")
        exports = copy_exports(entry, export_dir)
        return CutoverResult(date.fromisoformat(entry.business_date), run_id, entry, exports, already=True)


def _check_compared(config: Config) -> None:
    """A published table no entity reads would be published unchecked: CLEAN would not cover it."""
    read = {t.name for spec in config.entities for t in spec.parsed.find_all(exp.Table)}
    unread = [t for t in config.cutover.books if t not in read]
    if unread:
        raise CutoverError(
            f"[cutover] books lists {', '.join(unread)}, which no [[entities]] query reads: "
            "a published table must be compared"
        )


def choose(
    config: Config, doc: dict[str, Any], failed: dict[str, str]
) -> tuple[str, CutoverVerdict, list[str]]:
    """The side whose books the date publishes, the cutover verdict, and why. ``failed``:
    label -> error of each side that did not produce the date."""
    primary, shadow = config.cutover.primary, config.cutover.shadow
    if primary in failed:
        why = f"the primary ({primary}) did not produce the date: {failed[primary]}"
        if shadow in failed:
            raise CutoverError(f"{why}; nor did the shadow: {failed[shadow]}; nothing was published")
        return shadow, CutoverVerdict.FELL_BACK, [why]
    if doc["verdict"]["ready"]:
        return primary, CutoverVerdict.CLEAN, []
    reasons = list(doc["verdict"]["reasons"])
    if config.cutover.on_mismatch == "fallback" and shadow not in failed:
        return shadow, CutoverVerdict.FELL_BACK, reasons
    return primary, CutoverVerdict.NOT_CLEAN, reasons


def _export_hashes(paths: list[Path]) -> list[dict[str, str]]:
    return [
        {
            "name": Path(p).name,
            "path": str(Path(p).resolve()),
            "sha256": hashlib.sha256(Path(p).read_bytes()).hexdigest(),
        }
        for p in paths
    ]


def copy_exports(entry: CutoverPublished, export_dir: Path | None) -> tuple[Path, ...]:
    """The published side's export files into ``export_dir``, checked against the entry."""
    if export_dir is None:
        return ()
    export_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for item in entry.exports:
        origin = Path(item["path"])
        if not origin.is_file() or hashlib.sha256(origin.read_bytes()).hexdigest() != item["sha256"]:
            raise CutoverError(f"the published export {origin} is missing or changed since it was published")
        target = export_dir / item["name"]
        partial = target.with_suffix(target.suffix + ".partial")
        shutil.copyfile(origin, partial)
        partial.replace(target)  # a reader never sees half a file
        written.append(target)
    return tuple(written)
