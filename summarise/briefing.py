"""Briefings of one story, extractive or abstractive, every sentence cited.

For one story (a cluster of Documents):
1. syndicated copies are merged into one source that lists every outlet (dedupe.py);
2. candidates are the English sentences of every source (originals only when no source has English),
   duplicates, fragments and run-ons left out;
3. each candidate is scored by the weight of its words, a word weighing more the more sources use it and the
   more often (what a story is about is what its sources keep repeating), plus a bonus for sentences near the
   top of their article (news puts the essentials first);
   a sentence that opens on a back-reference ("He", "This visit", "The company", coherence.py) carries the
   sentences it leans on, which come along whenever it is picked (a list item carries its lead-in line);
4. developments: sources dated within DEVELOPMENT_DAYS of each other form one development; a story whose dated
   sources make more than one is told as a timeline, oldest first, each development introduced by its date;
5. the short is the lede: the most central standalone sentence among the first sentences of the newest
   development's sources (news puts who, what, where and when first), with the next one when it is short;
6. the long: sentences are picked greedily by how many not yet covered word pairs shared between sources
   they add per word (the facts several outlets report, each counted once; concept coverage as in Gillick
   and Favre's summariser), plus their score, less a penalty for closeness in meaning (sentence embeddings)
   or in words to the picks so far, until the word budget is met (a timeline first takes each development's
   lede, any other story its own lede); within a source the picks keep their order and a sentence follows the
   one it leans on;
7. abstractive: a seq2seq model writes from the sources' text (abstractive.py), and the faithfulness guard
   (guard.py) replaces every sentence stating a number, date, amount or name that no source states;
8. every sentence cites its own source and any other that states the same thing; sources are numbered in
   the order they are first cited, and the ones no sentence cites are marked so ("Also reported by");
9. the title is the headline of the lede's source (else of its development) when it reads as one; failing
   that, it is generated (and guarded) in abstractive mode, else the lede cut to 12 words.
Everything is deterministic: ties break on input order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .coherence import is_list_item, opens_on_reference, previous_sentences
from .config import Settings
from .dedupe import Source, merge
from .embed import DIM, embed
from .errors import ModelUnavailableError
from .guard import STOPWORDS, Checked, Evidence, Facts
from .text import paragraphs, sentences, word_count
from .types import Briefing, Citation, Document

if TYPE_CHECKING:  # pragma: no cover
    from .abstractive import Seq2SeqWriter

MIN_WORDS, MAX_WORDS = 8, 70  # shorter is a fragment or a heading, longer is a run-on or a list
DUPLICATE = 0.88  # cosine above which two sentences say the same thing
SUPPORT = 0.80  # cosine above which another source is cited for a sentence
# The weights below were tuned on 100 of the 250 Multi-News validation clusters (bench/quality.py) and checked
# on the other 150: ROUGE-2 15.7 against 13.8 for the best classic baseline there.
LEAD = 0.5  # weight of the position bonus (1 for an article's first sentence, 0 for its last)
COVERAGE, SCORE = 2.0, 0.5  # greedy pick: weights of the new shared word pairs (scaled to 1) and of the score
REDUNDANT_MEANING, REDUNDANT_WORDS = 2.0, 1.0  # penalties: cosine, and share of words, to the closest pick
TITLE_WORDS = 12  # a title cut from a sentence
HEADLINE_WORDS = 16  # a source's headline longer than this is cut too
MAX_ANTECEDENTS = 3  # a sentence leaning on more earlier sentences than this is not picked
LEDE_SPAN = 2  # the lede is among the first this many candidate sentences of a source
LEDE_SCORE, LEDE_MEANING, LEDE_RANK = 1.0, 2.0, 0.3  # lede: weights of score, closeness to the openings, rank
LEDE_SECOND = 12  # a lede shorter than this many words takes the next sentence of its source along
DEVELOPMENT_DAYS = 3  # sources dated within this many days of each other report one development
_TERMINAL = re.compile(r"[.!?…»\"”’')]$")
_BULLET = re.compile(r"^[-–•*·▪]\s+")
# "KATHMANDU (Reuters) - ", "ALLENTOWN, Pa. - ", "(CNN) — ": a wire dateline, which says nothing in a briefing.
_DATELINE = re.compile(r"^(?:[A-Z][A-Z'’.-]{2,}(?:\s+[A-Z][A-Z'’.-]+)*(?:,\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)?"
                       r"(?:\s*\([^()]{1,30}\))?|\([A-Za-z ]{2,20}\))\s*(?:--?|[—–])\s+(?=[A-Z0-9\"“‘'])")
_NORM = re.compile(r"\W+")
_WORD = re.compile(r"\w+")
_MARKS = re.compile(r"\[(\d+)\]")
_FOOTNOTE = re.compile(r"\s*\[\d+\]")

Key = tuple[int, int]  # (source, sentence index in that source's body)


class Writer(Protocol):
    """An abstractive model: a short or long briefing of a text (abstractive.Seq2SeqWriter is the real one)."""

    def write(self, text: str, kind: str, *, max_words: int, min_words: int = 0, n_sources: int = 1) -> str: ...


@dataclass(frozen=True)
class _Candidate:
    text: str
    source: int  # index into the story's sources
    index: int  # the sentence's place in its source's body
    position: float  # 0.0 = first sentence of its article, 1.0 = last
    order: int  # global input order, for deterministic ties
    needs: tuple[int, ...] = ()  # earlier sentences of its source it leans on, brought along with it
    rank: int = 0  # how many candidates of its source come before it


@dataclass(frozen=True)
class _Story:
    """A cluster ready to brief: its sources and candidate sentences with their vectors, words and scores."""

    docs: tuple[Document, ...]
    sources: tuple[Source, ...]
    texts: tuple[tuple[str, ...], ...]  # every body sentence of every source, as a briefing shows it
    cands: tuple[_Candidate, ...]
    vectors: np.ndarray
    terms: tuple[frozenset[str], ...]
    pairs: tuple[frozenset[tuple[str, str]], ...]  # each candidate's adjacent content-word pairs
    weights: dict[tuple[str, str], float]  # a pair's worth: how many more sources than one use it
    scores: np.ndarray
    days: tuple[dt.date | None, ...]  # each source's publication day, when known
    developments: tuple[tuple[int, ...], ...]  # sources per development, oldest first; undated ones last
    previous: tuple[tuple[int | None, ...], ...]  # per source and sentence: the sentence before it, headings skipped
    index: dict[Key, int]  # the candidate for each (source, sentence) that is one

    @property
    def timeline(self) -> bool:
        """More than one dated development: the story is told in date order."""
        return sum(1 for d in self.developments if self.days[d[0]] is not None) > 1

    @property
    def newest(self) -> tuple[int, ...]:
        """The sources of the newest dated development (every usable source when none is dated)."""
        dated = [d for d in self.developments if self.days[d[0]] is not None]
        return dated[-1] if dated else tuple(range(len(self.sources)))


def brief_cluster(docs: Sequence[Document], settings: Settings | None = None, *, writer: Writer | None = None,
                  notice: str | None = None) -> Briefing:
    """Title, short and long briefing, with citations, for one story, as long as `settings` say (default:
    Settings()); abstractive when given a writer."""
    settings = settings or Settings()
    short_words, long_min, long_max = settings.short_words, settings.long_min_words, settings.long_max_words
    story = _story(docs)
    lede = _lede(story, short_words)
    short, long, replaced = _extractive(story, lede, short_words, long_min, long_max)
    generated = None
    if writer is not None and any(s.doc.english for s in story.sources):
        evidence = _evidence(story)
        short, long, replaced = _abstractive(story, writer, evidence, short_words, long_min, long_max,
                                             (short, long))
        generated = (writer, evidence, _strip(short))
    title, title_replaced = _title(story, lede, generated)
    short, long, citations = _numbered(story, short, long)
    untranslated = tuple(d.article.id for d in docs if not d.english)
    english = any(s.doc.english for s in story.sources)
    return Briefing(
        id=_cluster_id(docs), title=title, short=short, long=long,
        article_ids=tuple(d.article.id for d in docs), citations=citations, untranslated=untranslated,
        replacements=replaced + title_replaced, english=english,
        language="en" if english else _main_language(story), notice=None if english else notice)


def briefer(settings: Settings, warn: Callable[[str], None]) -> Callable[[Sequence[Document]], Briefing]:
    """Brief one story at a time as `settings` say: abstractive when asked and the model loads, else extractive."""
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
        return brief_cluster(docs, settings, writer=None if missing else writer,
                             notice=untranslated_notice(docs, settings))

    return brief_one


def untranslated_notice(docs: Sequence[Document], settings: Settings) -> str | None:
    """What a reader of a story kept in its original languages needs to know, and how to get it in English."""
    from .render import LANGUAGE_NAMES

    langs = sorted({d.language.code for d in docs if not d.english})
    if not langs or any(d.english for d in docs):
        return None
    names = " and ".join(LANGUAGE_NAMES.get(code, code) for code in langs)
    originals = f"{names} original{'s' if len(langs) > 1 else ''}, not translated"
    if not settings.translate:
        return f"{originals} (translation is off: run without --no-translate to translate)"
    if all(d.language.code == "und" for d in docs):
        return f"{originals}: the language could not be determined"
    fixes = "; ".join(f"`hf download {settings.model_for(code)}` once with network, or set "
                      f"`[models] {code} = \"/path\"`" for code in langs if code != "und")
    return f"{originals}: {fixes}"


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


def shown(sentence: str) -> str:
    """A source sentence as a briefing shows it: no list marker, no wire dateline, no footnote marks ("[12]",
    which would read as our citations)."""
    return _FOOTNOTE.sub("", _DATELINE.sub("", _BULLET.sub("", sentence.strip())))


def publication_day(published: str | None) -> dt.date | None:
    """The calendar day of an ISO 8601 date or timestamp, else None."""
    try:
        return dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


def _story(docs: Sequence[Document]) -> _Story:
    sources = tuple(merge(docs))
    texts = tuple(tuple(shown(s.english) for s in src.doc.body.sentences) for src in sources)
    raw = tuple(tuple(s.english.strip() for s in src.doc.body.sentences) for src in sources)
    previous = tuple(tuple(previous_sentences(t)) for t in texts)
    cands = _candidates(sources, texts, raw, previous)
    vectors = embed([c.text for c in cands]) if cands else np.zeros((0, DIM), np.float32)
    words = tuple(frozenset(terms(c.text)) for c in cands)
    pairs = tuple(_pairs(c.text) for c in cands)
    days = tuple(_day(s) for s in sources)
    return _Story(tuple(docs), sources, texts, cands, vectors, words, pairs, _pair_weights(sources),
                  _scores(sources, cands, words), days, _developments(days, _usable(sources)), previous,
                  {(c.source, c.index): k for k, c in enumerate(cands)})


def _day(source: Source) -> dt.date | None:
    """A source's day: the earliest its copies give."""
    known = [day for d in source.documents if (day := publication_day(d.article.published))]
    return min(known) if known else None


