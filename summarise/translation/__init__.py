"""Translation to English, sentence-aligned to the original, never truncated.

Backends only translate batches of short texts (`Translator`); everything else lives here and is shared by all of
them: paragraph and sentence splitting, splitting over-long sentences to fit the model, length-sorted batching,
translating each distinct sentence once, and putting the English back in the original order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ..config import Settings
from ..errors import ConfigError, ModelUnavailableError
from ..text import paragraphs, sentences
from ..types import AlignedSentence, Article, Document, Language, Translation

__all__ = ["Translator", "BACKENDS", "load_translator", "translate", "translate_text", "translate_texts",
           "identity", "fit", "prepare"]

UNDETERMINED_REASON = "language could not be determined"
DISABLED_REASON = "translation disabled"
ARTICLES_PER_ROUND = 16  # articles translated together: their sentences share batches; progress is told after each
_CLAUSE = re.compile(r"(?<=[,;:])\s+|\s+(?=[—–-]\s)")  # after , ; :  or before a spaced dash
_SPACE = re.compile(r"\s+")


class Translator(Protocol):
    """A loaded model: translates a batch of sentences that each fit in `max_input_tokens`."""

    model: str
    max_input_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def translate_batch(self, sentences: Sequence[str]) -> list[str]: ...


def _transformers(model: str, settings: Settings) -> Translator:
    from .transformers_backend import TransformersTranslator  # torch loads only when a model is needed

    return TransformersTranslator(model, settings)


BACKENDS: dict[str, Callable[[str, Settings], Translator]] = {"transformers": _transformers}
_LOADED: dict[tuple[str, str, str, int], Translator] = {}


def load_translator(model: str, settings: Settings) -> Translator:
    """The translator for `model` (hub id or directory), loaded on first use and kept for the process."""
    backend = settings.translate_backend
    if backend not in BACKENDS:
        raise ConfigError(f"unknown translate_backend {backend!r}; choose one of: {', '.join(sorted(BACKENDS))}")
    key = (backend, model, settings.device, settings.beam_size)
    if key not in _LOADED:
        _LOADED[key] = BACKENDS[backend](model, settings)
    return _LOADED[key]


def _split(text: str, lang: str) -> list[list[str]]:
    return [sentences(p, lang) for p in paragraphs(text)]


def identity(text: str, lang: str) -> Translation:
    """`text` split into paragraphs and sentences, each aligned to itself (English, or left untranslated)."""
    return Translation(lang, None, tuple(tuple(AlignedSentence(s, s) for s in p) for p in _split(text, lang)))


def _pack(parts: Sequence[str], count: Callable[[str], int], limit: int) -> list[str]:
    """Join consecutive parts greedily into chunks of at most `limit` tokens (a lone part may exceed it)."""
    chunks: list[str] = []
    for part in parts:
        if chunks and count(f"{chunks[-1]} {part}") <= limit:
            chunks[-1] = f"{chunks[-1]} {part}"
        else:
            chunks.append(part)
    return chunks


def fit(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Pieces of `text`, in order, of at most `limit` tokens each: cut at clauses, else between words."""
    if count(text) <= limit:
        return [text]
    for separator in (_CLAUSE, _SPACE):
        parts = [p for p in separator.split(text) if p]
        if len(parts) > 1:
            return [piece for chunk in _pack(parts, count, limit) for piece in fit(chunk, count, limit)]
    # One unbroken run of characters longer than the model takes: halve it rather than drop any of it.
    middle = len(text) // 2
    return fit(text[:middle], count, limit) + fit(text[middle:], count, limit)


def _translate_distinct(pieces: Iterable[str], translator: Translator, batch_size: int) -> dict[str, str]:
    """Each distinct piece translated once, in batches of similar lengths (less padding)."""
    ordered = sorted(set(pieces), key=lambda piece: (len(piece), piece))  # ties too: same batches every run
    english: dict[str, str] = {}
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start:start + batch_size]
        english.update(zip(batch, translator.translate_batch(batch), strict=True))
    return english


