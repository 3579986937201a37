"""How a briefing reads and cites (step 8 of briefing.py's account, and step 6's reading order): sentences in
reading order with their citation markers, a timeline's paragraphs under their dates, and the sources renumbered
in the order the briefing first cites them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .article import headline_of
from .dates import short_date
from .dedupe import Source
from .guard import Checked
from .story_model import Key, Story, position
from .types import Citation

SUPPORT = 0.80  # cosine above which another source is cited for a sentence
_MARKS = re.compile(r"\[(\d+)\]")


def _groups(story: Story, taken: set[Key], first: frozenset[Key] = frozenset()) -> list[list[Key]]:
    """Taken sentences in reading order: runs of one source that belong together (consecutive, or a sentence
    and what it leans on) stay together and in source order; runs are ordered by their place in their article,
    then by source, and in a timeline by development first. A run holding a key of `first` (the lede) opens its
    development, so that the long opens on what the short says."""
    index = story.index
    parent = {key: key for key in taken}

    def root(key: Key) -> Key:
        while parent[key] != key:
            key = parent[key]
        return key

    for source, at in taken:
        needs = story.cands[index[(source, at)]].needs if (source, at) in index else ()
        for other in [(source, story.previous[source][at]), *((source, k) for k in needs)]:
            if other in taken:
                parent[root((source, at))] = root(other)
    runs: dict[Key, list[Key]] = {}
    for key in sorted(taken):
        runs.setdefault(root(key), []).append(key)
    development = {i: d for d, members in enumerate(story.developments) for i in members}
    timeline = story.timeline

    def place(run: list[Key]) -> tuple[int, bool, float, int, int]:
        source, index = run[0]
        return (development.get(source, 0) if timeline else 0, first.isdisjoint(run),
                round(position(index, len(story.texts[source])), 1), source, index)

    return sorted(runs.values(), key=place)


def cite(story: Story, key: Key) -> tuple[int, ...]:
    """Citation numbers for a sentence: its own source and any other with a sentence saying the same."""
    k = story.index.get(key)
    if k is None:
        return (key[0] + 1,)
    sims = story.vectors @ story.vectors[k]
    return tuple(sorted({key[0] + 1} | {story.cands[j].source + 1 for j in np.flatnonzero(sims >= SUPPORT)}))


def markers(numbers: Sequence[int]) -> str:
    """'[1][3]'."""
    return "".join(f"[{n}]" for n in numbers)


def cited_text(story: Story, taken: set[Key], *, dated: bool, first: frozenset[Key] = frozenset()) -> str:
    """Sentences with their markers; in a timeline, one paragraph per development, introduced by its date; the
    run holding a key of `first` first in its development."""
    runs = _groups(story, taken, first)
    if not (dated and story.timeline):
        return " ".join(story.texts[s][i] + markers(cite(story, (s, i))) for run in runs for s, i in run)
    paragraphs_: list[tuple[str, list[str]]] = []
    for run in runs:
        day = story.days[run[0][0]]
        label = short_date(development_day(story, run[0][0])) if day else "Undated"
        text = [story.texts[s][i] + markers(cite(story, (s, i))) for s, i in run]
        if paragraphs_ and paragraphs_[-1][0] == label:
            paragraphs_[-1][1].extend(text)
        else:
            paragraphs_.append((label, text))
    return "\n\n".join(f"{label}: {' '.join(text)}" for label, text in paragraphs_)


def development_day(story: Story, source: int) -> dt.date:
    """The first day of the development a dated source belongs to."""
    members = next(d for d in story.developments if source in d)
    return min(day for i in members if (day := story.days[i]) is not None)


def checked_text(checked: Sequence[Checked]) -> str:
    """Guarded sentences with their markers."""
    return " ".join(c.text + markers([i + 1 for i in c.sources]) for c in checked)


def unmarked(text: str) -> str:
    """A briefing without its citation markers."""
    return _MARKS.sub("", text)


def numbered(story: Story, short: str, long: str) -> tuple[str, str, tuple[Citation, ...]]:
    """Sources renumbered in the order the briefing first cites them, the uncited ones after (marked so)."""
    short, long = (_MARKS.sub(lambda m: m.group(0) if 0 < int(m.group(1)) <= len(story.sources) else "", text)
                   for text in (short, long))  # a generated "[9]" cites nothing
    first_seen = list(dict.fromkeys(int(n) for n in _MARKS.findall(f"{short} {long}")))
    order = first_seen + [n for n in range(1, len(story.sources) + 1) if n not in first_seen]
    new = {old: k for k, old in enumerate(order, 1)}

    def renumber(text: str) -> str:
        return re.sub(r"(?:\[\d+\])+", lambda m: markers(sorted(new[int(n)] for n in _MARKS.findall(m.group(0)))),
                      text)

    citations = tuple(replace(_citation(story.sources[old - 1], new[old], story.days[old - 1]),
                              cited=old in first_seen) for old in order)
    return renumber(short), renumber(long), citations


def _citation(source: Source, n: int, day: dt.date | None) -> Citation:
    """Citation n: the source's representative article, with every outlet that ran it."""
    a, doc = source.doc.article, source.doc
    outlets = source.outlets
    return Citation(n=n, article_id=a.id, title=headline_of(doc.title_en, a.text),
                    source=", ".join(outlets) if outlets else None,
                    url=a.url, language=doc.language.code, translated=doc.translated,
                    copies=tuple(c.article.id for c in source.copies),
                    published=day.isoformat() if day else None)

