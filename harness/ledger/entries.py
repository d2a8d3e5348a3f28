"""What the ledger records, one frozen dataclass per entry kind, versioned.

Every writer builds one of these and appends ``to_body()``; every reader turns a stored
body back into one with ``read_entry`` (the dbt artifacts pattern): a body written by an
older harness carries an older ``schema_version`` (none at all before version 2) and is
upgraded, step by step, before it is typed, so old ledgers still render.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, Self

from comparisons.result import Verdict
from harness.errors import LedgerError

SCHEMA_VERSION = 3
Body = dict[str, Any]


class EntryKind(StrEnum):
    RUN_STARTED = "run_started"
    RUN_RESUMED = "run_resumed"
    EXECUTION = "execution"
    COMPARISON = "comparison"
    DATE_FINISHED = "date_finished"
    RUN_FINISHED = "run_finished"
    CUTOVER = "cutover"


class RunStatus(StrEnum):
    RUNNING = "running"  # no finish entry (yet): still running, or killed
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class ExecutionStatus(StrEnum):
    OK = "OK"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Record:
    """Base of every entry kind: the (de)serialisation shared by all of them."""

    KIND: ClassVar[EntryKind]
    # Fields stored as plain strings and typed again on reading.
    ENUMS: ClassVar[dict[str, type[StrEnum]]] = {}

    def __post_init__(self) -> None:
        for name, kind in self.ENUMS.items():
            object.__setattr__(self, name, kind(getattr(self, name)))

    def to_body(self) -> Body:
        body = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        return {**body, "schema_version": SCHEMA_VERSION}

    @classmethod
    def from_body(cls, body: Body) -> Self:
        current = upgrade(cls.KIND, body)
        names = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in current.items() if k in names})
        except TypeError as exc:
            raise LedgerError(f"a {cls.KIND} entry lacks a field: {exc}") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class RunStarted(Record):
    KIND: ClassVar[EntryKind] = EntryKind.RUN_STARTED
    run_id: str
    started_at: str
    dates: list[str]
    out_dir: str
    harness_version: str
    command_line: str
    user: str
    host: str
    config: dict[str, Any]
    sides: dict[str, Any]
    isolation: dict[str, Any]
    input_fingerprints: dict[str, Any]
    source_fingerprints: dict[str, Any]
    server: dict[str, Any]
    settings: dict[str, str]
    options: dict[str, Any]
    setup_seconds: float = 0.0
    entities: list[str] = field(default_factory=list)  # planned per date; empty before version 2
    # entity -> {lineage name: column} as the config declared it; empty before lineage existed
    lineage: dict[str, dict[str, str]] = field(default_factory=dict)
    # {"table", "label"}: what a date's input rows are counted in ([source] unit); None: not declared
    unit: dict[str, str] | None = None
    invariants_title: str = "invariants"
    method: dict[str, Any] = field(default_factory=dict)  # harness.method; empty before version 3
    # source/control/candidate -> where and what each server is, when not all on the ledger's
    servers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResumed(Record):
    KIND: ClassVar[EntryKind] = EntryKind.RUN_RESUMED
    resumed_at: str


@dataclass(frozen=True)
class SideExecution(Record):
    """One side's processing of one date."""

    KIND: ClassVar[EntryKind] = EntryKind.EXECUTION
    ENUMS: ClassVar[dict[str, type[StrEnum]]] = {"status": ExecutionStatus}
    business_date: str
    label: str
    side: str
    status: ExecutionStatus
    error: str | None
    seconds: float
    phases: list[dict[str, Any]]
    logged_phases: list[dict[str, Any]]
    exports: list[str]
    role: str | None = None
    sqlstate: str | None = None
    session: dict[str, Any] = field(default_factory=dict)
    # {"seconds", "phases"} of every timed execution (--repeat), the recorded one last; [] for one
    samples: list[dict[str, Any]] = field(default_factory=list)
    # the phases' query plans (harness.plans, --plans), on the run's first date only
    plans: dict[str, Any] | None = None
    # the side's functions' calls and times on the date (pg_stat_xact_user_functions), slowest first
    functions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status is ExecutionStatus.FAILED


BOOKS = "books"


