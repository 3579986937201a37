"""The story model: a cluster of Documents ready to brief (steps 1 to 4 of briefing.py's account).

Sources (syndicated copies merged), their candidate sentences with what each leans on, the sentences' vectors,
content words, word pairs and scores, each source's day, and the developments the dated sources form.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .coherence import antecedents, is_fact_box, previous_sentences
from .dates import publication_day, without_time_stamp
from .dedupe import Source, merge
from .embed import DIM, embed
from .guard import STOPWORDS
from .text import word_count
from .types import Document

MIN_WORDS, MAX_WORDS = 8, 70  # shorter is a fragment or a heading, longer is a run-on or a list
# Candidate sentences taken from one source, from its start (news puts what matters first): each is embedded,
# so this bounds the cost of a book-length article (50,000 sentences took most of an hour), not a news one.
MAX_CANDIDATES = 400
# LEAD was tuned together with selection.py's weights (see there).
LEAD = 0.5  # weight of the position bonus (1 for an article's first sentence, 0 for its last)
DEVELOPMENT_DAYS = 3  # sources dated within this many days of each other report one development
_TERMINAL = re.compile(r"[.!?…»\"”’')]$")
_BULLET = re.compile(r"^[-–•*·▪]\s+")
# "KATHMANDU (Reuters) - ", "ALLENTOWN, Pa. - ", "(CNN) — ", "NEW YORK, Sept. 24--": a wire dateline, which says
# nothing in a briefing (its date is the source's, which the citation gives).
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?"
_DATELINE = re.compile(r"^(?:[A-Z][A-Z'’.-]{2,}(?:\s+[A-Z][A-Z'’.-]+)*(?:,\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)?"
                       rf"(?:,\s+{_MONTH}\s+\d{{1,2}})?(?:\s*\([^()]{{1,30}}\))?|\([A-Za-z ]{{2,20}}\))"
                       r"(?:\s*(?:--?|[—–])\s+|\s*(?:--|[—–]))(?=[A-Z0-9\"“‘'])")
# A dated dateline marks where a report's text begins: a headline or a photo's caption glued before it in the same
# sentence ("… to Miss United Nations Forum UNITED NATIONS, Nov. 24--The chiefs …") goes with it.
# The city is at most four words ("RIO DE JANEIRO"), which keeps a page of capitals cheap to scan.
_DATED_DATELINE = re.compile(r"^[^.!?]{0,200}?(?<![\w'’-])[A-Z][A-Z'’.-]{2,}(?:\s+[A-Z][A-Z'’.-]+){0,3},"
                             rf"\s+{_MONTH}\s+\d{{1,2}}\s*(?:--|[—–])\s*(?=[A-Z0-9\"“‘'])")
# A wire service's page header before its dateline: "HONG KONG | Wed Apr 15, 2009 5:56am EDT HONG KONG (Reuters) - ",
# "By Maggie Fox, Health and Science Editor WASHINGTON | ... (Reuters) - ": only up to a named agency's credit near
# the start of a sentence, so that a sentence that merely mentions an agency keeps its words.
_WIRE_HEADER = re.compile(r"^[^.!?]{0,160}?\((?:Reuters|AP|AFP|UPI|CNN|Bloomberg|dpa|Xinhua|Interfax|Lusa|EFE|ТАСС|"
                          r"РИА Новости|Интерфакс)\)\s*(?:--?|[—–])\s+(?=[A-Z0-9\"“‘'«А-ЯЁ])")
# A photo's credit, as Guardian pages print it after the caption, glued to the sentence that follows ("A killer
# virus … panic Photograph: Dario Lopez-Mills/AP A killer virus that has caused…"): the credit goes, with the
# headline and caption glued before it in the same sentence. A credit is names and agencies joined by "/", or one
# known agency, or a name of two capitalised words; what follows it must open a sentence, so that a caption ("Photo:
# A passenger walks past…", "(Photo: American Red Cross)") or prose stays as it is.
_AGENCY = (r"(?:Getty(?:\s+[Ii]mages)?|AP|PA|AFP|EPA|Reuters|Rex|Corbis|Alamy|Zuma|Associated\s+Press|Guardian"
           r"|Observer)\b")
_CAPITALISED = r"[A-Z][\w.-]*(?:['’][A-Za-z]+)?"
_NOT_STOPWORD = rf"(?!(?i:{'|'.join(sorted(STOPWORDS))})\b)"  # "AP/RTL It was…": "It" opens the sentence
_NAME = rf"(?:{_AGENCY}|{_CAPITALISED}(?:\s+(?:(?:for|of|de|di|da|van|von|al)\s+)?{_CAPITALISED}){{0,3}})"
_PERSON = rf"{_CAPITALISED}\s+{_NOT_STOPWORD}{_CAPITALISED}"
_PHOTO_CREDIT = re.compile(
    rf"^[^.!?]{{0,400}}?\b(?:Photograph|Photo|Picture|Illustration)s?:\s*"
    rf"(?:(?:{_NAME}\s*\\?/\s*)+(?:{_AGENCY}|{_PERSON}|{_CAPITALISED})|{_AGENCY}|{_PERSON})"
    rf"\s+(?=[A-Z\"“‘'][^\s)]*\s)")
# A page's menu before the text: two or more short items, each closed by a bar ("This Story: Read + | Watch + |").
_MENU = re.compile(r"^[\"“]?\s*(?:[^|.!?]{1,30}\|\s*){2,}")
_NORM = re.compile(r"\W+")
_WORD = re.compile(r"\w+")
_FOOTNOTE = re.compile(r"\s*\[\d+\]")

Key = tuple[int, int]  # (source, sentence index in that source's body)


@dataclass(frozen=True)
class Candidate:
    """A sentence a briefing may take."""

    text: str
    source: int  # index into the story's sources
    index: int  # the sentence's place in its source's body
    position: float  # 0.0 = first sentence of its article, 1.0 = last
    order: int  # global input order, for deterministic ties
    needs: tuple[int, ...] = ()  # earlier sentences of its source it leans on, brought along with it
    rank: int = 0  # how many candidates of its source come before it


@dataclass(frozen=True)
class Story:
    """A cluster ready to brief: its sources and candidate sentences with their vectors, words and scores."""

    docs: tuple[Document, ...]
    sources: tuple[Source, ...]
    texts: tuple[tuple[str, ...], ...]  # every body sentence of every source, as a briefing shows it
    cands: tuple[Candidate, ...]
    vectors: np.ndarray
    terms: tuple[frozenset[str], ...]
    pairs: tuple[frozenset[tuple[str, str]], ...]  # each candidate's adjacent content-word pairs
    weights: dict[tuple[str, str], float]  # a pair's worth: how many more sources than one use it
    scores: np.ndarray
    days: tuple[dt.date | None, ...]  # each source's publication day, when known
    developments: tuple[tuple[int, ...], ...]  # sources per development, oldest first; undated ones last
    previous: tuple[tuple[int | None, ...], ...]  # per source and sentence: the sentence before it, headings skipped

    @cached_property
    def index(self) -> dict[Key, int]:
        """The candidate for each (source, sentence) that is one."""
        return {(c.source, c.index): k for k, c in enumerate(self.cands)}

    def brought(self, k: int) -> list[int]:
        """The candidates among the sentences candidate k leans on (and comes with)."""
        c = self.cands[k]
        return [self.index[(c.source, j)] for j in c.needs if (c.source, j) in self.index]

    @cached_property
    def centrality(self) -> dict[int, float]:
        """Mean candidate score per source (sources without a candidate last)."""
        return {i: float(np.mean([self.scores[k] for k, c in enumerate(self.cands) if c.source == i] or [-9.0]))
                for i in range(len(self.sources))}

    @cached_property
    def english(self) -> bool:
        """Whether any source could be had in English (else the story is told in its original language)."""
        return any(s.doc.english for s in self.sources)

    @property
    def timeline(self) -> bool:
        """More than one dated development: the story is told in date order."""
        return sum(1 for d in self.developments if self.days[d[0]] is not None) > 1

    @property
    def newest(self) -> tuple[int, ...]:
        """The sources of the newest dated development (every usable source when none is dated)."""
        dated = [d for d in self.developments if self.days[d[0]] is not None]
        return dated[-1] if dated else tuple(range(len(self.sources)))


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
    """A source sentence as a briefing shows it: no list marker, no page time stamp or server error message
    (dates.without_time_stamp), no wire dateline, no footnote marks ("[12]", which would read as our citations)."""
    text = without_time_stamp(_BULLET.sub("", sentence.strip()))
    for furniture in (_MENU, _PHOTO_CREDIT, _WIRE_HEADER, _DATED_DATELINE, _DATELINE, _FOOTNOTE):
        text = furniture.sub("", text)
    return text


def build_story(docs: Sequence[Document]) -> Story:
    """The story of a cluster: its sources, their candidate sentences embedded and scored, its developments."""
    sources = tuple(merge(docs))
    usable = _usable(sources)
    texts = tuple(tuple(shown(s.english) for s in src.doc.body.sentences) for src in sources)
    raw = tuple(tuple(s.english.strip() for s in src.doc.body.sentences) for src in sources)
    previous = tuple(tuple(previous_sentences(t)) for t in texts)
    cands = _candidates(usable, texts, raw, previous)
    vectors = embed([c.text for c in cands]) if cands else np.zeros((0, DIM), np.float32)
    found = [terms(c.text) for c in cands]
    words = tuple(frozenset(f) for f in found)
    body = [[terms(s.english) for s in sources[i].doc.body.sentences] for i in usable]  # per usable source
    days = tuple(_day(s) for s in sources)
    return Story(tuple(docs), sources, texts, cands, vectors, words, tuple(_adjacent(f) for f in found),
                 _pair_weights(body), _scores(body, cands, words), days, _developments(days, usable), previous)


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


def position(index: int, sentences: int) -> float:
    """Where sentence `index` of an article of `sentences` stands: 0.0 for its first, 1.0 for its last."""
    return index / max(sentences - 1, 1)


def word_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent content words (stopwords skipped), the concepts a briefing should cover."""
    return _adjacent(terms(text))


