"""Expected errors of the harness layer; the CLI turns each into one line and exit code 2."""


class HarnessError(Exception):
    """Root of every expected harness error: a user or environment problem, not a bug."""


class DatabaseUnavailable(HarnessError):
    """The database could not be reached or started."""


class InvalidInput(HarnessError):
    """An argument or a file the user gave is wrong."""


class ConfigError(HarnessError):
    """The configuration file has an unknown key or a bad value."""


class SourceError(HarnessError):
    """The source schema is missing, incomplete or already holds the data asked for."""


class SideError(HarnessError):
    """A side's manifest or SQL cannot be loaded or installed."""


class SideFailed(HarnessError):
    """A side raised or timed out while processing a business date."""

    def __init__(self, message: str, phase: str = "", sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.phase = phase
        self.sqlstate = sqlstate


class IsolationError(HarnessError):
    """A side's schema or role could not be set up, or the two sides got different input."""


class RunNotFound(HarnessError):
    """No run with that id is in the ledger."""


class LedgerError(HarnessError):
    """The ledger cannot be read or written as the harness expects (format, lock, chain)."""


class CutoverError(HarnessError):
    """A cutover date cannot be produced: out of order, processed outside the cutover,
    neither side produced it, or the published books cannot take a side's output."""


class EngineUnavailable(HarnessError):
    """The comparison engine the config names cannot start here."""
