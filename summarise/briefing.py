"""Extractive briefings: central, non-redundant source sentences, ordered to read well, each cited.

For one story (a cluster of Documents):
1. candidates are the English sentences of every source (originals only when no source has English),
   exact and near duplicates removed;
2. each candidate is scored by its similarity to the story's centroid plus a lead bonus
   (news puts the essentials first);
3. maximal marginal relevance picks sentences, penalising redundancy and sources already used,
   until the word budget is met;
4. the picks are ordered by their relative position in their article, then by source;
5. every sentence cites its own article and any other article that states the same thing.
Everything is deterministic: ties break on input order.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .embed import embed
from .text import word_count
from .types import Briefing, Citation, Document

MIN_WORDS, MAX_WORDS = 6, 70  # shorter is a fragment or a heading, longer is a run-on or a list
DUPLICATE = 0.88  # cosine above which two sentences say the same thing
SUPPORT = 0.80  # cosine above which another source is cited for a sentence
TITLE_WORDS = 14
_TERMINAL = re.compile(r"[.!?…»\"”’')]$")
_NORM = re.compile(r"\W+")


@dataclass(frozen=True)
class _Candidate:
    text: str
    doc: int  # index into the cluster's documents
    position: float  # 0.0 = first sentence of its article, 1.0 = last
    order: int  # global input order, for deterministic ties


def brief_cluster(docs: Sequence[Document], *, short_words: int = 60, long_min: int = 150,
                  long_max: int = 300) -> Briefing:
    """Title, short and long briefing, with citations, for one story."""
    cands = _candidates(docs)
    vectors = embed([c.text for c in cands]) if cands else np.zeros((0, 512), np.float32)
    scores = _scores(cands, vectors)
    numbers = _citation_numbers(docs)
    long_ids = _select(cands, vectors, scores, low=long_min, high=long_max)
    short_ids = _select(cands, vectors, scores, low=short_words * 3 // 5, high=short_words, max_sentences=2)
    cite = _citer(cands, vectors, numbers)
    short = _render(cands, _ordered(cands, short_ids), cite)
    if not short and cands:  # every sentence is longer than the short budget: cut the best one
        best = int(np.argmax(scores))
        short = _clip(cands[best].text, short_words) + "".join(f"[{n}]" for n in cite(best))
    return Briefing(
        id=_cluster_id(docs),
        title=_title(docs, cands, scores),
        short=short,
        long=_render(cands, _ordered(cands, long_ids), cite),
        article_ids=tuple(d.article.id for d in docs),
        citations=tuple(_citation(docs[i], n) for i, n in sorted(numbers.items(), key=lambda kv: kv[1])),
        untranslated=tuple(d.article.id for d in docs if not d.english),
    )


def _candidates(docs: Sequence[Document]) -> list[_Candidate]:
    """Usable sentences, English ones only when there are any, exact duplicates dropped."""
    use = [i for i, d in enumerate(docs) if d.english] or list(range(len(docs)))
    seen: set[str] = set()
    out: list[_Candidate] = []
    for i in use:
        sents = docs[i].body.sentences
        for j, s in enumerate(sents):
            text = s.english.strip()
            key = _NORM.sub(" ", text.lower()).strip()
            if key in seen or not MIN_WORDS <= word_count(text) <= MAX_WORDS:
                continue
            if not _TERMINAL.search(text):  # headings, captions and list fragments read badly
                continue
            seen.add(key)
            out.append(_Candidate(text, i, j / max(len(sents) - 1, 1), len(out)))
    return out


def _scores(cands: Sequence[_Candidate], vectors: np.ndarray) -> np.ndarray:
    """Centrality to the story plus a bonus for sentences near the top of their article."""
    if not cands:
        return np.zeros(0)
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    lead = np.array([1.0 - c.position for c in cands])
    return vectors @ centroid + 0.15 * lead


def _select(cands: Sequence[_Candidate], vectors: np.ndarray, scores: np.ndarray, *, low: int,
            high: int, max_sentences: int = 1000) -> list[int]:
    """Maximal marginal relevance until `low` words are reached, never past `high`."""
    chosen: list[int] = []
    words = 0
    used_docs: set[int] = set()
    available = set(range(len(cands)))
    while available and words < low and len(chosen) < max_sentences:
        best, best_value = -1, -np.inf
        for i in sorted(available):
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            if redundancy > DUPLICATE or words + word_count(cands[i].text) > high:
                continue
            value = scores[i] - 0.5 * redundancy + (0.05 if cands[i].doc not in used_docs else 0.0)
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        chosen.append(best)
        available.discard(best)
        used_docs.add(cands[best].doc)
        words += word_count(cands[best].text)
    return chosen


def _ordered(cands: Sequence[_Candidate], ids: Sequence[int]) -> list[int]:
    """Reading order: earlier-in-article first, then by source, then input order."""
    return sorted(ids, key=lambda i: (round(cands[i].position, 1), cands[i].doc, cands[i].order))


def _citation_numbers(docs: Sequence[Document]) -> dict[int, int]:
    """Citation number per document index: [1] is the first source, in cluster order."""
    return {i: i + 1 for i in range(len(docs))}


def _citer(cands: Sequence[_Candidate], vectors: np.ndarray, numbers: dict[int, int]):  # type: ignore[no-untyped-def]
    """A function giving the citation numbers for candidate i: its own source and any that agree."""

    def cite(i: int) -> list[int]:
        docs = {cands[i].doc}
        if len(vectors):
            sims = vectors @ vectors[i]
            docs |= {cands[j].doc for j in np.flatnonzero(sims >= SUPPORT)}
        return sorted(numbers[d] for d in docs)

    return cite


def _render(cands: Sequence[_Candidate], ids: Sequence[int], cite) -> str:  # type: ignore[no-untyped-def]
    """Sentences joined, each followed by its citation markers."""
    return " ".join(cands[i].text + "".join(f"[{n}]" for n in cite(i)) for i in ids)


def _title(docs: Sequence[Document], cands: Sequence[_Candidate], scores: np.ndarray) -> str:
    """The best source headline: a real English headline from the source most central to the story."""
    centrality = {i: float(np.mean([scores[k] for k, c in enumerate(cands) if c.doc == i] or [0.0]))
                  for i in range(len(docs))}

    def rank(i: int) -> tuple[int, int, float, int]:
        cut = docs[i].title_en.endswith("…")  # derived from the first sentence, not a headline
        return (0 if docs[i].english else 1, 1 if cut else 0, -centrality[i], i)

    return _clip(docs[min(range(len(docs)), key=rank)].title_en, TITLE_WORDS)


def _clip(text: str, words: int) -> str:
    """At most `words` words, cut at a word boundary and marked with an ellipsis when cut."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + "…"


def _citation(doc: Document, n: int) -> Citation:
    a = doc.article
    return Citation(n=n, article_id=a.id, title=doc.title_en, source=a.source, url=a.url,
                    language=doc.language.code, translated=doc.translated)


def _cluster_id(docs: Sequence[Document]) -> str:
    """Stable: derived from the member articles' ids."""
    return hashlib.sha256(" ".join(sorted(d.article.id for d in docs)).encode()).hexdigest()[:12]
