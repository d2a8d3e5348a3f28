"""Which runs the gate may count together: one control, one candidate, one config.

A candidate's readiness rests on its own runs only: results of another candidate (other
SQL, by hash), another control or another config never join its streak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.errors import InvalidInput


@dataclass(frozen=True)
class Pair:
    control: str  # side name
    control_sha256: str
    candidate: str
    candidate_sha256: str
    config_sha256: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Pair:
        sides = doc["sides"]
        return cls(
            sides["control"]["side"],
            sides["control"]["sql_sha256"],
            sides["candidate"]["side"],
            sides["candidate"]["sql_sha256"],
            doc["provenance"]["config"]["sha256"],
        )

    def __str__(self) -> str:
        control = f"{self.control} ({self.control_sha256[:12]})"
        candidate = f"{self.candidate} ({self.candidate_sha256[:12]})"
        return f"{control} vs {candidate}, config {self.config_sha256[:12]}"


def select_pair(
    documents: list[dict[str, Any]], candidate: str | None = None, config_sha256: str | None = None
) -> tuple[Pair, list[dict[str, Any]]]:
    """The pair of the latest run (of ``candidate``, a side name or hash prefix), and its runs.

    With ``config_sha256`` (the config the command was given), only runs made with that
    config count, and none is an error: another config's runs, such as a planted-defect
    candidate's or the good one's, never stand in for it.
    """
    # a side against a copy of itself (harness calibrate) measures noise, never a candidate
    documents = [d for d in documents if not _self_pair(d)]
    chosen = [d for d in documents if candidate is None or _is_candidate(d, candidate)]
    if config_sha256 is not None:
        chosen = [d for d in chosen if d["provenance"]["config"]["sha256"] == config_sha256]
        if not chosen:
            raise InvalidInput(
                f"no run in the ledger was made with this config (sha256 {config_sha256[:12]}, as it reads "
                "now: an edit makes it another config); run it first, or name the runs' config"
            )
    if not chosen:
        if candidate is None:
            raise InvalidInput(
                "no run in the ledger compares two different sides (a calibration compares a side "
                "with itself and never counts); start one with 'harness run'"
            )
        raise InvalidInput(f"no run in the ledger has the candidate {candidate!r}; see 'harness history'")
    pair = Pair.of(chosen[-1])
    return pair, [d for d in documents if Pair.of(d) == pair]


def _is_candidate(doc: dict[str, Any], wanted: str) -> bool:
    side = doc["sides"]["candidate"]
    return side["side"] == wanted or (len(wanted) >= 6 and str(side["sql_sha256"]).startswith(wanted))


def _self_pair(doc: dict[str, Any]) -> bool:
    sides = doc["sides"]
    return bool(sides["control"]["sql_sha256"] == sides["candidate"]["sql_sha256"])
