"""Syndicated copies merged: one source per wire story, listing every outlet that ran it.

Two articles are copies when most of the shorter one's word 5-grams also occur in the longer one (outlets trim,
retitle and append their own lines to a wire story, so containment, not Jaccard, is the measure). Copies are
grouped transitively; the longest copy stands for the group, since it is the most complete text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from .types import Document

SHINGLE = 5  # words per shingle: long enough that unrelated articles rarely share one
COPY = 0.6  # share of the shorter article's shingles found in the longer one, above which they are copies
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Source:
    """One source of a story: an article and the syndicated copies of it that other outlets ran."""

    doc: Document  # the longest copy
    copies: tuple[Document, ...] = ()

    @property
    def documents(self) -> tuple[Document, ...]:
        """Every copy, the representative first."""
        return (self.doc, *self.copies)

    @property
    def outlets(self) -> tuple[str, ...]:
        """Each distinct outlet that ran the story (named source, else the URL's host), in order."""
        names = (d.article.source or (urlsplit(d.article.url).hostname if d.article.url else None)
                 for d in self.documents)
        return tuple(dict.fromkeys(n for n in names if n))


def shingles(text: str) -> frozenset[int]:
    """Hashed word 5-grams of a text, case-folded (the whole text as one shingle when it is shorter)."""
    words = _WORD.findall(text.casefold())
    return frozenset(hash(tuple(words[i:i + SHINGLE])) for i in range(max(len(words) - SHINGLE + 1, 1)))


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set found in the larger one."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def merge(docs: Sequence[Document], threshold: float = COPY) -> list[Source]:
    """The story's sources: copies merged, in the order of each group's first article."""
    sets = [shingles(d.body.text) for d in docs]
    parent = list(range(len(docs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            if root(i) != root(j) and containment(sets[i], sets[j]) >= threshold:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(docs)):
        groups.setdefault(root(i), []).append(i)
    return [_source([docs[i] for i in members]) for members in groups.values()]


def _source(copies: list[Document]) -> Source:
    """The group's longest English copy (longest of all when none is English) stands for it."""
    best = max(range(len(copies)), key=lambda k: (copies[k].english, len(copies[k].body.text), -k))
    return Source(copies[best], tuple(c for k, c in enumerate(copies) if k != best))
