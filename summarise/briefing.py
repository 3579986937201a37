"""Briefings of one story, extractive or abstractive, every sentence cited.

For one story (a cluster of Documents):
1. syndicated copies are merged into one source that lists every outlet (dedupe.py);
2. candidates are the English sentences of every source (originals only when no source has English),
   duplicates, fragments and run-ons left out;
3. each candidate is scored by the weight of its words, a word weighing more the more sources use it and the
   more often (what a story is about is what its sources keep repeating), plus a bonus for sentences near the
   top of their article (news puts the essentials first);
4. extractive: sentences are picked greedily by how many not yet covered word pairs shared between sources
   they add per word (the facts several outlets report, each counted once; concept coverage as in Gillick
   and Favre's summariser), plus their score, less a penalty for closeness in meaning (sentence embeddings)
   or in words to the picks so far, until the word budget is met; the picks are ordered by their relative
   position in their article, then by source;
5. abstractive: a seq2seq model writes from the sources' text (abstractive.py), and the faithfulness guard
   (guard.py) replaces every sentence stating a number, date, amount or name that no source states;
6. every sentence cites its own source and any other that states the same thing;
7. the title is the best English source headline of at most 12 words; failing one, it is generated (and
   guarded) in abstractive mode, else the best headline or sentence cut to 12 words.
Everything is deterministic: ties break on input order.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

import numpy as np

from .config import Settings
from .dedupe import Source, merge
from .embed import DIM, embed
from .errors import ConfigError, ModelUnavailableError
from .guard import STOPWORDS, Checked, Evidence, Facts
from .text import paragraphs, sentences, word_count
from .types import Briefing, Citation, Document

if TYPE_CHECKING:  # pragma: no cover
    from .abstractive import Seq2SeqWriter

SUMMARISERS = ("extractive", "abstractive")
MIN_WORDS, MAX_WORDS = 8, 70  # shorter is a fragment or a heading, longer is a run-on or a list
DUPLICATE = 0.88  # cosine above which two sentences say the same thing
SUPPORT = 0.80  # cosine above which another source is cited for a sentence
# The weights below were tuned on 100 of the 250 Multi-News validation clusters (bench/quality.py) and checked
# on the other 150: ROUGE-2 15.7 against 13.8 for the best classic baseline there.
LEAD = 0.5  # weight of the position bonus (1 for an article's first sentence, 0 for its last)
COVERAGE, SCORE = 2.0, 0.5  # greedy pick: weights of the new shared word pairs (scaled to 1) and of the score
REDUNDANT_MEANING, REDUNDANT_WORDS = 2.0, 1.0  # penalties: cosine, and share of words, to the closest pick
TITLE_WORDS = 12
_TERMINAL = re.compile(r"[.!?…»\"”’')]$")
_BULLET = re.compile(r"^[-–•*·▪]\s+")
_NORM = re.compile(r"\W+")
_WORD = re.compile(r"\w+")


class Writer(Protocol):
    """An abstractive model: a short or long briefing of a text (abstractive.Seq2SeqWriter is the real one)."""

    def write(self, text: str, kind: str, *, max_words: int, min_words: int = 0, n_sources: int = 1) -> str: ...


@dataclass(frozen=True)
class _Candidate:
    text: str
    source: int  # index into the story's sources
    position: float  # 0.0 = first sentence of its article, 1.0 = last
    order: int  # global input order, for deterministic ties


@dataclass(frozen=True)
class _Story:
    """A cluster ready to brief: its sources and candidate sentences with their vectors, words and scores."""

    docs: tuple[Document, ...]
    sources: tuple[Source, ...]
    cands: tuple[_Candidate, ...]
    vectors: np.ndarray
    terms: tuple[frozenset[str], ...]
    pairs: tuple[frozenset[tuple[str, str]], ...]  # each candidate's adjacent content-word pairs
    weights: dict[tuple[str, str], float]  # a pair's worth: how many more sources than one use it
    scores: np.ndarray


def brief_cluster(docs: Sequence[Document], *, short_words: int = 60, long_min: int = 150, long_max: int = 300,
                  writer: Writer | None = None) -> Briefing:
    """Title, short and long briefing, with citations, for one story; abstractive when given a writer."""
    story = _story(docs)
    short, long, replaced = _extractive(story, short_words, long_min, long_max)
    generated = None
    if writer is not None and any(s.doc.english for s in story.sources):
        evidence = _evidence(story)
        short, long, replaced = _abstractive(story, writer, evidence, short_words, long_min, long_max,
                                             (short, long))
        generated = (writer, evidence, _strip(short))
    title, title_replaced = _title(story, generated)
    return Briefing(
        id=_cluster_id(docs), title=title, short=short, long=long,
        article_ids=tuple(d.article.id for d in docs),
        citations=tuple(_citation(s, n) for n, s in enumerate(story.sources, 1)),
        untranslated=tuple(d.article.id for d in docs if not d.english),
        replacements=replaced + title_replaced)


def briefer(settings: Settings, warn: Callable[[str], None]) -> Callable[[Sequence[Document]], Briefing]:
    """Brief one story at a time as `settings` say: abstractive when asked and the model loads, else extractive."""
    if settings.summariser not in SUMMARISERS:
        choices = ", ".join(sorted(SUMMARISERS))
        raise ConfigError(f"unknown summariser {settings.summariser!r}; choose one of: {choices}")
    writer: Seq2SeqWriter | None = None
    if settings.summariser == "abstractive":
        from .abstractive import Seq2SeqWriter

        writer = Seq2SeqWriter(settings.summary_model, device=settings.device, beams=settings.beam_size)
    missing: list[ModelUnavailableError] = []

    def brief_one(docs: Sequence[Document]) -> Briefing:
        if writer is not None and not missing:
            try:
                writer.load()  # the model loads with the first story, and stays loaded
            except ModelUnavailableError as exc:
                missing.append(exc)
                warn(f"{exc}; briefing extractively instead")
        return brief_cluster(docs, short_words=settings.short_words, long_min=settings.long_min_words,
                             long_max=settings.long_max_words, writer=None if missing else writer)

    return brief_one


def terms(text: str) -> list[str]:
    """Content words, lower-cased and lightly stemmed (plural and verb endings), stopwords left out."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[:-len(suffix)]
                break
        out.append(word)
    return out


