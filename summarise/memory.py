"""Story memory: the stories the store has briefed, day by day, so that tomorrow's run can follow them.

Each day of a story is one row: its title, short and long with their sources (outlet, date, URL), and what it
takes to recognise it again (the centroid of its articles' vectors and its names and numbers). A story is its
rows under one id; its first and last days are derived from them. The memory is state, not cache: `cache clear`
leaves it alone, and it has its own schema version.

- `recall` gives the stories briefed before a date, within `story_window_days` of it: briefing an earlier date
  uses only what was remembered before that date, and a re-run never meets its own day.
- `match` pairs today's stories with remembered ones, one to one, only above `link_threshold` (precision first:
  a missed link repeats a paragraph, a wrong one misleads), the larger remembered story first; a story that
  continues none gets the remembered stories above `related_threshold` (or less alike but sharing its subject's
  names), for a background of related coverage.
- `remember` replaces the day's rows in one transaction (a re-run replaces, two runs at once each write whole),
  then forgets stories whose last day is older than the window, counted from the newest day remembered, so going
  back in time never forgets anything.
A store whose memory cannot be read (damaged, or written by a newer version) raises `MemoryUnreadable`: the day
is then briefed without memory, and the memory is left as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import store
from .errors import SummariseError
from .text import idf_unit

VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS memory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memory_day (story TEXT NOT NULL, day TEXT NOT NULL, entry TEXT NOT NULL,
    centroid BLOB NOT NULL, PRIMARY KEY (story, day)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memory_day_by_day ON memory_day (day);
"""
# A story is recognised by its best match among its last RECENT days: a developing story drifts, and returns to
# an earlier angle (bench/developing.py, full calendar: 3 days linked 27.7% of next days at 98.5% precision, 10
# days 30.0% at 99.3%).
RECENT = 10
NAMES = 40  # names and numbers kept per day of a story
# A related story (another incident of the same war, another angle on the same crisis) is alike enough
# (`related_threshold`), or less alike (RELATED_FLOOR) but sharing the names its subject keeps repeating (a war's
# country and cities, a crisis's institutions: RELATED_NAMES). Those are counted plainly, since weighting names by
# rarity, as a link does, discounts exactly them.
RELATED_FLOOR, RELATED_NAMES = 0.4, 0.2


class MemoryUnreadable(SummariseError):
    """The story memory could not be read or written; the run goes on without it."""


@dataclass(frozen=True)
class Signature:
    """What recognises a story: the unit centroid of its articles' vectors, and its names and numbers."""

    centroid: np.ndarray
    names: Mapping[str, float]


@dataclass(frozen=True)
class Entry:
    """One day of a remembered story, as it was briefed."""

    story: str
    day: str
    title: str
    short: str
    long: str
    citations: tuple[Mapping[str, Any], ...]
    articles: tuple[str, ...]
    signature: Signature
    leads: str = ""  # the opening sentences of each source, with their markers: more for a background to draw on


@dataclass(frozen=True)
class Remembered:
    """A story's days before the date asked about, oldest first."""

    id: str
    days: tuple[Entry, ...] = field(default=())

    @property
    def first_seen(self) -> str:
        return self.days[0].day

    @property
    def last_seen(self) -> str:
        return self.days[-1].day


def signature(vectors: np.ndarray, texts: Sequence[str]) -> Signature:
    """A story's signature from its articles' vectors and texts."""
    from .cluster import names_and_numbers

    centroid = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    counts = Counter(n for text in texts for n in names_and_numbers(text))
    names = {name: 1.0 + math.log(count) for name, count in counts.most_common(NAMES)}
    return Signature(centroid / norm if norm > 0 else centroid, names)


