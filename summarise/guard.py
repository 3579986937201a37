"""Faithfulness guard: a generated sentence may only state numbers, dates, amounts and names the sources state.

1. `claims` pulls the checkable facts out of a sentence: numbers (digits or number words, thousands separators
   dropped), amounts (a number with its scale, "5.2 million", and its currency or percent sign), and proper
   names (capitalised words, month and weekday names included, so dates are covered by number + name).
2. `Facts` indexes the same facts in the cluster's source text: English sentences, translations, originals and
   titles.
3. `Evidence.check` keeps a generated sentence whose claims all occur in the sources and cites the sources that
   support it; a sentence that fails is replaced by the source sentence that best supports it (sentence
   embedding plus word overlap), and counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .embed import embed

# "one" is left out: far more often a pronoun ("one of the ...") than a count.
NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    [
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
        "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"
    ], start=2)} | {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12"}
SCALES = ("thousand", "million", "billion", "trillion")
CURRENCIES = {"$": "dollar", "€": "euro", "£": "pound", "₽": "ruble", "¥": "yen", "%": "percent"}
_CURRENCY_WORDS = re.compile(r"\b(dollar|euro|pound|ruble|rouble|yen|percent|per cent)s?\b", re.I)
_AMOUNT = re.compile(r"([$€£₽¥])?\s?(\d+(?:[.,]\d+)*|\b[a-z]+\b)(?:\s(" + "|".join(SCALES) + r"))?\s?(%)?",
                     re.I)
_NAME = re.compile(r"\b[A-ZА-ЯЁ][\w’'-]*")
_WORD = re.compile(r"\w+")
# English function words, for word overlap here and for word weights in story_model.py.
STOPWORDS = frozenset([
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did",
    "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have",
    "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is",
    "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off",
    "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should",
    "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these",
    "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours",
    "yourself", "yourselves", "said", "says", "say", "told", "one", "new", "like", "mr", "mrs", "ms", "s", "t"
])
# Capitalised at the start of a sentence, these are ordinary words, not names.
COMMON = STOPWORDS | frozenset([
    "according", "across", "almost", "already", "although", "among", "another", "around", "even", "ever", "every",
    "however", "instead", "later", "many", "meanwhile", "nearly", "officials", "police", "authorities", "people",
    "experts", "critics", "residents", "researchers", "scientists", "workers", "several", "since", "some", "still",
    "today", "yesterday", "tomorrow", "two", "three", "yet"
])
SUPPORT = 1.1  # support (cosine + share of words, 0 to 2) above which a source is cited for a sentence


def _number(token: str) -> str:
    """A number as the sources may write it: thousands separators dropped, number words as digits."""
    if token.lower() in NUMBER_WORDS:
        return NUMBER_WORDS[token.lower()]
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", token):
        return token.replace(",", "")
    return token.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", token) else token


def _amounts(text: str) -> set[str]:
    """Every number in `text`, also with its scale ("5 million") and its unit ("5 million dollar")."""
    out: set[str] = set()
    for currency, token, scale, percent in _AMOUNT.findall(text):
        if not (token[0].isdigit() or token.lower() in NUMBER_WORDS):
            continue
        number = _number(token)
        out.add(number)
        if scale:
            out.add(f"{number} {scale.lower()}")
        unit = CURRENCIES.get(currency or percent)
        if unit:
            out.add(f"{unit}:{number} {scale.lower()}".strip())
    return out


def _units(text: str) -> set[str]:
    """Currency and percent units the text mentions, by symbol or word."""
    words = {m.lower().replace("per cent", "percent").replace("rouble", "ruble") for m in _CURRENCY_WORDS.findall(text)}
    return words | {CURRENCIES[c] for c in CURRENCIES if c in text}


def _names(sentence: str, common: frozenset[str]) -> set[str]:
    """Capitalised words; the sentence's first word only when it is not an ordinary word."""
    found: set[str] = set()
    for match in _NAME.finditer(sentence):
        word = re.sub(r"['’]s$", "", match.group()).strip("-'’")
        first = match.start() == len(sentence) - len(sentence.lstrip(" \"“'‘(«–—-"))
        if not word or (first and word.lower() in common):
            continue
        found.add(word)
    return found


