"""A continuing story: what it continues, and the background a reader needs, from the story's memory; a new one:
the background of the stories it is related to.

The background is drawn from the sentences the story's earlier briefings told (memory.py keeps each day's short
and long with their sources), cited to those earlier sources and dated by the day they were briefed:

1. the sentences are those of each earlier day's short and long, and the opening sentences of its sources, each
   one that can be read on its own (coherence.stands_alone: in the long it may have followed the sentence it
   leans on, here it would not);
2. a sentence counts for how central it is among them (its mean tf-idf cosine to the others, LexRank's degree:
   what the story's days keep saying is what a reader needs), and a little more for sharing words with today's
   update (the background that update needs);
3. a sentence that repeats today's update or details (in most of their words, or in other words: embeddings as
   close as selection.told asks), or one already picked, is left out;
4. the best are taken until `background_words`, then told in date order: "25 Jan 2011: … 28 Jan 2011: …".

A new story (one that continues none) gets the same background from the remembered stories it is related to
(memory.match, `related_threshold`: another incident of the same war, another angle on the same crisis), read as
one past, and shown as related coverage, not as its own history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .citing import markers, unmarked
from .coherence import stands_alone
from .dates import short_date
from .memory import Remembered
from .story_model import terms
from .text import idf_unit, word_count
from .types import Briefing, Citation, Continuation

RELEVANCE = 1.0  # weight of a sentence's share of words found in today's update
REPEATS = 0.5  # share of a sentence's words found in the update, or in a pick, that makes it a repeat
MIN_WORDS = 6
_CITED = re.compile(r"\s*(.+?)((?:\[\d+\])+)(?=\s|$)", re.DOTALL)
_MARKS = re.compile(r"\[(\d+)\]")
_LABEL = re.compile(r"(?m)^(?:\d{1,2} [A-Z][a-z]{2} \d{4}|Undated)(?:: | — )")  # a timeline date, a dateline


@dataclass(frozen=True)
class _Unit:
    """A sentence an earlier briefing told, with its sources."""

    day: int  # index into the story's days
    order: int
    text: str
    sources: tuple[Mapping[str, Any], ...]
    words: frozenset[str]


def follow(b: Briefing, past: Remembered, date: str, words: int) -> Briefing:
    """`b`, a story of `date`, as the continuation of `past`: its id, `continues`, and a background citing
    earlier sources after today's."""
    first = dt.date.fromisoformat(past.first_seen)
    continues = Continuation(past.first_seen, past.last_seen, (dt.date.fromisoformat(date) - first).days + 1)
    text, earlier = background(past, b.short, words, offset=len(b.citations), today=b.long)
    return dataclasses.replace(b, id=past.id, continues=continues, background=text,
                               citations=(*b.citations, *earlier))


def relate(b: Briefing, related: Sequence[Remembered], words: int) -> Briefing:
    """`b`, a new story, with a background drawn from the remembered stories it is related to (the days of all
    of them, as one past) and `related` naming those it draws on. The story keeps its own id: it continues none."""
    days = tuple(sorted((e for r in related for e in r.days), key=lambda e: (e.day, e.story)))
    text, earlier = background(Remembered("", days), b.short, words, offset=len(b.citations), today=b.long)
    drawn = {c.article_id for c in earlier}
    used = tuple(r.id for r in related if drawn & {a for e in r.days for a in e.articles})
    return dataclasses.replace(b, background=text, citations=(*b.citations, *earlier), related=used) if text else b


def background(past: Remembered, update: str, words: int, offset: int = 0,
               today: str = "") -> tuple[str, tuple[Citation, ...]]:
    """The background text (citation markers numbered from offset + 1) and the earlier sources it cites; what
    `update` or `today`'s other text says is not repeated."""
    said = [m.group(1).strip() for m in _CITED.finditer(_LABEL.sub("", f"{update} {today}"))]
    units = _unsaid(_units(past), said)
    picked = sorted(_pick(units, set(terms(unmarked(update))), words), key=lambda u: (u.day, u.order))
    numbers: dict[str, int] = {}
    cited: list[Citation] = []
    lines: dict[str, list[str]] = {}
    for unit in picked:
        own = []
        for source in unit.sources:
            key = str(source.get("article"))
            if key not in numbers:
                numbers[key] = offset + len(numbers) + 1
                cited.append(_citation(source, numbers[key]))
            own.append(numbers[key])
        lines.setdefault(past.days[unit.day].day, []).append(unit.text + markers(sorted(set(own))))
    text = "\n".join(f"{short_date(dt.date.fromisoformat(day))}: {' '.join(s)}" for day, s in sorted(lines.items()))
    return text, tuple(cited)