@contextlib.contextmanager
def _opened(path: Path) -> Any:
    """The store, with the memory's tables, its version checked; any failure to read it is MemoryUnreadable."""
    try:
        with contextlib.closing(store.connect(path, SCHEMA)) as conn:
            row = conn.execute("SELECT value FROM memory_meta WHERE key = 'version'").fetchone()
            if row is not None and int(row[0]) > VERSION:
                raise MemoryUnreadable(f"the story memory in {path} was written by a newer summarise (memory "
                                       f"version {row[0]}); upgrade summarise, or brief with --no-memory")
            yield conn
    except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
        raise MemoryUnreadable(f"the story memory in {path} cannot be read or written ({exc}); move the file "
                               "aside to start a new one, or brief with --no-memory") from None


def recall(path: Path, date: str, window: int) -> list[Remembered]:
    """The stories briefed before `date` whose last day is within `window` days of it, with all their earlier
    days."""
    since = (dt.date.fromisoformat(date) - dt.timedelta(days=window)).isoformat()
    with _opened(path) as conn:
        rows = conn.execute(
            "SELECT story, day, entry, centroid FROM memory_day WHERE day < ? AND story IN "
            "(SELECT story FROM memory_day WHERE day >= ? AND day < ?) ORDER BY story, day",
            (date, since, date)).fetchall()
        return _stories(rows)


def history(path: Path, story: str | None = None) -> list[Remembered]:
    """Every remembered story (or the one with id `story`), newest last day first."""
    with _opened(path) as conn:
        query = "SELECT story, day, entry, centroid FROM memory_day"
        rows = conn.execute(query + (" WHERE story = ?" if story else "") + " ORDER BY story, day",
                            (story,) if story else ()).fetchall()
        found = _stories(rows)
    return sorted(found, key=lambda r: (r.last_seen, r.first_seen, r.id), reverse=True)


def remember(path: Path, date: str, window: int, entries: Sequence[Entry]) -> None:
    """Replace `date`'s days of stories with `entries`, then forget stories not seen within `window` days of the
    newest day remembered."""
    with _opened(path) as conn, store.transaction(conn, immediate=True):
        conn.execute("INSERT OR REPLACE INTO memory_meta (key, value) VALUES ('version', ?)", (str(VERSION),))
        conn.execute("DELETE FROM memory_day WHERE day = ?", (date,))
        conn.executemany("INSERT OR REPLACE INTO memory_day (story, day, entry, centroid) VALUES (?, ?, ?, ?)",
                         [_row(e) for e in entries])
        newest = conn.execute("SELECT max(day) FROM memory_day").fetchone()[0] or date
        cutoff = (dt.date.fromisoformat(max(newest, date)) - dt.timedelta(days=window)).isoformat()
        conn.execute("DELETE FROM memory_day WHERE story IN "
                     "(SELECT story FROM memory_day GROUP BY story HAVING max(day) < ?)", (cutoff,))


def match(today: Sequence[Signature], past: Sequence[Remembered], threshold: float, related: float
          ) -> tuple[list[Remembered | None], list[list[Remembered]]]:
    """For each of today's stories, the remembered story it continues, or None; and, for a story that continues
    none, the remembered stories alike enough to be related (`related`, or RELATED_FLOOR and RELATED_NAMES), most
    alike first.

    Links: today's stories in their order (the pipeline's: most articles first), each taking, among the remembered
    stories not yet taken that are alike enough (`threshold`), the one with the most articles over its days, then
    the most alike. So an event's main thread keeps its id, rather than passing it to one of its smaller facets or
    sidelines. Related stories are not linked: a new story keeps its own id, and only its background draws on
    them (another incident of the same war, the day before's angle on a crisis)."""
    if not today or not past:
        return [None] * len(today), [[] for _ in today]
    recent = [[e.signature for e in r.days[-RECENT:]] for r in past]
    sims = similarity(today, recent)
    size = [sum(len(e.articles) for e in r.days) for r in past]
    pairs = sorted(((float(sims[i, j]), i, j) for i in range(len(today)) for j in range(len(past))
                    if sims[i, j] >= threshold), key=lambda p: (p[1], -size[p[2]], -p[0], p[2]))
    found: list[Remembered | None] = [None] * len(today)
    used: set[int] = set()
    for _, i, j in pairs:
        if found[i] is None and j not in used:
            found[i] = past[j]
            used.add(j)
    shared = shared_names(today, recent)
    near = [[past[j] for j in sorted(range(len(past)), key=lambda j: (-sims[i, j], j))
             if sims[i, j] >= related or (sims[i, j] >= RELATED_FLOOR and shared[i, j] >= RELATED_NAMES)]
            if found[i] is None and related < 1.0 else [] for i in range(len(today))]
    return found, near


