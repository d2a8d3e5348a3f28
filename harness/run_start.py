"""The start of a run, new or resumed: check the dates, isolate both sides, record the start."""

from __future__ import annotations

import platform
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg

from harness import __version__, ledger, opening
from harness.calibration_evidence import ignore_evidence
from harness.compare_config import check_engine_servers, start_engine
from harness.config import Config
from harness.coverage import check_cases
from harness.database import SESSION_SETTINGS, Connection, Database, redact
from harness.errors import InvalidInput, IsolationError, RunNotFound
from harness.fingerprint import Fingerprint, fingerprint
from harness.isolation import (
    Login,
    SideSpace,
    check_role_privilege,
    check_same_input,
    copy_source,
    create_login,
    create_space,
    reader_login,
    side_space,
)
from harness.ledger.entries import RunResumed, RunStarted, RunStatus
from harness.ledger.runs import read_run
from harness.method import method_of
from harness.progress import Progress
from harness.provenance import (
    current_user,
    harness_commit,
    server_record,
    server_records,
    side_record,
    sql_sha256,
)
from harness.run_drop import drop_run_objects
from harness.run_plan import RunPlan
from harness.servers import Servers, check_servers, describe_servers, resolve_servers
from harness.side_execution import SideSession
from harness.source import dates_present
from harness.source_copy import copy_source_across


@dataclass
class RunState:
    run_id: str
    dates: tuple[date, ...]
    spaces: tuple[SideSpace, SideSpace]
    reader: Login | None
    out_dir: Path
    servers: Servers
    done: set[date] = field(default_factory=set)
    books_seconds: float = 0.0  # the whole-books comparison after the last date
    plans_taken: bool = False  # the phases' query plans were captured (--plans: once a run)


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d_%H%M%S}_{secrets.token_hex(2)}"


