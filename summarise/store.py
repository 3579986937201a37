"""The project's SQLite store: caches and the state that daily runs share.

Each feature owns its tables and creates them with `CREATE TABLE IF NOT EXISTS` through `connect`.
WAL mode and a busy timeout make two concurrent runs safe; every write is one transaction, so a
crash leaves the last committed state.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

STORE_ENV = "SUMMARISE_STORE"


def default_path(out: Path) -> Path:
    """$SUMMARISE_STORE, else `<out>/.summarise.sqlite3` beside the briefings."""
    env = os.environ.get(STORE_ENV)
    return Path(env).expanduser() if env else Path(out) / ".summarise.sqlite3"


def connect(path: Path, schema: str = "") -> sqlite3.Connection:
    """Open (creating) the store with WAL and a busy timeout, and apply `schema` (idempotent DDL)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)  # explicit transactions
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    if schema:
        conn.executescript(schema)
    return conn
