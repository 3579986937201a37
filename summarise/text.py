"""Small text helpers shared by several stages: paragraphs, sentences, word counts, tf-idf weights."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache

_BLANK = re.compile(r"\n\s*\n+")
_SPACE = re.compile(r"[ \t\u00a0]+")
_WORD = re.compile(r"\w+", re.UNICODE)
# A line or sentence that ends as a sentence does: in . ! ? … : or ; (before a list), possibly inside closing
# quotes or brackets; headings and captions do not.
SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
# A bulleted or numbered list item ("- Trade Deals: …", "2) …").
LIST_ITEM = re.compile(r"^(?:[-–•*·▪]|\d{1,2}[.)])\s+\S")


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (blank-line separated), whitespace inside each collapsed."""
    return [p for p in (_SPACE.sub(" ", part).strip() for part in _BLANK.split(text)) if p]


@lru_cache(maxsize=64)
def _segmenter(lang: str):  # type: ignore[no-untyped-def]
    from sentencex import segment  # light, but keep `summarise --help` lean

    return lambda text: segment(lang, text)


def sentences(paragraph: str, lang: str = "en") -> list[str]:
    """Sentences of one paragraph, split by sentencex's rules for `lang` (falls back by language family)."""
    code = lang if lang and lang != "und" else "en"
    out: list[str] = []
    glued = False
    for piece in _segmenter(code)(paragraph):
        if glued and out:  # sentencex also splits "Caliber.Az" and "U.S.-Japan": no space, no boundary
            out[-1] += piece
        elif piece.strip():
            out.append(piece)
        glued = bool(piece) and not piece[-1].isspace()
    return [s.strip() for s in out if s.strip()]


def word_count(text: str) -> int:
    """Words as a reader counts them: "Steel's" and "$14.9" are one word each."""
    return sum(1 for token in text.split() if _WORD.search(token))


def plural(n: int, one: str, many: str) -> str:
    """'1 story', '3 stories'."""
    return f"{n} {one if n == 1 else many}"


def idf_unit(bags: Sequence[Mapping[str, float]]) -> list[dict[str, float]]:
    """Each bag (term -> its weight in the text) weighted by the term's smoothed inverse document frequency among
    `bags`, scaled to unit length. Smoothed idf is never zero, so a small batch still compares (by weights then)."""
    df = Counter(term for bag in bags for term in bag)
    out = []
    for bag in bags:
        weights = {term: w * (math.log((1 + len(bags)) / (1 + df[term])) + 1.0) for term, w in bag.items()}
        norm = math.sqrt(sum(x * x for x in weights.values())) or 1.0
        out.append({term: x / norm for term, x in weights.items()})
    return out