def translate_texts(texts: Sequence[str], lang: str, translator: Translator,
                    batch_size: int = 16) -> list[Translation]:
    """Translate several texts together (shared batches), each paragraph by paragraph, sentence-aligned."""
    split = [_split(text, lang) for text in texts]
    distinct = {s for text in split for p in text for s in p}
    pieces = {s: fit(s, translator.count_tokens, translator.max_input_tokens) for s in distinct}
    english = _translate_distinct((piece for parts in pieces.values() for piece in parts), translator, batch_size)

    def aligned(sentence: str) -> AlignedSentence:
        return AlignedSentence(sentence, " ".join(english[piece] for piece in pieces[sentence]))

    return [Translation(lang, translator.model, tuple(tuple(aligned(s) for s in p) for p in text))
            for text in split]


def translate_text(text: str, lang: str, translator: Translator, batch_size: int = 16) -> Translation:
    """Translate one text paragraph by paragraph, each English sentence aligned to its original; never truncated."""
    return translate_texts([text], lang, translator, batch_size)[0]


def translate(text: str, source: str, settings: Settings | None = None) -> Translation:
    """Translate `text` from language `source` to English (English comes back as it is, with no model loaded)."""
    settings = settings or Settings()
    if source == "en":
        return identity(text, source)
    translator = load_translator(settings.model_for(source), settings)
    return translate_text(text, source, translator, settings.batch_size)


def _untranslated(article: Article, language: Language, reason: str | None) -> Document:
    return Document(article, language, article.title, identity(article.text, language.code), False, reason)


def _load_once(model: str, settings: Settings, failures: dict[str, ModelUnavailableError],
               warn: Callable[[str], None]) -> Translator | ModelUnavailableError:
    """The translator, or the error that says why not; a missing model is tried, and warned about, once."""
    if model not in failures:
        try:
            return load_translator(model, settings)
        except ModelUnavailableError as exc:
            failures[model] = exc
            warn(str(exc))
    return failures[model]


def _translated(articles: Sequence[Article], languages: Sequence[Language], lang: str,
                translator: Translator, batch_size: int) -> list[Document]:
    """Titles and bodies of same-language articles translated together, so they share batches."""
    texts = [text for article in articles for text in (article.title, article.text)]
    done = translate_texts(texts, lang, translator, batch_size)
    return [Document(article, language, done[2 * k].text, done[2 * k + 1], True)
            for k, (article, language) in enumerate(zip(articles, languages, strict=True))]


def _passed_through(article: Article, language: Language, settings: Settings) -> Document | None:
    """The Document for an article that needs no model (English, undetermined, translation off); else None."""
    if language.code == "en":
        return _untranslated(article, language, None)
    if language.code == "und":  # not English as far as we know, and no way to pick a model: say so
        return _untranslated(article, language, UNDETERMINED_REASON)
    return None if settings.translate else _untranslated(article, language, DISABLED_REASON)


def prepare(articles: Sequence[Article], languages: Sequence[Language], settings: Settings,
            warn: Callable[[str], None], progress: Callable[[int], None] | None = None) -> list[Document]:
    """One Document per article, in English where a model allows; `progress(done)` with articles done so far."""
    if len(articles) != len(languages):
        raise ValueError(f"{len(articles)} articles but {len(languages)} languages")
    report = progress or (lambda done: None)
    documents: dict[int, Document] = {}
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (article, language) in enumerate(zip(articles, languages)):
        document = _passed_through(article, language, settings)
        if document is None:
            groups[language.code].append(i)
        else:
            documents[i] = document
    report(len(documents))
    failures: dict[str, ModelUnavailableError] = {}
    for lang, indices in groups.items():
        loaded = _load_once(settings.model_for(lang), settings, failures, warn)
        for start in range(0, len(indices), ARTICLES_PER_ROUND):
            chunk = indices[start:start + ARTICLES_PER_ROUND]
            if isinstance(loaded, ModelUnavailableError):
                done = [_untranslated(articles[i], languages[i], str(loaded)) for i in chunk]
            else:
                done = _translated([articles[i] for i in chunk], [languages[i] for i in chunk], lang, loaded,
                                   settings.batch_size)
            documents.update(zip(chunk, done))
            report(len(documents))
    return [documents[i] for i in range(len(articles))]