def shared_names(today: Sequence[Signature], past: Sequence[Sequence[Signature]]) -> np.ndarray:
    """Cosine of names and numbers by their own weights (not by rarity), the best over each remembered story's
    recent days."""
    def unit(names: Mapping[str, float]) -> dict[str, float]:
        norm = math.sqrt(sum(w * w for w in names.values())) or 1.0
        return {name: w / norm for name, w in names.items()}

    return _best(_dot([unit(s.names) for s in today], [unit(s.names) for days in past for s in days]), past)


def similarity(today: Sequence[Signature], past: Sequence[Sequence[Signature]]) -> np.ndarray:
    """Story similarity (cluster.combine of centroid cosine and name overlap), the best over each remembered
    story's recent days; names weigh by their rarity among all the signatures compared."""
    from .cluster import combine

    flat = [s for days in past for s in days]
    weighted = idf_unit([s.names for s in (*today, *flat)])
    cosine = np.array([s.centroid for s in today]) @ np.array([s.centroid for s in flat]).T
    return _best(combine(cosine, _dot(weighted[:len(today)], weighted[len(today):])), past)


def _dot(now: Sequence[Mapping[str, float]], then: Sequence[Mapping[str, float]]) -> np.ndarray:
    """Dot products of sparse vectors (term -> weight), one row per `now`."""
    return np.array([[sum(w * b.get(k, 0.0) for k, w in a.items()) for b in then] for a in now]).reshape(
        len(now), len(then))


def _best(sims: np.ndarray, past: Sequence[Sequence[Signature]]) -> np.ndarray:
    """Per remembered story, the best of its days' columns in `sims` (the days of `past`, flattened in order)."""
    owner = [j for j, days in enumerate(past) for _ in days]
    best = np.full((sims.shape[0], len(past)), -1.0)
    for col, j in enumerate(owner):
        best[:, j] = np.maximum(best[:, j], sims[:, col])
    return best


def _stories(rows: Sequence[tuple[str, str, str, bytes]]) -> list[Remembered]:
    """Rows ordered by story and day, as remembered stories."""
    stories: dict[str, list[Entry]] = {}
    for row in rows:
        entry = _entry(*row)
        stories.setdefault(entry.story, []).append(entry)
    return [Remembered(story, tuple(days)) for story, days in stories.items()]


def _row(e: Entry) -> tuple[str, str, str, bytes]:
    entry = {"title": e.title, "short": e.short, "long": e.long, "leads": e.leads, "citations": list(e.citations),
             "articles": list(e.articles), "names": dict(e.signature.names)}
    return e.story, e.day, json.dumps(entry, ensure_ascii=False), np.asarray(e.signature.centroid, "<f4").tobytes()


def _entry(story: str, day: str, entry: str, centroid: bytes) -> Entry:
    data = json.loads(entry)
    vector = np.frombuffer(centroid, dtype="<f4").astype(np.float64)
    return Entry(story, day, str(data["title"]), str(data["short"]), str(data["long"]),
                 tuple(dict(c) for c in data["citations"]), tuple(str(a) for a in data["articles"]),
                 Signature(vector, {str(k): float(v) for k, v in data["names"].items()}), str(data.get("leads", "")))