class RunStart:
    def __init__(self, database: Database, config: Config, progress: Progress) -> None:
        self.database, self.config, self.progress = database, config, progress

    def begin(self, conn: Connection, plan: RunPlan) -> RunState:
        """A new run isolated and recorded, or the resumed one rebuilt."""
        servers = resolve_servers(self.database, self.config.servers, plan.control_dsn, plan.candidate_dsn)
        check_servers(servers, bool(self.config.source.opening))
        check_engine_servers(self.config.compare, self.config.entities, servers.sides)
        start_engine(self.config.compare)
        return self._resume(conn, plan, servers) if plan.resume else self._start(conn, plan, servers)

    def _start(self, conn: Connection, plan: RunPlan, servers: Servers) -> RunState:
        with servers.source.connect() as source:
            self._check_dates(source, plan.dates)
            check_cases(source, self.config, plan.dates[0])
        calibration = ignore_evidence(conn, self.config)
        run_id = new_run_id()
        state = self._state(run_id, plan.dates, plan, plan.out_for(run_id), servers)
        started = time.perf_counter()
        inputs = self.isolate(conn, state, plan)
        record = self._started(conn, state, plan, inputs, time.perf_counter() - started, calibration)
        ledger.append(conn, run_id, record)
        where = f" ({describe_servers(servers)})" if servers.apart else ""
        on = self.config.compare.engine_note()
        self.progress.line(f"run {run_id}: {len(plan.dates)} date(s), {self._pair()}{where}{on}")
        return state

    def _state(
        self, run_id: str, dates: tuple[date, ...], plan: RunPlan, out: Path, servers: Servers
    ) -> RunState:
        if plan.role_isolation:
            for database in servers.side_servers():
                with database.connect() as conn:
                    check_role_privilege(conn)
        (c_label, c_side), (k_label, k_side) = self.config.sides()
        spaces = (
            side_space(run_id, c_label, c_side, plan.role_isolation, servers.sides[0]),
            side_space(run_id, k_label, k_side, plan.role_isolation, servers.sides[1]),
        )
        reader = reader_login(run_id) if plan.role_isolation else None
        return RunState(run_id, dates, spaces, reader, out, servers)

    def _pair(self) -> str:
        return f"{self.config.control.name} (control) vs {self.config.candidate.name} (candidate)"

    def _check_dates(self, conn: Connection, dates: tuple[date, ...]) -> None:
        source = self.config.source
        if not dates:
            raise InvalidInput("no business dates given; use --from/--to or --dates")
        first, last = min(dates), max(dates)
        hint = self.config.source_hint(first, last)
        tables = source.input_tables
        for table in tables:
            column = source.date_scoped_tables[table]
            if dates_present(conn, source.schema, table, column, list(dates), hint):
                return
        if tables:
            where = " or ".join(f"{source.schema}.{t}" for t in tables)
            raise InvalidInput(
                f"no rows in {where} for any of the {len(dates)} date(s) {first}..{last}; {hint}"
            )

    def isolate(self, conn: Connection, state: RunState, plan: RunPlan) -> dict[str, Any]:
        """Both sides' schemas, input copies, logins and installs; on any failure, none of them."""
        try:
            return self._isolate(conn, state, plan)
        except BaseException:
            drop_run_objects(self.database, state)
            raise

    def _isolate(self, conn: Connection, state: RunState, plan: RunPlan) -> dict[str, Any]:
        prints = []
        for space in state.spaces:
            self.progress.status(f"isolating {space.label} ({space.side.name}) in schema {space.schema}")
            with space.database(self.database).connect() as side:
                create_space(side, space)
                prints.append(self._copy_source(side, space, state))
            SideSession(space.database(self.database), space, plan.phase_timeout).install()
        check_same_input(prints[0], prints[1])
        opened = self._open_books(conn, state, plan)
        if state.reader:
            for database in state.servers.side_servers():
                self._create_reader(database, state.reader)
        return {**{table: printed.to_dict() for table, printed in prints[0].items()}, **opened}

    def _create_reader(self, database: Database, reader: Login) -> None:
        try:
            with database.connect() as side, side.transaction():
                create_login(side, reader)
        except psycopg.errors.DuplicateObject as exc:
            raise IsolationError(
                f"the run's reader role already exists on {database.display_uri}: the control's and the "
                "candidate's DSNs reach the same server under two names; give both the same DSN"
            ) from exc

    def _copy_source(self, side: Connection, space: SideSpace, state: RunState) -> dict[str, Fingerprint]:
        """The run's input into the side's schema: within one server, or streamed across."""
        dates = list(state.dates)
        if state.servers.source.uri == space.database(self.database).uri:
            return copy_source(side, space, self.config.source, dates)
        with state.servers.source.connect() as source:
            return copy_source_across(source, side, space, self.config.source, dates)

    def _open_books(self, conn: Connection, state: RunState, plan: RunPlan) -> dict[str, Any]:
        """Each side's opening state (``[source] opening``), identical on both, fingerprinted."""
        found: dict[str, Any] = {}
        for entry in self.config.source.opening:
            prints = []
            for space in state.spaces:
                prints.append(opening.stage(conn, space, entry, min(state.dates)))
                columns = opening.shared_columns(conn, space, entry.table)
                SideSession(self.database, space, plan.phase_timeout).load_opening(entry.table, columns)
                opening.unstage(conn, space)
            if prints[0] != prints[1]:
                raise IsolationError(f"the two sides received different opening rows of {entry.table}")
            found[f"opening {entry.from_schema}.{entry.table}"] = prints[0]
        return found

    def _started(
        self,
        conn: Connection,
        state: RunState,
        plan: RunPlan,
        inputs: dict[str, Any],
        seconds: float,
        calibration: dict[str, Any] | None,
    ) -> RunStarted:
        return RunStarted(
            run_id=state.run_id,
            started_at=datetime.now(UTC).isoformat(),
            dates=[d.isoformat() for d in state.dates],
            out_dir=str(state.out_dir),
            harness_version=__version__ + (f" ({commit})" if (commit := harness_commit()) else ""),
            command_line=redact(plan.command_line),
            user=current_user(),
            host=platform.node(),
            config={
                "path": self.config.path,
                "sha256": self.config.sha256,
                "text": self.config.text,
                "query_files": self.config.query_files,
            },
            sides={space.label: side_record(space) for space in state.spaces},
            servers=server_records(state.servers),
            isolation={
                "roles": state.reader is not None,
                "reader": state.reader.role if state.reader else None,
            },
            input_fingerprints=inputs,
            source_fingerprints=source_fingerprints(state.servers.source, self.config),
            server=server_record(conn),
            settings=dict(SESSION_SETTINGS),
            options=plan.options(),
            setup_seconds=seconds,
            entities=[spec.name for spec in self.config.entities],
            lineage={spec.name: dict(spec.lineage) for spec in self.config.entities if spec.lineage},
            unit=self.config.source.unit.to_dict() if self.config.source.unit else None,
            invariants_title=self.config.invariants_title,
            method={**method_of(self.config), "calibration": calibration},
        )

    def _same_as_started(self, started: RunStarted) -> None:
        """A resumed run must be the run that started: same config, same SQL on both sides."""
        if self.config.sha256 != started.config["sha256"]:
            raise InvalidInput(
                f"the config differs from the one run {started.run_id} started with "
                f"({started.config['path']}); resume with that config, or start a new run"
            )
        (c_label, c_side), (k_label, k_side) = self.config.sides()
        for label, side in ((c_label, c_side), (k_label, k_side)):
            now = sql_sha256(side)
            if now != started.sides[label]["sql_sha256"]:
                raise InvalidInput(
                    f"the {label}'s SQL ({side.name}) changed since run {started.run_id} started; "
                    "a resumed run must run what it started with: start a new run instead"
                )

    def _resume(self, conn: Connection, plan: RunPlan, servers: Servers) -> RunState:
        run_id = str(plan.resume)
        try:
            record = read_run(conn, run_id)
        except RunNotFound:
            raise RunNotFound(f"no run {run_id!r} in the ledger; see 'harness history'") from None
        if record.status is RunStatus.COMPLETED:
            raise InvalidInput(f"run {run_id} already completed; nothing to resume")
        self._same_as_started(record.started)
        dates = tuple(date.fromisoformat(d) for d in record.started.dates)
        out = plan.out_dir or Path(record.started.out_dir or plan.out_for(run_id))  # --out wins
        state = self._state(run_id, dates, plan, out, servers)
        state.done = {date.fromisoformat(d.business_date) for d in record.dates}
        drop_run_objects(self.database, state)
        if self.isolate(conn, state, plan) != record.started.input_fingerprints:
            drop_run_objects(self.database, state)
            raise InvalidInput(f"the source changed since run {run_id} started; start a new run instead")
        ledger.append(conn, run_id, RunResumed(resumed_at=datetime.now(UTC).isoformat()))
        self.progress.line(
            f"resuming run {run_id}: {len(state.done)} of {len(dates)} date(s) already recorded"
        )
        return state


def source_fingerprints(server: Database, config: Config) -> dict[str, Any]:
    """The source tables as they stand on the source's server."""
    source = config.source
    with server.connect() as conn:
        return {t: fingerprint(conn, source.schema, t).to_dict() for t in source.tables}
