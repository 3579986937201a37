"""The project's SQLite store: caches and the state that daily runs share.

Each feature owns its tables and creates them with `CREATE TABLE IF NOT EXISTS` through `connect`.
WAL mode and a busy timeout make two concurrent runs safe; every write is one transaction, so a
crash leaves the last committed state.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

STORE_ENV = "SUMMARISE_STORE"


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


def connect(path: Path, schema: str = "") -> sqlite3.Connection:
    """Open (creating) the store with WAL and a busy timeout, and apply `schema` (idempotent DDL).

    Switching a fresh file to WAL needs a lock that SQLite's busy timeout does not wait for, so many
    threads or processes opening a new store at once could fail with "database is locked". The first
    opening of each (file, schema) is therefore done under an OS file lock beside the store."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)  # explicit transactions
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        key = (os.path.abspath(path), schema)
        if key not in _READY:
            with _setup_lock(path):
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                if schema:
                    conn.executescript(schema)
            _READY.add(key)
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


_READY: set[tuple[str, str]] = set()  # (store, schema) set up by this process: later openings skip the lock
_THREADS = threading.Lock()  # threads of this process queue here, without polling the file lock


@contextlib.contextmanager
def _setup_lock(path: Path) -> Iterator[None]:
    """Held by one thread of one process at a time while a store is set up."""
    from filelock import FileLock

    with _THREADS, FileLock(str(path) + ".lock", timeout=60):
        yield