def _developments(days: Sequence[dt.date | None], usable: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    """Usable sources grouped by day: a source within DEVELOPMENT_DAYS of the one before joins its group."""
    dated = sorted((i for i in usable if days[i] is not None), key=lambda i: (days[i], i))
    groups: list[list[int]] = []
    for i in dated:
        if groups and (days[i] - days[groups[-1][-1]]).days <= DEVELOPMENT_DAYS:  # type: ignore[operator]
            groups[-1].append(i)
        else:
            groups.append([i])
    undated = [i for i in usable if days[i] is None]
    return tuple(tuple(g) for g in groups) + ((tuple(undated),) if undated else ())


def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent content words (stopwords skipped), the concepts a briefing should cover."""
    found = terms(text)
    return frozenset(itertools.pairwise(found))


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


def _antecedents(texts: Sequence[str], raw: Sequence[str], j: int,
                 previous: Sequence[int | None]) -> tuple[int, ...] | None:
    """The earlier sentences sentence j leans on (none when it stands alone); None when too many or unusable.

    A sentence opening on a back-reference leans on the sentence before it (headings skipped), and on, while
    that one does too; a list item leans on the line that introduces its list."""
    chain: list[int] = []
    if is_list_item(raw[j]):
        k = j - 1
        while k >= 0 and is_list_item(raw[k]):
            k -= 1
        if k < 0 or not raw[k].endswith(":"):
            return ()
        chain.append(k)
    elif opens_on_reference(texts[j]) and previous[j] is not None:
        chain.append(previous[j])  # type: ignore[arg-type]
    else:
        return ()
    while opens_on_reference(texts[chain[-1]]) and previous[chain[-1]] is not None:
        chain.append(previous[chain[-1]])  # type: ignore[arg-type]
        if len(chain) > MAX_ANTECEDENTS:
            return None
    if len(chain) > MAX_ANTECEDENTS or any(word_count(texts[k]) < 3 or is_list_item(raw[k]) for k in chain):
        return None  # an item of a list is no antecedent: it would come without its lead-in
    return tuple(sorted(chain))


def _candidates(sources: Sequence[Source], texts: Sequence[Sequence[str]], raw: Sequence[Sequence[str]],
                previous: Sequence[Sequence[int | None]]) -> tuple[_Candidate, ...]:
    """Usable sentences, exact duplicates dropped, each with the sentences it leans on."""
    seen: set[str] = set()
    out: list[_Candidate] = []
    for i in _usable(sources):
        rank = 0
        for j, text in enumerate(texts[i]):
            key = _NORM.sub(" ", text.lower()).strip()
            if key in seen or not MIN_WORDS <= word_count(text) <= MAX_WORDS:
                continue
            if not _TERMINAL.search(text):  # headings, captions and list fragments read badly
                continue
            needs = _antecedents(texts[i], raw[i], j, previous[i])
            if needs is None:
                continue
            seen.add(key)
            out.append(_Candidate(text, i, j, j / max(len(texts[i]) - 1, 1), len(out), needs, rank))
            rank += 1
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


def _lede(story: _Story, short_words: int) -> list[int]:
    """The short's candidates: the newest development's lede, and the next sentence of its source when the
    lede is short and both fit the budget."""
    best = _lede_of(story, story.newest, short_words)
    if best is None:
        return []
    cands = story.cands
    chosen = [best]
    words = word_count(cands[best].text)
    if words < LEDE_SECOND:
        follow = [k for k, c in enumerate(cands) if c.source == cands[best].source
                  and c.index == cands[best].index + 1 and set(c.needs) <= {cands[best].index}]
        if follow and words + word_count(cands[follow[0]].text) <= short_words:
            chosen.append(follow[0])
    return chosen


def _lede_of(story: _Story, pool: Sequence[int], max_words: int = MAX_WORDS) -> int | None:
    """The most central standalone sentence among the first LEDE_SPAN of each of `pool`'s sources: news says who
    did what, where and when first, and what several sources open on is the news. Its value: the sentence's
    score, plus its closeness in meaning to the sources' opening sentences, less a little per rank."""
    cands, members = story.cands, set(pool)
    fits = [k for k, c in enumerate(cands) if c.source in members and not c.needs and word_count(c.text) <= max_words]
    opening = [k for k in fits if cands[k].rank < LEDE_SPAN] or fits
    if not opening:
        return None
    written = [k for k in opening if not story.sources[cands[k].source].doc.translated]
    opening = written or opening  # a source's own English reads better than a machine's
    centroid = story.vectors[[k for k, c in enumerate(cands) if c.source in members and c.rank == 0]].mean(axis=0)
    value = {k: float(LEDE_SCORE * story.scores[k] + LEDE_MEANING * story.vectors[k] @ centroid
                      - LEDE_RANK * cands[k].rank) for k in opening}
    return max(opening, key=lambda k: (value[k], -k))


def _select(story: _Story, *, low: int, high: int, seed: Sequence[int] = (),
            max_sentences: int = 1000) -> set[Key]:
    """Greedy picks (new shared pairs per word, score, less redundancy) until `low` words, never past `high`;
    each pick brings the sentences it leans on. Returns the (source, index) of every sentence taken."""
    n = len(story.cands)
    lengths = np.array([word_count(c.text) for c in story.cands])
    # what a pick covers: its own word pairs and those of the sentences it brings along
    pairs = [story.pairs[k].union(*(_pairs(story.texts[c.source][j]) for j in c.needs))
             for k, c in enumerate(story.cands)]
    index = story.index
    need_words = [[((c.source, j), word_count(story.texts[c.source][j])) for j in c.needs] for c in story.cands]
    # a pick is worth its best sentence: a strong sentence brought along as an antecedent counts
    worth = np.array([max([story.scores[k]] + [story.scores[index[(c.source, j)]] for j in c.needs
                                                if (c.source, j) in index]) for k, c in enumerate(story.cands)])
    meaning = np.zeros(n)  # cosine to the closest pick
    wording = np.zeros(n)  # share of the candidate's words found in the closest pick
    covered: set[tuple[str, str]] = set()
    taken: set[Key] = set()
    blocked = np.zeros(n, dtype=bool)
    words, picks = 0, 0
    queue = list(seed)
    while (queue or words < low) and picks < max_sentences:
        cost = lengths + np.array([sum(w for key, w in needs if key not in taken) for needs in need_words], dtype=int)
        stop = blocked | (meaning > DUPLICATE) | (words + cost > high)
        if queue:
            best = queue.pop(0)
            if stop[best]:
                continue
        else:
            if stop.all():
                break
            gain = np.array([sum(story.weights.get(p, 0.0) for p in unit - covered) for unit in pairs],
                            dtype=float) / np.maximum(cost, 1)
            top = gain.max(initial=0.0)
            value = (COVERAGE * (gain / top if top > 0 else gain) + SCORE * worth
                     - REDUNDANT_MEANING * meaning - REDUNDANT_WORDS * wording)
            best = int(np.argmax(np.where(stop, -np.inf, value)))  # first of equals: input order breaks ties
        c = story.cands[best]
        taken |= {(c.source, k) for k in (*c.needs, c.index)}
        blocked |= np.array([(d.source, d.index) in taken for d in story.cands])
        covered |= pairs[best]
        words += int(cost[best])
        picks += 1
        for k in [best, *(index[(c.source, j)] for j in c.needs if (c.source, j) in index)]:
            meaning = np.maximum(meaning, story.vectors @ story.vectors[k])  # what it brought along counts too
            wording = np.maximum(wording, [len(t & story.terms[k]) / max(len(t), 1) for t in story.terms])
    return taken


def _groups(story: _Story, taken: set[Key]) -> list[list[Key]]:
    """Taken sentences in reading order: runs of one source that belong together (consecutive, or a sentence
    and what it leans on) stay together and in source order; runs are ordered by their place in their article,
    then by source, and in a timeline by development first."""
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
    size = {i: max(len(t) - 1, 1) for i, t in enumerate(story.texts)}

    def place(run: list[Key]) -> tuple[int, float, int, int]:
        source, index = run[0]
        return (development.get(source, 0) if story.timeline else 0, round(index / size[source], 1), source, index)

    return sorted(runs.values(), key=place)


def _cite(story: _Story, key: Key) -> tuple[int, ...]:
    """Citation numbers for a sentence: its own source and any other with a sentence saying the same."""
    k = story.index.get(key)
    if k is None:
        return (key[0] + 1,)
    sims = story.vectors @ story.vectors[k]
    return tuple(sorted({key[0] + 1} | {story.cands[j].source + 1 for j in np.flatnonzero(sims >= SUPPORT)}))


def _markers(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def short_date(day: dt.date) -> str:
    """'7 Jan 2025'."""
    return f"{day.day} {day.strftime('%b')} {day.year}"


def _render(story: _Story, taken: set[Key], *, dated: bool) -> str:
    """Sentences with their markers; in a timeline, one paragraph per development, introduced by its date."""
    runs = _groups(story, taken)
    if not (dated and story.timeline):
        return " ".join(story.texts[s][i] + _markers(_cite(story, (s, i))) for run in runs for s, i in run)
    paragraphs_: list[tuple[str, list[str]]] = []
    for run in runs:
        day = story.days[run[0][0]]
        label = short_date(_development_day(story, run[0][0])) if day else "Undated"
        text = [story.texts[s][i] + _markers(_cite(story, (s, i))) for s, i in run]
        if paragraphs_ and paragraphs_[-1][0] == label:
            paragraphs_[-1][1].extend(text)
        else:
            paragraphs_.append((label, text))
    return "\n\n".join(f"{label}: {' '.join(text)}" for label, text in paragraphs_)


def _development_day(story: _Story, source: int) -> dt.date:
    """The first day of the development a dated source belongs to."""
    members = next(d for d in story.developments if source in d)
    return min(day for i in members if (day := story.days[i]) is not None)


def _extractive(story: _Story, lede: Sequence[int], short_words: int, long_min: int,
                long_max: int) -> tuple[str, str, int]:
    """Short (the lede) and long briefings of source sentences (nothing to replace)."""
    cands = story.cands
    short = _render(story, {(cands[k].source, cands[k].index) for k in lede}, dated=False)
    if story.timeline and short:
        short = f"{short_date(_development_day(story, cands[lede[0]].source))}: {short}"
    if not short and cands:  # every sentence is longer than the short budget: cut the best one
        best = int(np.argmax(story.scores))
        short = _clip(cands[best].text, short_words) + _markers(_cite(story, (cands[best].source, cands[best].index)))
    seed = [_lede_of(story, d) for d in story.developments] if story.timeline else list(lede)  # news first
    taken = _select(story, low=long_min, high=long_max, seed=[k for k in seed if k is not None])
    return short, _render(story, taken, dated=True), 0


def _evidence(story: _Story) -> Evidence:
    """The guard's view of the story: candidate sentences, and every text its sources hold, as written."""
    texts = [t for d in story.docs for s in d.body.sentences for t in (s.english, s.source)]
    texts += [t for d in story.docs for t in (d.title_en, d.article.title)]
    return Evidence([c.text for c in story.cands], [c.source for c in story.cands], story.vectors, Facts.of(texts))


def _centrality(story: _Story) -> dict[int, float]:
    """Mean candidate score per source (sources without a candidate last)."""
    return {i: float(np.mean([story.scores[k] for k, c in enumerate(story.cands) if c.source == i] or [-9.0]))
            for i in range(len(story.sources))}


def _source_text(story: _Story, pool: Sequence[int] | None = None) -> str:
    """The English sources' text (of `pool` when given), most central source first (models read the start most
    closely)."""
    centrality = _centrality(story)
    members = set(pool if pool is not None else range(len(story.sources)))
    order = sorted((i for i, s in enumerate(story.sources) if s.doc.english and i in members),
                   key=lambda i: (-centrality[i], i))
    return "\n\n".join(story.sources[i].doc.body.text for i in order)


def _abstractive(story: _Story, writer: Writer, evidence: Evidence, short_words: int, long_min: int,
                 long_max: int, fallback: tuple[str, str]) -> tuple[str, str, int]:
    """Short and long briefings written by the model and guarded; the extractive one where it wrote nothing.

    The short is written from the newest development's sources only, so that it states the news."""
    n = len(story.sources)
    newest = _source_text(story, story.newest) or _source_text(story)
    outputs = (writer.write(newest, "short", max_words=short_words, n_sources=n),
               writer.write(_source_text(story), "long", max_words=long_max, min_words=long_min, n_sources=n))
    rendered, replaced = [], 0
    for output, extractive in zip(outputs, fallback, strict=True):
        checked, failed = evidence.check([s for p in paragraphs(output) for s in sentences(p)])
        rendered.append(_render_checked(checked) or extractive)
        replaced += failed
    return rendered[0], rendered[1], replaced


def _render_checked(checked: Sequence[Checked]) -> str:
    return " ".join(c.text + _markers([i + 1 for i in c.sources]) for c in checked)


def _strip(text: str) -> str:
    """A briefing without its citation markers."""
    return re.sub(r"\[\d+\]", "", text)


def _title(story: _Story, lede: Sequence[int], generated: tuple[Writer, Evidence, str] | None) -> tuple[str, int]:
    """The headline of the lede's source, else of another source of its development, when it reads as one;
    else a generated, guarded one; else the lede cut to 12 words.

    Also returns 1 when a generated title failed the guard (and was replaced), else 0.
    """
    centrality = _centrality(story)
    first = story.cands[lede[0]].source if lede else None
    pool = set(story.newest) if first is None else next(set(d) for d in story.developments if first in d)
    ranked = sorted(range(len(story.sources)),
                    key=lambda i: (i != first, i not in pool, not story.sources[i].doc.english, -centrality[i], i))
    docs = [story.sources[i].doc for i in ranked if story.sources[i].doc.title_en.strip()]
    english = any(s.doc.english for s in story.sources)  # else the original headline is the best title
    fitting = [d.title_en.strip() for i, d in ((i, story.sources[i].doc) for i in ranked)
               if i in pool and (d.english or not english) and _headline_like(d.title_en.strip())]
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
    if lede:
        return _clip(story.cands[lede[0]].text.rstrip("."), TITLE_WORDS), failed
    best = int(np.argmax(story.scores)) if story.cands else -1
    fallback = docs[0].title_en.strip() if docs else (story.cands[best].text if story.cands else "")
    return _clip(fallback, TITLE_WORDS), failed


def _headline_like(text: str) -> bool:
    """At most 16 words, not cut short, not a full sentence ending in a full stop."""
    return 0 < word_count(text) <= HEADLINE_WORDS and not text.endswith(("…", "."))


def _clip(text: str, words: int) -> str:
    """At most `words` words, cut at a word boundary and marked with an ellipsis when cut."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + "…"


def _numbered(story: _Story, short: str, long: str) -> tuple[str, str, tuple[Citation, ...]]:
    """Sources renumbered in the order the briefing first cites them, the uncited ones after (marked so)."""
    short, long = (re.sub(r"\[(\d+)\]", lambda m: m.group(0) if 0 < int(m.group(1)) <= len(story.sources)
                          else "", text) for text in (short, long))  # a generated "[9]" cites nothing
    first_seen = list(dict.fromkeys(int(n) for n in _MARKS.findall(f"{short} {long}")))
    order = first_seen + [n for n in range(1, len(story.sources) + 1) if n not in first_seen]
    new = {old: k for k, old in enumerate(order, 1)}

    def renumber(text: str) -> str:
        return re.sub(r"(?:\[\d+\])+", lambda m: _markers(sorted(new[int(n)] for n in _MARKS.findall(m.group(0)))),
                      text)

    citations = tuple(replace(_citation(story.sources[old - 1], new[old], story.days[old - 1]),
                              cited=old in first_seen) for old in order)
    return renumber(short), renumber(long), citations


def _main_language(story: _Story) -> str:
    """The language most of the story's text is in (its first source's on a tie)."""
    return Counter(s.doc.language.code for s in story.sources).most_common(1)[0][0]


def _citation(source: Source, n: int, day: dt.date | None) -> Citation:
    """Citation n: the source's representative article, with every outlet that ran it."""
    a, doc = source.doc.article, source.doc
    outlets = source.outlets
    return Citation(n=n, article_id=a.id, title=doc.title_en, source=", ".join(outlets) if outlets else None,
                    url=a.url, language=doc.language.code, translated=doc.translated,
                    copies=tuple(c.article.id for c in source.copies),
                    published=day.isoformat() if day else None)


def _cluster_id(docs: Sequence[Document]) -> str:
    """Stable: derived from the member articles' ids."""
    return hashlib.sha256(" ".join(sorted(d.article.id for d in docs)).encode()).hexdigest()[:12]