def _story(docs: Sequence[Document]) -> _Story:
    sources = tuple(merge(docs))
    cands = _candidates(sources)
    vectors = embed([c.text for c in cands]) if cands else np.zeros((0, DIM), np.float32)
    words = tuple(frozenset(terms(c.text)) for c in cands)
    pairs = tuple(_pairs(c.text) for c in cands)
    return _Story(tuple(docs), sources, cands, vectors, words, pairs, _pair_weights(sources),
                  _scores(sources, cands, words))


def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent content words (stopwords skipped), the concepts a briefing should cover."""
    found = terms(text)
    return frozenset(zip(found, found[1:]))


def _pair_weights(sources: Sequence[Source]) -> dict[tuple[str, str], float]:
    """Sources using a pair, less one (what one outlet alone says is not yet the story); log count for one source."""
    usable = _usable(sources)
    count: Counter[tuple[str, str]] = Counter()
    spread: Counter[tuple[str, str]] = Counter()
    for i in usable:
        found = [_pairs(s.english) for s in sources[i].doc.body.sentences]
        count.update(p for pairs in found for p in pairs)
        spread.update(set().union(*found))
    if len(usable) > 1:
        return {pair: float(n - 1) for pair, n in spread.items()}
    return {pair: math.log(n) for pair, n in count.items()}


def _usable(sources: Sequence[Source]) -> list[int]:
    """The sources to take sentences from: the English ones when there are any."""
    return [i for i, s in enumerate(sources) if s.doc.english] or list(range(len(sources)))


def _candidates(sources: Sequence[Source]) -> tuple[_Candidate, ...]:
    """Usable sentences, exact duplicates dropped."""
    seen: set[str] = set()
    out: list[_Candidate] = []
    for i in _usable(sources):
        sents = sources[i].doc.body.sentences
        for j, s in enumerate(sents):
            text = _BULLET.sub("", s.english.strip())  # a list item reads as a sentence without its marker
            key = _NORM.sub(" ", text.lower()).strip()
            if key in seen or not MIN_WORDS <= word_count(text) <= MAX_WORDS:
                continue
            if not _TERMINAL.search(text):  # headings, captions and list fragments read badly
                continue
            seen.add(key)
            out.append(_Candidate(text, i, j / max(len(sents) - 1, 1), len(out)))
    return tuple(out)


def _scores(sources: Sequence[Source], cands: Sequence[_Candidate], words: Sequence[frozenset[str]]) -> np.ndarray:
    """Mean word weight (sources using the word x log(1 + its count)), standardised, plus the lead bonus."""
    if not cands:
        return np.zeros(0)
    count: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    for i in _usable(sources):
        found = [t for s in sources[i].doc.body.sentences for t in terms(s.english)]
        count.update(found)
        spread.update(set(found))
    weight = np.array([sum(spread[t] * math.log1p(count[t]) for t in w) / max(len(w), 1) for w in words])
    spreadout = weight.std()
    lexical = (weight - weight.mean()) / spreadout if spreadout > 0 else np.zeros(len(cands))
    return lexical + LEAD * np.array([1.0 - c.position for c in cands])


def _select(story: _Story, *, low: int, high: int, max_sentences: int = 1000) -> list[int]:
    """Greedy picks (new shared pairs per word, score, less redundancy) until `low` words, never past `high`."""
    n = len(story.cands)
    lengths = np.array([word_count(c.text) for c in story.cands])
    meaning = np.zeros(n)  # cosine to the closest pick
    wording = np.zeros(n)  # share of the candidate's words found in the closest pick
    covered: set[tuple[str, str]] = set()
    chosen: list[int] = []
    words = 0
    while words < low and len(chosen) < max_sentences:
        gain = np.array([sum(story.weights.get(p, 0.0) for p in pairs - covered) for pairs in story.pairs],
                        dtype=float) / np.maximum(lengths, 1)
        top = gain.max(initial=0.0)
        value = (COVERAGE * (gain / top if top > 0 else gain) + SCORE * story.scores
                 - REDUNDANT_MEANING * meaning - REDUNDANT_WORDS * wording)
        blocked = (meaning > DUPLICATE) | (words + lengths > high)
        blocked[chosen] = True
        if blocked.all():
            break
        best = int(np.argmax(np.where(blocked, -np.inf, value)))  # first of equals: input order breaks ties
        chosen.append(best)
        covered |= story.pairs[best]
        words += int(lengths[best])
        meaning = np.maximum(meaning, story.vectors @ story.vectors[best])
        picked = story.terms[best]
        wording = np.maximum(wording, [len(t & picked) / max(len(t), 1) for t in story.terms])
    return chosen


def _ordered(cands: Sequence[_Candidate], ids: Sequence[int]) -> list[int]:
    """Reading order: earlier-in-article first, then by source, then input order."""
    return sorted(ids, key=lambda i: (round(cands[i].position, 1), cands[i].source, cands[i].order))


def _cite(story: _Story, i: int) -> tuple[int, ...]:
    """Citation numbers for candidate i: its own source and any other with a sentence saying the same."""
    sims = story.vectors @ story.vectors[i]
    return tuple(sorted({story.cands[i].source + 1} | {story.cands[j].source + 1
                                                       for j in np.flatnonzero(sims >= SUPPORT)}))


def _markers(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _extractive(story: _Story, short_words: int, long_min: int, long_max: int) -> tuple[str, str, int]:
    """Short and long briefings of source sentences (nothing to replace)."""
    cands = story.cands

    def render(ids: Sequence[int]) -> str:
        return " ".join(cands[i].text + _markers(_cite(story, i)) for i in _ordered(cands, ids))

    short = render(_select(story, low=short_words * 3 // 5, high=short_words, max_sentences=2))
    if not short and cands:  # every sentence is longer than the short budget: cut the best one
        best = int(np.argmax(story.scores))
        short = _clip(cands[best].text, short_words) + _markers(_cite(story, best))
    return short, render(_select(story, low=long_min, high=long_max)), 0


def _evidence(story: _Story) -> Evidence:
    """The guard's view of the story: candidate sentences, and every text its sources hold, as written."""
    texts = [t for d in story.docs for s in d.body.sentences for t in (s.english, s.source)]
    texts += [t for d in story.docs for t in (d.title_en, d.article.title)]
    return Evidence([c.text for c in story.cands], [c.source for c in story.cands], story.vectors, Facts.of(texts))