def _adjacent(found: Sequence[str]) -> frozenset[tuple[str, str]]:
    return frozenset(itertools.pairwise(found))


def _pair_weights(body: Sequence[Sequence[Sequence[str]]]) -> dict[tuple[str, str], float]:
    """Sources using a pair, less one (what one outlet alone says is not yet the story); log count for one source.
    `body`: each usable source's sentences as their `terms`."""
    count: Counter[tuple[str, str]] = Counter()
    spread: Counter[tuple[str, str]] = Counter()
    for source in body:
        found = [_adjacent(sentence) for sentence in source]
        count.update(p for pairs in found for p in pairs)
        spread.update(set().union(*found))
    if len(body) > 1:
        return {pair: float(n - 1) for pair, n in spread.items()}
    return {pair: math.log(n) for pair, n in count.items()}


def _usable(sources: Sequence[Source]) -> list[int]:
    """The sources to take sentences from: the English ones when there are any."""
    return [i for i, s in enumerate(sources) if s.doc.english] or list(range(len(sources)))


def _candidates(usable: Sequence[int], texts: Sequence[Sequence[str]], raw: Sequence[Sequence[str]],
                previous: Sequence[Sequence[int | None]]) -> tuple[Candidate, ...]:
    """Sentences of the usable sources, exact duplicates dropped, each with the sentences it leans on."""
    seen: set[str] = set()
    out: list[Candidate] = []
    for i in usable:
        rank = 0
        for j, text in enumerate(texts[i]):
            if rank == MAX_CANDIDATES:
                break
            key = _NORM.sub(" ", text.lower()).strip()
            if key in seen or not MIN_WORDS <= word_count(text) <= MAX_WORDS:
                continue
            if not _TERMINAL.search(text) or is_fact_box(text):  # headings, captions, lists, fact boxes read badly
                continue
            needs = antecedents(texts[i], raw[i], j, previous[i])
            if needs is None:
                continue
            seen.add(key)
            out.append(Candidate(text, i, j, position(j, len(texts[i])), len(out), needs, rank))
            rank += 1
    return tuple(out)