@dataclass(frozen=True)
class Facts:
    """What the sources state: their words as written, their lower-cased words, numbers and units."""

    words: frozenset[str]
    lower: frozenset[str]
    numbers: frozenset[str]
    units: frozenset[str]

    @classmethod
    def of(cls, texts: Sequence[str]) -> Facts:
        """Index the cluster's source texts."""
        text = "\n".join(texts)
        words = frozenset(re.sub(r"['’]s$", "", w) for w in re.findall(r"[\w’'-]+", text))
        words |= frozenset(w.strip("-'’") for w in words)
        return cls(words, frozenset(w.lower() for w in _WORD.findall(text)), frozenset(_amounts(text)),
                   frozenset(_units(text)))


def claims(sentence: str, facts: Facts | None = None) -> set[str]:
    """The checkable facts in a sentence: numbers and amounts (as "5 million", "dollar:5 million") and names."""
    return _amounts(sentence) | _names(sentence, COMMON | (facts.lower if facts else frozenset()))


def unsupported(sentence: str, facts: Facts) -> list[str]:
    """The claims of `sentence` that the sources never make, sorted."""
    missing = []
    for claim in claims(sentence, facts):
        if ":" in claim:  # an amount with a unit: the unit must be the sources' too
            unit, amount = claim.split(":", 1)
            ok = amount in facts.numbers and unit in facts.units
        elif claim[0].isdigit():
            ok = claim in facts.numbers
        else:
            ok = claim in facts.words
        if not ok:
            missing.append(claim)
    return sorted(missing)


def _content(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in COMMON and len(w) > 2}


@dataclass(frozen=True)
class Checked:
    """One sentence of a guarded briefing: its text, the source indices it cites, whether it was replaced."""

    text: str
    sources: tuple[int, ...]
    replaced: bool


class Evidence:
    """A story's source sentences (with their source index and vectors) and the facts its text states."""

    def __init__(self, sentences: Sequence[str], sources: Sequence[int], vectors: np.ndarray, facts: Facts) -> None:
        self.sentences = list(sentences)
        self.sources = list(sources)
        self.vectors = vectors
        self.facts = facts
        self._content = [_content(s) for s in sentences]

    def support(self, sentence: str, vector: np.ndarray) -> np.ndarray:
        """How well each source sentence supports `sentence`: cosine plus the share of its words it has."""
        words = _content(sentence)
        overlap = np.array([len(words & c) / max(len(words), 1) for c in self._content])
        cosine = self.vectors @ vector if len(self.sentences) else np.zeros(0)
        return np.asarray(cosine + overlap)

    def check(self, generated: Sequence[str]) -> tuple[list[Checked], int]:
        """Sentences kept and cited when every claim is in the sources, else replaced; and how many were replaced."""
        vectors = embed(list(generated)) if generated else np.zeros((0, 1))
        used: set[int] = set()
        out: list[Checked] = []
        failed = 0
        for sentence, vector in zip(generated, vectors, strict=True):
            scores = self.support(sentence, vector)
            if not unsupported(sentence, self.facts):
                out.append(Checked(sentence, self._cited(scores), False))
                continue
            failed += 1
            ranked = [int(i) for i in np.argsort(-scores, kind="stable") if int(i) not in used]
            if ranked:  # else every source sentence is in the briefing already: the sentence is dropped
                used.add(ranked[0])
                own = self.support(self.sentences[ranked[0]], self.vectors[ranked[0]])
                out.append(Checked(self.sentences[ranked[0]], self._cited(own), True))
        return out, failed

    def _cited(self, scores: np.ndarray) -> tuple[int, ...]:
        """The best-supporting source and every other whose best sentence supports it well enough."""
        if not len(scores):
            return ()
        best = {self.sources[int(np.argmax(scores))]}
        return tuple(sorted(best | {self.sources[i] for i in np.flatnonzero(scores >= SUPPORT)}))