def _centrality(story: _Story) -> dict[int, float]:
    """Mean candidate score per source (sources without a candidate last)."""
    return {i: float(np.mean([story.scores[k] for k, c in enumerate(story.cands) if c.source == i] or [-9.0]))
            for i in range(len(story.sources))}


def _source_text(story: _Story) -> str:
    """The English sources' text, most central source first (models read the start most closely)."""
    centrality = _centrality(story)
    order = sorted((i for i, s in enumerate(story.sources) if s.doc.english), key=lambda i: (-centrality[i], i))
    return "\n\n".join(story.sources[i].doc.body.text for i in order)


def _abstractive(story: _Story, writer: Writer, evidence: Evidence, short_words: int, long_min: int,
                 long_max: int, fallback: tuple[str, str]) -> tuple[str, str, int]:
    """Short and long briefings written by the model and guarded; the extractive one where it wrote nothing."""
    text, n = _source_text(story), len(story.sources)
    outputs = (writer.write(text, "short", max_words=short_words, n_sources=n),
               writer.write(text, "long", max_words=long_max, min_words=long_min, n_sources=n))
    rendered, replaced = [], 0
    for output, extractive in zip(outputs, fallback):
        checked, failed = evidence.check([s for p in paragraphs(output) for s in sentences(p)])
        rendered.append(_render_checked(checked) or extractive)
        replaced += failed
    return rendered[0], rendered[1], replaced


