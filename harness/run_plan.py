"""What a run will do, resolved once from the config and the command line, then handed down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from harness.config import Config
from harness.database import redact
from harness.errors import InvalidInput

MAX_DATES_WITHOUT_YES = 366


MAX_REPEAT = 50


@dataclass(frozen=True)
class RunRequest:
    """What the user asked for (None: take the config's value)."""

    dates: tuple[date, ...]
    out_dir: Path | None = None
    keep_schemas: bool = False
    announce_kept: bool = True  # say which schemas were kept (False: the caller drops them)
    concurrent: bool = False
    phase_timeout: float | None = None
    role_isolation: bool = True
    resume: str | None = None
    command_line: str = ""
    max_detail_rows: int = 10_000
    yes: bool = False
    repeat: int | None = None  # timed executions of each side per date (None: the config's)
    plans: bool = False  # capture both sides' phase plans on the first date (harness.plans)
    control_dsn: str | None = None  # the control's server (None: the config's, else the harness's)
    candidate_dsn: str | None = None


@dataclass(frozen=True)
class RunPlan:
    """The run's settings after every default and override is applied, validated."""

    dates: tuple[date, ...]
    out_dir: Path | None
    keep_schemas: bool
    announce_kept: bool
    concurrent: bool
    phase_timeout: float | None  # None: no limit
    role_isolation: bool
    resume: str | None
    command_line: str
    max_detail_rows: int
    repeat: int = 1
    plans: bool = False
    control_dsn: str | None = None
    candidate_dsn: str | None = None

    @classmethod
    def resolve(cls, config: Config, request: RunRequest) -> RunPlan:
        timeout = request.phase_timeout if request.phase_timeout is not None else config.phase_timeout
        _check(request, timeout)
        return cls(
            dates=request.dates,
            out_dir=request.out_dir,
            keep_schemas=request.keep_schemas,
            announce_kept=request.announce_kept,
            concurrent=request.concurrent,
            phase_timeout=timeout or None,
            role_isolation=request.role_isolation and config.role_isolation,
            resume=request.resume,
            command_line=request.command_line,
            max_detail_rows=request.max_detail_rows,
            repeat=request.repeat if request.repeat is not None else config.repeat,
            plans=request.plans,
            control_dsn=request.control_dsn,
            candidate_dsn=request.candidate_dsn,
        )

    def out_for(self, run_id: str) -> Path:
        return self.out_dir or Path("harness-report") / run_id

    def options(self) -> dict[str, Any]:
        """As recorded in the run's start entry."""
        return {
            "concurrent": self.concurrent,
            "phase_timeout": self.phase_timeout,
            "keep_schemas": self.keep_schemas,
            "max_detail_rows": self.max_detail_rows,
            "repeat": self.repeat,
            "plans": self.plans,
            # a side's server named on the command line, without its password (reproduce)
            **{f"{label}_dsn": redact(dsn) for label, dsn in self._side_dsns() if dsn},
        }

    def _side_dsns(self) -> tuple[tuple[str, str | None], ...]:
        return (("control", self.control_dsn), ("candidate", self.candidate_dsn))


def _check(request: RunRequest, timeout: float) -> None:
    if timeout < 0:
        raise InvalidInput(
            f"--phase-timeout must be 0 (no limit) or a positive number of seconds, not {timeout:g}"
        )
    if request.repeat is not None and not 1 <= request.repeat <= MAX_REPEAT:
        raise InvalidInput(f"--repeat must be a whole number from 1 to {MAX_REPEAT}, not {request.repeat}")
    if request.max_detail_rows < 1:
        raise InvalidInput(f"--max-detail-rows must be at least 1, not {request.max_detail_rows}")
    if len(request.dates) > MAX_DATES_WITHOUT_YES and not request.yes:
        raise InvalidInput(
            f"{len(request.dates)} business dates asked for (more than {MAX_DATES_WITHOUT_YES}); "
            "narrow the range, or pass --yes if you mean it"
        )