def _units(past: Remembered) -> list[_Unit]:
    """Every sentence of the story's earlier shorts and longs, once, with the sources its markers name."""
    seen: set[str] = set()
    units: list[_Unit] = []
    for d, entry in enumerate(past.days):
        by_n = {int(c.get("n", 0)): c for c in entry.citations}
        for text in (entry.short, entry.long, entry.leads):
            for match in _CITED.finditer(_LABEL.sub("", text)):
                sentence = match.group(1).strip()
                key = " ".join(terms(sentence))
                if key in seen or word_count(sentence) < MIN_WORDS or not stands_alone(sentence):
                    continue
                seen.add(key)
                sources = tuple(by_n[n] for n in map(int, _MARKS.findall(match.group(2))) if n in by_n)
                units.append(_Unit(d, len(units), sentence, sources, frozenset(terms(sentence))))
    return units


def _unsaid(units: list[_Unit], said: Sequence[str]) -> list[_Unit]:
    """The units that today's briefing (its sentences, `said`) does not already say: in most of their words
    (REPEATS), or in other words (embeddings as close as selection.told asks of a told sentence)."""
    told = [frozenset(terms(text)) for text in said]
    units = [u for u in units if not any(_repeats(u.words, t) for t in told)]
    if not units or not said:
        return units
    from .embed import embed
    from .selection import TOLD_MEANING

    close = (embed([u.text for u in units]) @ embed(list(said)).T).max(axis=1) >= TOLD_MEANING
    return [u for u, near in zip(units, close, strict=True) if not near]


def _pick(units: Sequence[_Unit], update: set[str], budget: int) -> list[_Unit]:
    """The most central sentences (what the story's days keep saying) that fit `budget` words, a little more
    for sharing words with today's update, none repeating the update or each other."""
    central = _centrality(units)

    def value(k: int) -> float:
        u = units[k]
        return central[k] + RELEVANCE * len(u.words & update) / max(len(u.words), 1)

    picked: list[_Unit] = []
    used = 0
    for k in sorted(range(len(units)), key=lambda k: (-value(k), units[k].day, units[k].order)):
        u, length = units[k], word_count(units[k].text)
        if used + length > budget or _repeats(u.words, update) or any(_repeats(u.words, p.words) for p in picked):
            continue
        picked.append(u)
        used += length
    return picked


def _centrality(units: Sequence[_Unit]) -> list[float]:
    """Each sentence's mean tf-idf cosine to the others (LexRank's degree, unthresholded), scaled to at most 1."""
    vectors = idf_unit([dict.fromkeys(u.words, 1.0) for u in units])
    total: Counter[str] = Counter()
    for v in vectors:
        total.update(v)
    degree = [sum(x * (total[w] - x) for w, x in v.items()) / max(len(units) - 1, 1) for v in vectors]
    top = max(degree, default=0.0) or 1.0
    return [d / top for d in degree]


def _repeats(words: frozenset[str], other: set[str] | frozenset[str]) -> bool:
    return bool(words) and len(words & other) >= REPEATS * len(words)


def _citation(source: Mapping[str, Any], n: int) -> Citation:
    """An earlier source, as memory keeps it, renumbered."""
    return Citation(n=n, article_id=str(source.get("article")), title=str(source.get("title") or ""),
                    source=source.get("source"), url=source.get("url"), language=str(source.get("language", "en")),
                    translated=bool(source.get("translated")), copies=tuple(source.get("copies") or ()),
                    published=source.get("published"), cited=True, earlier=True)


def remembered_citation(c: Citation) -> dict[str, Any]:
    """A citation as memory keeps it."""
    return {"n": c.n, "article": c.article_id, "title": c.title, "source": c.source, "url": c.url,
            "published": c.published, "language": c.language, "translated": c.translated, "copies": list(c.copies)}
