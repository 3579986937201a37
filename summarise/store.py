"""The project's SQLite store: caches and the state that daily runs share.

Each feature owns its tables and creates them with `CREATE TABLE IF NOT EXISTS` through `connect`.
WAL mode and a busy timeout make two concurrent runs safe; every write is one transaction, so a
crash leaves the last committed state.

A store is checked when a process first opens it: its version (`PRAGMA user_version`, VERSION) must not be
newer than this code's, `PRAGMA quick_check` must pass, and every table of the schema must have the columns
the schema gives it. A damaged file (not a database, truncated, malformed) is moved aside, never deleted, a
warning names both paths, and a new store is started. A cache table (`disposable`) of the wrong shape is
re-created; any other table of the wrong shape, or a newer store, is a StoreError that names the file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import StoreError

STORE_ENV = "SUMMARISE_STORE"
VERSION = 1  # the store layout this code writes (PRAGMA user_version); raise it when a table changes incompatibly
log = logging.getLogger("summarise.store")


def default_path(out: Path) -> Path:
    """$SUMMARISE_STORE, else `<out>/.summarise.sqlite3` beside the briefings."""
    env = os.environ.get(STORE_ENV)
    return Path(env).expanduser() if env else Path(out) / ".summarise.sqlite3"


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
    """BEGIN (IMMEDIATE: take the write lock now, so a read-then-write cannot meet a writer midway), then
    COMMIT, or ROLLBACK when the block raises. `conn` must be in autocommit mode, as `connect` opens it."""
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk, an interrupt)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def connect(path: Path, schema: str = "", *, disposable: bool = False) -> sqlite3.Connection:
    """Open (creating) the store with WAL and a busy timeout, and apply `schema` (idempotent DDL).

    The first opening in this process checks the store (see the module's docstring); `disposable` says the
    schema's tables are a cache, re-created when their shape is wrong. Switching a fresh file to WAL needs a
    lock that SQLite's busy timeout does not wait for, so many threads or processes opening a new store at
    once could fail with "database is locked". The first opening of each (file, schema) is therefore done
    under an OS file lock beside the store."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open(path, schema, disposable)
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        with _setup_lock(path):
            set_aside(path, exc)
        return _open(path, schema, disposable)


def _open(path: Path, schema: str, disposable: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)  # explicit transactions
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        key = (os.path.abspath(path), schema)
        if key not in _READY:
            with _setup_lock(path):
                _check(conn, path)
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                if schema:
                    _apply(conn, path, schema, disposable)
            _READY.add(key)
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def is_damage(exc: BaseException) -> bool:
    """Whether a SQLite error means the file is not a (sound) database, rather than busy, full or read-only."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and any(
        words in text for words in ("not a database", "malformed", "quick_check", "file is encrypted"))


def _check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a newer store; raise a DatabaseError (is_damage) for a damaged one; stamp an unversioned one."""
    if os.path.abspath(path) in _CHECKED:
        return
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > VERSION:
        raise StoreError(f"the store {path} was written by a newer summarise (store version {version}; this one "
                         f"reads version {VERSION} and older): upgrade summarise, or set ${STORE_ENV} to another file")
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        raise sqlite3.DatabaseError(f"quick_check: {'; '.join(problems)}")
    if version < VERSION:
        conn.execute(f"PRAGMA user_version={VERSION}")
    _CHECKED.add(os.path.abspath(path))


def _apply(conn: sqlite3.Connection, path: Path, schema: str, disposable: bool) -> None:
    """Create the schema's tables; a table that exists with other columns is re-created when `disposable`
    (a cache), else a StoreError (state is never dropped)."""
    for table, want in _shapes(schema).items():
        got = [tuple(row[1:]) for row in conn.execute(f"PRAGMA table_info({table})")]
        if got and got != want:
            if not disposable:
                raise StoreError(
                    f"the store {path} has a table {table} with columns ({_names(got)}), where this summarise "
                    f"expects ({_names(want)}): it is another program's or another version's file; set "
                    f"${STORE_ENV} to another file, or move it away and run again (nothing in it was changed)")
            log.warning("the store %s had a cache table %s of another shape (%s); re-created it empty",
                        path, table, _names(got))
            conn.execute(f"DROP TABLE {table}")
    conn.executescript(schema)


def _damaged(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return [row[0] for row in conn.execute("PRAGMA quick_check(3)")] != ["ok"]
    except sqlite3.DatabaseError as exc:
        return is_damage(exc)


def _shapes(schema: str) -> dict[str, list[tuple[object, ...]]]:
    """Each table `schema` creates, with its columns as PRAGMA table_info gives them (name, type, notnull, ...)."""
    if schema not in _SHAPES:
        with contextlib.closing(sqlite3.connect(":memory:")) as mem:
            mem.executescript(schema)
            tables = [name for (name,) in mem.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            _SHAPES[schema] = {t: [tuple(r[1:]) for r in mem.execute(f"PRAGMA table_info({t})")] for t in tables}
    return _SHAPES[schema]


def _names(columns: list[tuple[object, ...]]) -> str:
    return ", ".join(str(c[0]) for c in columns)


def set_aside(path: Path, exc: BaseException) -> Path:
    """Move a damaged store (and its -wal and -shm files) to `<name>.damaged-<UTC time>`, say so, and return where.
    The caller holds `_setup_lock(path)`; the next `connect` starts a new store."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    if _damaged(path):  # not when another process has moved it already and started a new one
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{path}{suffix}").exists():
                os.replace(f"{path}{suffix}", f"{aside}{suffix}")
        log.warning("the store %s was damaged (%s); moved it to %s and started a new one: caches refill as they "
                    "are used, and the digests sent and articles briefed before are now recorded only in the "
                    "moved file (keep it)", path, " ".join(str(exc).split())[:200], aside)
    key = os.path.abspath(path)
    _CHECKED.discard(key)
    for ready in [r for r in _READY if r[0] == key]:
        _READY.discard(ready)
    return aside


_READY: set[tuple[str, str]] = set()  # (store, schema) set up by this process: later openings skip the lock
_CHECKED: set[str] = set()  # stores whose version and soundness this process has checked
_SHAPES: dict[str, dict[str, list[tuple[object, ...]]]] = {}  # schema -> its tables' columns
_THREADS = threading.Lock()  # threads of this process queue here, without polling the file lock


@contextlib.contextmanager
def _setup_lock(path: Path) -> Iterator[None]:
    """Held by one thread of one process at a time while a store is set up."""
    from filelock import FileLock

    with _THREADS, FileLock(str(path) + ".lock", timeout=60):
        yield
