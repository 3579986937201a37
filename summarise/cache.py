"""Caches in the project's SQLite store, so that a re-run, or the next day's run, only does what is new.

Three kinds, each keyed by a 16-byte hash of everything its value depends on:
- translations: (translator key: backend, model revision, beams, output bound; source sentence) → English
- embeddings: (encoder; text) → float32 vector
- languages: (detector source; text) → code and confidence

Every stage caches the same way: `through(store, kind, namespace, texts, compute)` gives each distinct text's
value, from the store where it holds one, else computed (once per text) and stored. The namespace names what the
values depend on, and is the stage's to say (the translator's key, the encoder, the detector's version).

Every write is one short transaction, and WAL with a busy timeout (store.connect) lets two runs share the file:
a killed run loses only the batch it was writing. Hits and misses are counted per kind, and added to the store's
lifetime totals when a session ends. `session(settings)` opens the store that the stages run inside use (`active`).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from . import store
from .config import Settings
from .errors import ConfigError
from .types import Language

KINDS = ("translations", "embeddings", "languages")
SCHEMA = """
CREATE TABLE IF NOT EXISTS cache_translations (key BLOB PRIMARY KEY, model TEXT NOT NULL, english TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cache_embeddings (key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cache_languages (key BLOB PRIMARY KEY, code TEXT NOT NULL, confidence REAL NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cache_counters (kind TEXT PRIMARY KEY, hits INTEGER NOT NULL, misses INTEGER NOT NULL);
"""
_COLUMNS = {"translations": ("model", "english"), "embeddings": ("vector",), "languages": ("code", "confidence")}
_CHUNK = 500  # keys per SELECT: well under SQLite's limit on bound parameters
V = TypeVar("V")


def _row(kind: str, namespace: str, value: Any) -> tuple[Any, ...]:
    """The value columns that store `value` of `kind` (an English str, a float32 vector, a Language)."""
    if kind == "translations":
        return namespace, value
    if kind == "embeddings":
        return (np.asarray(value, dtype=np.float32).tobytes(),)
    return value.code, value.confidence


def _value(kind: str, row: tuple[Any, ...]) -> Any:
    """The value stored in a row's value columns."""
    if kind == "translations":
        return row[1]
    if kind == "embeddings":
        return np.frombuffer(row[0], dtype=np.float32)
    return Language(*row)


def _key(namespace: str, text: str) -> bytes:
    return hashlib.sha256(f"{namespace}\0{text}".encode("utf-8", "surrogatepass")).digest()[:16]


class Cache:
    """One store's caches, opened on first use; counts hits and misses per kind."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = store.connect(self.path, SCHEMA, disposable=True)
        return self._conn

    def _get(self, kind: str, keys: Sequence[bytes]) -> dict[bytes, tuple[Any, ...]]:
        """Stored rows for `keys` (the value columns), counting hits and misses."""
        columns = ", ".join(_COLUMNS[kind])
        found: dict[bytes, tuple[Any, ...]] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, *values in self._db().execute(
                    f"SELECT key, {columns} FROM cache_{kind} WHERE key IN ({marks})", chunk):
                found[key] = tuple(values)
        self.hits[kind] += len(found)
        self.misses[kind] += len(set(keys)) - len(found)
        return found

    def _put(self, kind: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Store rows (key first) in one transaction; a row another run stored meanwhile is kept as it is."""
        if not rows:
            return
        marks = ",".join("?" * (1 + len(_COLUMNS[kind])))
        with store.transaction(self._db(), immediate=True) as conn:
            conn.executemany(f"INSERT OR IGNORE INTO cache_{kind} VALUES ({marks})", rows)

    def get(self, kind: str, namespace: str, texts: Collection[str]) -> dict[str, Any]:
        """The stored values of those `texts` that have one in `namespace`."""
        keys = {_key(namespace, t): t for t in texts}
        return {keys[k]: _value(kind, row) for k, row in self._get(kind, list(keys)).items()}

    def put(self, kind: str, namespace: str, values: Mapping[str, Any]) -> None:
        """Store values (text → value) in `namespace`."""
        self._put(kind, [(_key(namespace, t), *_row(kind, namespace, v)) for t, v in values.items()])

    def close(self) -> None:
        """Add this session's hits and misses to the store's totals, and close the connection."""
        if self._conn is None:
            return
        rows = [(kind, self.hits[kind], self.misses[kind]) for kind in KINDS if self.hits[kind] or self.misses[kind]]
        with contextlib.suppress(sqlite3.Error):  # the totals are a nicety, never worth failing a run over
            self._conn.executemany(
                "INSERT INTO cache_counters VALUES (?, ?, ?) ON CONFLICT(kind) DO UPDATE SET "
                "hits = hits + excluded.hits, misses = misses + excluded.misses", rows)
        self._conn.close()
        self._conn = None


_ACTIVE: contextvars.ContextVar[Cache | None] = contextvars.ContextVar("summarise_cache", default=None)


def active() -> Cache | None:
    """The cache of the session in progress, or None (outside a session, or with caching off)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def session(settings: Settings) -> Iterator[Cache | None]:
    """Make the store's cache (`store.default_path(settings.out)`) active for the stages run inside."""
    cache = Cache(store.default_path(settings.out)) if settings.cache else None
    token = _ACTIVE.set(cache)
    try:
        yield cache
    finally:
        _ACTIVE.reset(token)
        if cache is not None:
            cache.close()


def through(store: Cache | None, kind: str, namespace: str, texts: Sequence[str],
            compute: Callable[[list[str]], Iterable[V]]) -> dict[str, V]:
    """The value of each distinct text: the store's, else `compute(missing)` (one value per text, in order), stored.

    With no store (caching off, or outside a session), every distinct text is computed.
    """
    distinct = list(dict.fromkeys(texts))
    known: dict[str, V] = store.get(kind, namespace, distinct) if store else {}
    missing = [t for t in distinct if t not in known]
    if missing:
        found = dict(zip(missing, compute(missing), strict=True))
        if store:
            store.put(kind, namespace, found)
        known.update(found)
    return known


@dataclass(frozen=True)
class KindStats:
    """Entries held, and lifetime hits and misses, of one kind of cache."""

    kind: str
    entries: int
    hits: int
    misses: int


def stats(path: Path) -> list[KindStats]:
    """Entries and lifetime hits and misses per kind, in the store at `path` (all zero when there is none)."""
    if not Path(path).is_file():
        return [KindStats(kind, 0, 0, 0) for kind in KINDS]
    with contextlib.closing(store.connect(path, SCHEMA, disposable=True)) as conn:
        totals = {kind: (hits, misses) for kind, hits, misses in conn.execute("SELECT * FROM cache_counters")}
        return [KindStats(kind, conn.execute(f"SELECT count(*) FROM cache_{kind}").fetchone()[0],
                          *totals.get(kind, (0, 0))) for kind in KINDS]


def describe(path: Path) -> list[str]:
    """Lines for `summarise cache stats`: where the store is, its size, and each kind's entries, hits and misses."""
    files = [Path(f"{path}{suffix}") for suffix in ("", "-wal")]
    size = sum(f.stat().st_size for f in files if f.is_file()) / 1e6
    lines = [f"store {path} ({size:.1f} MB)" if Path(path).is_file() else f"store {path} (not created yet)",
             f"{'kind':<13}{'entries':>10}{'hits':>12}{'misses':>12}{'hit rate':>10}"]
    for row in stats(path):
        rate = f"{row.hits / (row.hits + row.misses):.1%}" if row.hits + row.misses else "-"
        lines.append(f"{row.kind:<13}{row.entries:>10}{row.hits:>12}{row.misses:>12}{rate:>10}")
    return lines


def clear(path: Path, kinds: Sequence[str] = KINDS) -> dict[str, int]:
    """Delete the cached entries (and counters) of `kinds` in the store at `path`; entries deleted per kind."""
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ConfigError(f"unknown cache kind {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    if not Path(path).is_file():
        return dict.fromkeys(kinds, 0)
    deleted: dict[str, int] = {}
    with contextlib.closing(store.connect(path, SCHEMA, disposable=True)) as conn:
        with store.transaction(conn, immediate=True):
            for kind in kinds:
                deleted[kind] = conn.execute(f"DELETE FROM cache_{kind}").rowcount
                conn.execute("DELETE FROM cache_counters WHERE kind = ?", (kind,))
        with contextlib.suppress(sqlite3.OperationalError):  # another run is reading: the space is reused later
            conn.execute("VACUUM")
    return deleted
