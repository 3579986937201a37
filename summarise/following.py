"""Following stories across days: the pipeline's use of the story memory (memory.py) and backgrounds
(background.py).

recall (the stories remembered before today) → match (today's stories to them, by signature) → brief (a continuing
story leaves out what its earlier briefings told, keeps its id, and carries a background; a new one carries the
background of the remembered stories it is related to, if any) → remember (today's stories, once the day's
briefing is written). With `memory = false` (`--no-memory`), or when the memory cannot
be read, each step passes the day through as if it stood alone; an unreadable memory is reported in one line and
left as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from . import memory, store
from .citing import unmarked
from .config import Settings
from .text import paragraphs, sentences, word_count
from .types import Briefing, Document

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .events import Story
    from .memory import Remembered, Signature

Warn = Callable[[str], None]
LEADS = 3  # opening sentences of each source the memory keeps


def recall(settings: Settings, date: str, note: Warn) -> list[Remembered] | None:
    """The stories remembered before `date` (within the window); None when memory is off or unreadable."""
    if not settings.memory:
        return None
    try:
        return memory.recall(store.default_path(settings.out), date, settings.story_window_days)
    except memory.MemoryUnreadable as exc:
        note(f"{exc}; briefed this day without it")
        return None


def signatures(docs: Sequence[Document], stories: Sequence[Story], vectors: np.ndarray) -> list[Signature]:
    """Each story's signature (memory.signature) from its articles."""
    from .cluster import doc_text
    from .events import members

    return [memory.signature(vectors[members(s)], [doc_text(docs[i]) for i in members(s)]) for s in stories]


def match(found: Sequence[Signature], past: Sequence[Remembered] | None, settings: Settings
          ) -> tuple[list[Remembered | None], list[list[Remembered]]]:
    """The remembered story each of today's continues, or None; and for each that continues none, the remembered
    stories it is related to."""
    return memory.match(found, past or (), settings.link_threshold, settings.related_threshold)


def brief(brief_one: Callable[..., Briefing], docs: Sequence[Document], story: Story, past: Remembered | None,
          settings: Settings, date: str, related: Sequence[Remembered] = ()) -> Briefing:
    """One story of today briefed; as the next day of `past` when it continues one, else with the background of
    the `related` remembered stories, if any."""
    from .background import follow, relate
    from .events import members

    b = brief_one(docs, told(past) if past is not None else ())
    if len(story) > 1:
        by_index = {i: d.article.id for i, d in zip(members(story), docs, strict=True)}
        b = dataclasses.replace(b, facets=tuple(tuple(by_index[i] for i in f) for f in story))
    if past is not None:
        return follow(b, past, date, settings.background_words)
    return relate(b, related, settings.background_words) if related else b


def leads(b: Briefing, docs: Mapping[str, Document]) -> str:
    """The first LEADS sentences of each of the story's English sources that stand on their own, each with its
    source's marker: what a later background may draw on besides the briefing itself."""
    from .citing import markers
    from .coherence import is_fact_box, stands_alone
    from .story_model import MAX_WORDS, MIN_WORDS, shown

    found: list[str] = []
    for c in b.citations:
        doc = docs.get(c.article_id)
        if c.earlier or doc is None or not doc.english:
            continue
        fit = [t for s in doc.body.sentences if MIN_WORDS <= word_count(t := shown(s.english)) <= MAX_WORDS
               and t[-1] in ".!?\"”’" and stands_alone(t) and not is_fact_box(t)]
        found += [t + markers([c.n]) for t in fit[:LEADS]]
    return " ".join(found)


def told(past: Remembered) -> list[str]:
    """Every sentence the story's earlier briefings told, without markers or date labels."""
    found: list[str] = []
    for entry in past.days:
        for text in (entry.short, entry.long):
            found += [s for p in paragraphs(unmarked(text)) for s in sentences(p)]
    return found


def remember(settings: Settings, date: str, briefings: Sequence[Briefing], docs: Sequence[Document],
             signatures: Mapping[str, Signature], note: Warn) -> None:
    """Today's stories into the memory (replacing the day's earlier entries); a failure is reported, not fatal."""
    from .background import remembered_citation

    by_id = {d.article.id: d for d in docs}
    entries = [memory.Entry(b.id, date, b.title, b.short, b.long,
                            tuple(remembered_citation(c) for c in b.citations if not c.earlier),
                            b.article_ids, signatures[b.id], leads(b, by_id))
               for b in briefings if b.id in signatures]
    try:
        memory.remember(store.default_path(settings.out), date, settings.story_window_days, entries)
    except memory.MemoryUnreadable as exc:
        note(f"{exc}; today's stories were not remembered")
