"""Typed errors whose messages say what to do next; the CLI turns them into one line and an exit code."""

from __future__ import annotations


class SummariseError(Exception):
    """Base class for every error a user can meet."""

    exit_code = 2


class ConfigError(SummariseError):
    """A setting is missing or invalid."""


class InputError(SummariseError):
    """One input file could not be used; the run goes on without it."""

    def __init__(self, path: str, reason: str, status: str = "failed") -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.status = status  # "failed" or "skipped"


class NoArticlesError(SummariseError):
    """Nothing under the input could be briefed."""

    exit_code = 4


class ModelUnavailableError(SummariseError):
    """A model is neither cached nor downloadable (offline, or no such id)."""

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(
            f"model {model!r} is not available ({reason}); download it once with network access "
            f"(`hf download {model}`), or point the config at a local directory"
        )
        self.model = model
        self.reason = reason
