"""Language identification: langdetect and lingua combined, tuned for English, Portuguese and Russian.

Combination rule (`detect_language`):

1. Sample: the first 2,000 characters, URLs and e-mail addresses removed. No letter left: "und", 0.0.
2. Script: the majority of letters is Latin, Cyrillic, CJK or another script. Only the words written
   in that script are kept, so Russian UI strings on an English page, or English names in a Russian
   article, do not vote.
3. CJK is decided by script: Hangul -> ko, kana -> ja, Han alone -> zh (langdetect takes short
   Chinese for Korean). Another script (Greek, Arabic, ...): langdetect alone decides.
4. Latin or Cyrillic text with letters that none of the candidate languages writes (ł ą ř ș ђ ...,
   2% of its letters or more) may be in none of them: when langdetect names a language outside
   the ten, that is the answer (a Polish name in a Portuguese headline goes on to rule 6).
5. A text of OUT_OF_SET_LETTERS letters or more that langdetect gives with at least 0.95 to a
   language outside the ten (Dutch, Catalan, ...) takes langdetect's code: lingua cannot name it.
6. Otherwise the candidates are lingua's languages of that script (LATIN, CYRILLIC), and each
   candidate's log score adds up
     - the prior: PRIOR (2) for en, pt and ru, the languages this tool is for; 1 for look-alikes;
     - lingua's confidence (high-accuracy mode, built once for these ten languages only);
     - langdetect's probability, weighted from 0 at 50 letters to 1 at 200: langdetect is
       unreliable on short text (it takes Portuguese word pairs for Catalan or Romanian);
     - absence evidence: a language whose marker letters (ABSENT, e.g. ы э ё for Russian, і ї є for
       Ukrainian, ъ for Bulgarian) do not occur in n letters is multiplied by (1 - f)^n, f being
       their joint letter frequency in that language; n is capped at 100 so that this tips short
       texts but cannot overrule both detectors on long ones. (Letters present, like ã or ў, are
       already used by lingua's own rules and are not counted twice.)
   The scores, normalised, are the posterior; the confidence is the top candidate's share.
7. "und" when the winner's share is under MIN_CONFIDENCE (0.4) or within MIN_MARGIN (0.1) of the
   runner-up: the evidence is too weak, or split between two close languages.

langdetect is seeded (its own DetectorFactory, seed 0), so a text gets the same answer in every
process. Both detectors load on first use and are cached; importing this module is cheap.
"""

from __future__ import annotations

import json as _json
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from .types import Language

if TYPE_CHECKING:  # pragma: no cover
    from langdetect.detector_factory import DetectorFactory
    from lingua import LanguageDetector

LATIN = ("en", "pt", "es", "it", "fr", "de")
CYRILLIC = ("ru", "uk", "bg", "be")
FAVOURED = frozenset({"en", "pt", "ru"})
PRIOR = 2.0
# Marker letters and their joint frequency in running text (approximate published letter tables).
ABSENT: dict[str, tuple[str, float]] = {
    "ru": ("ыэё", 0.02),
    "uk": ("іїє", 0.06),
    "be": ("іў", 0.07),
    "bg": ("ъ", 0.02),
}
ABSENT_MAX_LETTERS = 100
SAMPLE_CHARS = 2000
LANGDETECT_FROM, LANGDETECT_FULL = 50, 200  # letters: langdetect's weight ramps between these
OUT_OF_SET_LETTERS, OUT_OF_SET_PROB = 100, 0.95
MIN_CONFIDENCE, MIN_MARGIN = 0.4, 0.1
_LINGUA_FLOOR, _LANGDETECT_FLOOR = 1e-3, 1e-2  # keep log() finite; a zero is strong, not absolute

# The letters the candidate languages write; others (ł ą ř ș ђ ...) mean a language outside them.
ALPHABETS: dict[str, frozenset[str]] = {
    "latin": frozenset("abcdefghijklmnopqrstuvwxyzàáâãäçèéêëìíîïñòóôõöùúûüÿœæßªº"),
    "cyrillic": frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў"),
}
FOREIGN_SHARE = 0.02

# URLs and addresses, tried only where a token starts (an address: no @ before its first, then a dot later).
_URL = re.compile(r"\b(?:https?://|www\.)\S+|(?<!\S)[^\s@]+@\S*?\.\w+", re.IGNORECASE)
_TOKEN = re.compile(r"\S+")
_SCRIPTS = (  # (first, last, script) for the blocks that decide something
    ("\u0400", "\u052f", "cyrillic"), ("\u1e00", "\u1eff", "latin"),
    ("\u1100", "\u11ff", "hangul"), ("\uac00", "\ud7af", "hangul"), ("\u3040", "\u30ff", "kana"),
    ("\u3400", "\u4dbf", "han"), ("\u4e00", "\u9fff", "han"),
)
_CJK = ("hangul", "kana", "han")


def _script(ch: str) -> str:
    """The script of a letter: 'latin', 'cyrillic', 'hangul', 'kana', 'han' or 'other'."""
    if ch < "\u0250":
        return "latin"
    return next((name for first, last, name in _SCRIPTS if first <= ch <= last), "other")


@cache
def _langdetect() -> DetectorFactory:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()  # our own, so the global one's seed and state are left alone
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