def no_fit_reason(doc: Document) -> str:
    """Why no sentence of `doc` could be a briefing's, from its sentences' endings and lengths."""
    found = [text for text in (shown(s.english) for s in doc.body.sentences) if text]
    marked = [text for text in found if _TERMINAL.search(text)]
    if not marked:
        return "text without sentence marks such as . ! ?"
    counts = [word_count(text) for text in marked]
    short, long = sum(c < MIN_WORDS for c in counts), sum(c > MAX_WORDS for c in counts)
    if short == len(marked):
        return f"its {len(marked)} sentences are all shorter than {MIN_WORDS} words (fragments, headings, captions)"
    if long == len(marked):
        return f"its {len(marked)} sentences are all run-ons of more than {MAX_WORDS} words"
    return (f"of its {len(marked)} sentences, {short} are shorter than {MIN_WORDS} words, {long} longer than "
            f"{MAX_WORDS}, and the rest repeat another or lean on one that cannot be used")


def _scores(body: Sequence[Sequence[Sequence[str]]], cands: Sequence[Candidate],
            words: Sequence[frozenset[str]]) -> np.ndarray:
    """Mean word weight (sources using the word x log(1 + its count)), standardised, plus the lead bonus.
    `body`: each usable source's sentences as their `terms`."""
    if not cands:
        return np.zeros(0)
    count: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    for source in body:
        found = [t for sentence in source for t in sentence]
        count.update(found)
        spread.update(set(found))
    weight = np.array([sum(spread[t] * math.log1p(count[t]) for t in w) / max(len(w), 1) for w in words])
    spreadout = weight.std()
    lexical = (weight - weight.mean()) / spreadout if spreadout > 0 else np.zeros(len(cands))
    return lexical + LEAD * np.array([1.0 - c.position for c in cands])