def _render_checked(checked: Sequence[Checked]) -> str:
    return " ".join(c.text + _markers([i + 1 for i in c.sources]) for c in checked)


def _strip(text: str) -> str:
    """A briefing without its citation markers."""
    return re.sub(r"\[\d+\]", "", text)


def _title(story: _Story, generated: tuple[Writer, Evidence, str] | None) -> tuple[str, int]:
    """The best English headline of at most 12 words; else a generated, guarded one; else one cut to 12 words.

    Also returns 1 when a generated title failed the guard (and was replaced), else 0.
    """
    centrality = _centrality(story)
    ranked = sorted(range(len(story.sources)), key=lambda i: (not story.sources[i].doc.english, -centrality[i], i))
    docs = [story.sources[i].doc for i in ranked if story.sources[i].doc.title_en.strip()]
    fitting = [d.title_en.strip() for d in docs if d.english and _headline_like(d.title_en.strip())]
    if fitting:
        return fitting[0], 0
    failed = 0
    if generated is not None:
        writer, evidence, short = generated
        written = sentences(writer.write(short, "short", max_words=TITLE_WORDS, n_sources=len(story.sources)))
        title = written[0].rstrip(".") if written else ""
        failed = evidence.check([title])[1] if title else 0
        if title and not failed and _headline_like(title):
            return title, 0
    best = int(np.argmax(story.scores)) if story.cands else -1
    fallback = docs[0].title_en.strip() if docs else (story.cands[best].text if story.cands else "")
    return _clip(fallback, TITLE_WORDS), failed


def _headline_like(text: str) -> bool:
    """At most 12 words, not cut short, not a full sentence ending in a full stop."""
    return 0 < word_count(text) <= TITLE_WORDS and not text.endswith(("…", "."))


def _clip(text: str, words: int) -> str:
    """At most `words` words, cut at a word boundary and marked with an ellipsis when cut."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + "…"


def _citation(source: Source, n: int) -> Citation:
    """Citation n: the source's representative article, with every outlet that ran it."""
    a, doc = source.doc.article, source.doc
    outlets = source.outlets
    return Citation(n=n, article_id=a.id, title=doc.title_en, source=", ".join(outlets) if outlets else None,
                    url=a.url, language=doc.language.code, translated=doc.translated,
                    copies=tuple(c.article.id for c in source.copies))


def _cluster_id(docs: Sequence[Document]) -> str:
    """Stable: derived from the member articles' ids."""
    return hashlib.sha256(" ".join(sorted(d.article.id for d in docs)).encode()).hexdigest()[:12]