@cache
def _lingua() -> LanguageDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder
    from lingua import Language as LinguaLanguage

    languages = [LinguaLanguage.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
                 for code in LATIN + CYRILLIC]
    # Not preloaded: lingua loads each language's n-gram models when a text first needs them.
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _langdetect_probs(text: str) -> dict[str, float]:
    """langdetect's probabilities (those above its 0.1 cut-off); empty when it finds no features."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect().create()
    detector.append(text)
    try:
        found = detector.get_probabilities()
    except LangDetectException:
        return {}
    probs: Counter[str] = Counter()
    for p in found:
        probs[p.lang.split("-")[0]] += p.prob  # zh-cn, zh-tw -> zh
    return dict(probs)


def _lingua_confidences(text: str) -> dict[str, float]:
    """lingua's confidence for each of its ten languages."""
    found = _lingua().compute_language_confidence_values(text)
    return {r.language.iso_code_639_1.name.lower(): r.value for r in found}


def _prepare(text: str) -> tuple[str, str, Counter[str]]:
    """The words of the majority script (CJK scripts counted as one), that script, and letters per script."""
    sample = _URL.sub(" ", text[:SAMPLE_CHARS])
    counts = Counter(_script(ch) for ch in sample if ch.isalpha())
    if not counts:
        return "", "none", counts
    grouped: Counter[str] = Counter()
    for name, n in counts.items():
        grouped["cjk" if name in _CJK else name] += n
    script = max(grouped, key=lambda name: grouped[name])
    keep = _CJK if script == "cjk" else (script,)
    words = [w for w in _TOKEN.findall(sample) if any(c.isalpha() and _script(c) in keep for c in w)]
    return " ".join(words), script, counts


def _scores(text: str, candidates: Sequence[str], letters: int, ld: dict[str, float]) -> dict[str, float]:
    """Log score of each candidate: prior + lingua + weighted langdetect + absence evidence."""
    lingua = _lingua_confidences(text)
    weight = min(1.0, max(0.0, (letters - LANGDETECT_FROM) / (LANGDETECT_FULL - LANGDETECT_FROM)))
    present = set(text.lower())
    scores = {}
    for code in candidates:
        score = math.log(PRIOR if code in FAVOURED else 1.0) + math.log(lingua.get(code, 0.0) + _LINGUA_FLOOR)
        if weight:
            score += weight * math.log(ld.get(code, 0.0) + _LANGDETECT_FLOOR)
        if code in ABSENT and not present & set(ABSENT[code][0]):
            score += min(letters, ABSENT_MAX_LETTERS) * math.log(1.0 - ABSENT[code][1])
        scores[code] = score
    return scores


def _decide(posterior: dict[str, float]) -> Language:
    """The top language, or "und" (with the top share as its confidence) when weak or contested."""
    ranked = sorted(posterior.items(), key=lambda kv: kv[1], reverse=True) + [("und", 0.0)] * 2
    (best, p1), (_, p2) = ranked[0], ranked[1]
    if p1 < MIN_CONFIDENCE or p1 - p2 < MIN_MARGIN:
        return Language("und", round(p1, 4))
    return Language(best, round(p1, 4))


def _cjk(counts: Counter[str]) -> Language:
    """Korean if Hangul is written, Japanese if kana, else Chinese."""
    code = "ko" if counts["hangul"] else "ja" if counts["kana"] else "zh"
    return Language(code, 1.0)


def _foreign(words: str, script: str, letters: int) -> bool:
    """True when enough letters lie outside the candidates' alphabet to rule all of them out."""
    alphabet = ALPHABETS[script]
    foreign = sum(1 for c in words.lower() if c.isalpha() and _script(c) == script and c not in alphabet)
    return foreign >= max(2.0, FOREIGN_SHARE * letters)  # one odd letter may be a typo or a name


def _outside(ld: dict[str, float], min_prob: float) -> Language | None:
    """langdetect's verdict when it names, with at least `min_prob`, a language lingua does not know."""
    top = max(ld, key=lambda c: ld[c], default="und")
    if top not in LATIN + CYRILLIC + ("und",) and ld[top] >= min_prob:
        return Language(top, round(ld[top], 4))
    return None


def _combine(words: str, script: str, letters: int) -> Language:
    """Latin or Cyrillic text: rules 4 to 7 of the module docstring."""
    foreign = _foreign(words, script, letters)
    ld = _langdetect_probs(words) if letters >= LANGDETECT_FROM or foreign else {}
    if foreign and (named := _outside(ld, MIN_CONFIDENCE)):
        return named
    if letters >= OUT_OF_SET_LETTERS and (named := _outside(ld, OUT_OF_SET_PROB)):
        return named
    scores = _scores(words, LATIN if script == "latin" else CYRILLIC, letters, ld)
    peak = max(scores.values())
    total = sum(math.exp(s - peak) for s in scores.values())
    return _decide({code: math.exp(s - peak) / total for code, s in scores.items()})


def detect_language(text: str) -> Language:
    """The language of `text` as an ISO 639-1 code and a confidence; "und" when unsure."""
    words, script, counts = _prepare(text)
    if script == "none":
        return Language("und", 0.0)
    if script == "cjk":
        return _cjk(counts)
    if script == "other":
        return _decide(_langdetect_probs(words))
    return _combine(words, script, counts[script])


def detect_many(texts: Sequence[str]) -> list[Language]:
    """`detect_language` for each text, in order."""
    return [detect_language(text) for text in texts]


def format_detection(lang: Language, json: bool, path: str | None = None) -> str:
    """One output line: `[path<TAB>]code<TAB>confidence` (2 decimals), or a JSON object (4 decimals)."""
    if json:
        record: dict[str, Any] = {} if path is None else {"path": path}
        record.update(language=lang.code, confidence=round(lang.confidence, 4))
        return _json.dumps(record, ensure_ascii=False)
    fields = ([] if path is None else [path]) + [lang.code, f"{lang.confidence:.2f}"]
    return "\t".join(fields)
