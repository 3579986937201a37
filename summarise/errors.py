"""Typed errors whose messages say what to do next; the CLI turns them into one line and an exit code."""

from __future__ import annotations

import errno
from enum import IntEnum


class ExitCode(IntEnum):
    """What the `summarise` command's exit status means: the one table of them."""

    meaning: str

    def __new__(cls, code: int, meaning: str) -> ExitCode:
        member = int.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member

    OK = 0, "everything briefed"
    BUG = 1, "a bug (traceback)"
    USAGE = 2, "usage, config or model error"
    PARTIAL = 3, "some inputs were skipped or failed, or not translated for want of a model"
    NOTHING = 4, "nothing could be briefed"
    UNDELIVERED = 5, "(digest) delivery failed, the message waits in the outbox"
    LOCKED = 6, "(digest) another digest run holds the lock"
    OUTPUT = 7, "an output or the store could not be written (disk full, permission denied), or the store is " \
                "not one this version can use (newer, or another program's)"

    @classmethod
    def describe(cls) -> str:
        """The table as one paragraph for help texts: "0 everything briefed; 1 a bug (traceback); ..."."""
        return "; ".join(f"{code.value} {code.meaning}" for code in cls) + "."


class SummariseError(Exception):
    """Base class for every error a user can meet."""

    exit_code = ExitCode.USAGE


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

    exit_code = ExitCode.NOTHING


class ModelUnavailableError(SummariseError):
    """A model is neither cached nor downloadable (offline, or no such id)."""

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(
            f"model {model!r} is not available ({reason}); download it once with network access "
            f"(`hf download {model}`), or point the config at a local directory"
        )
        self.model = model
        self.reason = reason


class OutputError(SummariseError):
    """An output or the store could not be written: the disk is full, or permission is denied."""

    exit_code = ExitCode.OUTPUT


class StoreError(OutputError):
    """The store cannot be used as it is: written by a newer version, or a table of another program's shape."""


_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EPERM, errno.EACCES, errno.EROFS}


def output_error(exc: BaseException, path: object = None, kept: str = "") -> OutputError | None:
    """One line for an OSError or SQLite error that means "cannot write here", else None (a bug).

    `kept` says what is still as it was, e.g. "the previous briefing is unchanged"."""
    import sqlite3

    filename = getattr(exc, "filename", None)
    where = f" {path}" if path is not None else (f" {filename}" if filename else "")
    text = str(exc).lower()
    if (isinstance(exc, OSError) and exc.errno in _FULL) or "disk is full" in text:
        what = (f"cannot write{where}: the disk is full ({_reason(exc)}); free some space or choose "
                f"another --out (and $SUMMARISE_STORE), then run again")
    elif (isinstance(exc, OSError) and exc.errno in _DENIED) or "readonly database" in text:
        what = (f"cannot write{where}: permission denied ({_reason(exc)}); make it writable for this user "
                f"or choose another --out (and $SUMMARISE_STORE), then run again")
    elif isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text):
        what = (f"the store{where} is damaged ({_reason(exc)}); run again: a damaged store is moved aside (and "
                f"kept) and a new one started")
    elif (isinstance(exc, sqlite3.OperationalError) and "unable to open database" in text) \
            or (isinstance(exc, OSError) and exc.errno in (errno.EIO, errno.ENOTDIR, errno.EISDIR)):
        what = f"cannot write{where} ({_reason(exc)}); check the path and the disk, then run again"
    else:
        return None
    return OutputError(what + (f"; {kept}" if kept else ""))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror.lower()}"
    return " ".join(str(exc).split()) or type(exc).__name__