@dataclass(frozen=True)
class Comparison(Record):
    """One entity on one date: the comparison result (comparisons.EntityResult's shape)."""

    KIND: ClassVar[EntryKind] = EntryKind.COMPARISON
    ENUMS: ClassVar[dict[str, type[StrEnum]]] = {"verdict": Verdict}
    business_date: str
    entity: str
    verdict: Verdict
    key: list[str]
    counts: dict[str, int] | None
    columns: list[dict[str, Any]]
    patterns: list[dict[str, Any]]
    samples: list[dict[str, Any]]
    accepted: dict[str, int]
    error: str | None = None
    # added without a version step: entries written before simply have none
    expectation_unmet: dict[str, int] = field(default_factory=dict)
    schema: list[dict[str, Any]] = field(default_factory=list)
    # DATE: the rows of business_date; BOOKS: every row both sides' books hold once the run's
    # last date (business_date) was processed (harness.books)
    scope: str = "date"
    seconds: float = 0.0  # this comparison's own time (both stages, classification, samples)
    # {"rows", "digest"}: the fingerprint of its differing keys as recorded (harness.ledger.keys),
    # so the list kept beside the chain is verified against the chain; None when not recorded
    key_list: dict[str, Any] | None = None

    @property
    def whole_books(self) -> bool:
        return self.scope == BOOKS

    @classmethod
    def failed(cls, business_date: str, entity: str, key: list[str], error: str) -> Comparison:
        return cls(business_date, entity, Verdict.FAILED, key, None, [], [], [], {}, error)


@dataclass(frozen=True)
class DateFinished(Record):
    KIND: ClassVar[EntryKind] = EntryKind.DATE_FINISHED
    business_date: str
    input_rows: int | None  # of the declared unit on the date; None when no unit is declared
    verdicts: dict[str, int]
    invariants: list[dict[str, Any]]
    compare_seconds: float = 0.0  # loading exports, comparing, invariants and the drift check
    drift_seconds: float = 0.0  # of which the books drift check of the earlier dates
    # the business cases' cells on the date (harness.coverage): added without a version step
    cases: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RunFinished(Record):
    KIND: ClassVar[EntryKind] = EntryKind.RUN_FINISHED
    ENUMS: ClassVar[dict[str, type[StrEnum]]] = {"status": RunStatus}
    status: RunStatus
    finished_at: str
    dates_recorded: int
    source_fingerprints: dict[str, Any]
    accepted_differences: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    books_seconds: float = 0.0  # the whole-books comparison (harness.books)


class CutoverVerdict(StrEnum):
    CLEAN = "CLEAN"  # the shadow agreed: the primary's books published
    NOT_CLEAN = "NOT CLEAN"  # they disagreed; on_mismatch = alert: the primary's books published
    FELL_BACK = "FELL BACK"  # the shadow's books published (primary failed, or on_mismatch = fallback)


@dataclass(frozen=True)
class CutoverPublished(Record):
    """One cutover date published into the production books, written in the publishing
    transaction itself: the books hold the date if and only if this entry exists."""

    KIND: ClassVar[EntryKind] = EntryKind.CUTOVER
    ENUMS: ClassVar[dict[str, type[StrEnum]]] = {"verdict": CutoverVerdict}
    business_date: str
    books_schema: str
    primary: str  # label: control | candidate
    published_by: str  # label of the side whose books were published
    side: str  # that side's name
    verdict: CutoverVerdict
    reasons: list[str]
    rows: dict[str, int]  # table -> rows published
    exports: list[dict[str, str]]  # {"name", "sha256"} of the published export files
    publish_seconds: float
    published_at: str


RECORDS: dict[EntryKind, type[Record]] = {
    r.KIND: r
    for r in (RunStarted, RunResumed, SideExecution, Comparison, DateFinished, RunFinished, CutoverPublished)
}


def read_entry(kind: str, body: Body) -> Record:
    """The typed record of a stored (kind, body), upgraded to the current version."""
    try:
        record = RECORDS[EntryKind(kind)]
    except ValueError as exc:
        raise LedgerError(
            f"unknown ledger entry kind {kind!r}; is this ledger newer than the harness?"
        ) from exc
    return record.from_body(body)


# ---- upgrades: one function per version step, applied in order ----------------------------
def _v1_to_v2(kind: EntryKind, body: Body) -> Body:
    """Version 1 (before typed entries) wrote no schema_version; its shapes are otherwise a subset."""
    if kind is EntryKind.EXECUTION:
        return {"role": None, "sqlstate": None, "session": {}, **body}
    return dict(body)


def _v2_to_v3(kind: EntryKind, body: Body) -> Body:
    """Version 2 counted every date's rows of the first date-scoped table as its transactions."""
    if kind is EntryKind.DATE_FINISHED:
        body = {k: v for k, v in body.items() if k != "transactions"} | {
            "input_rows": body.get("transactions")
        }
    if kind is EntryKind.RUN_STARTED:
        body = {
            "unit": {"table": "", "label": "transactions"},
            "invariants_title": "accounting invariants",
            **body,
        }
    return body


UPGRADES: dict[int, Callable[[EntryKind, Body], Body]] = {1: _v1_to_v2, 2: _v2_to_v3}


def upgrade(kind: EntryKind, body: Body) -> Body:
    version = int(body.get("schema_version", 1))
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"a {kind} entry has schema version {version}, newer than this harness reads "
            f"({SCHEMA_VERSION}); upgrade the harness"
        )
    while version < SCHEMA_VERSION:
        body, version = UPGRADES[version](kind, body), version + 1
    return {k: v for k, v in body.items() if k != "schema_version"}
