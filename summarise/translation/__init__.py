"""Translation to English, sentence-aligned to the original, never truncated.

Backends only translate batches of short texts (`Translator`); everything else lives here and is shared by all of
them: paragraph and sentence splitting, passing non-content (no letters, bare URLs) through untranslated, splitting
over-long sentences to fit the model, translating each distinct sentence once, batches of similar token lengths
within a token budget, the output-length bound, and putting the English back in the original order.
`CachedTranslator` adds the store's translation cache and loads its model only when a sentence misses it.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from ..config import Settings
from ..errors import ConfigError, ModelUnavailableError
from ..text import paragraphs, sentences
from ..types import TRANSLATION_OFF, UNDETERMINED, AlignedSentence, Article, Document, Language, Translation

if TYPE_CHECKING:  # pragma: no cover
    from ..cache import Cache

__all__ = ["Translator", "CachedTranslator", "BACKENDS", "backend_name", "load_translator", "translate",
           "translate_text", "translate_texts", "translate_sentences", "translator_key", "identity", "fit",
           "output_limit", "is_content", "prepare"]

UNDETERMINED_REASON = UNDETERMINED
DISABLED_REASON = TRANSLATION_OFF
ARTICLES_PER_ROUND = 16  # articles translated together: their sentences share batches; progress is told after each
MIN_OUTPUT = 16  # output tokens always allowed: a two-token source can need five in English
_CLAUSE = re.compile(r"(?<=[,;:])\s+|\s+(?=[—–-]\s)")  # after , ; :  or before a spaced dash
_SPACE = re.compile(r"\s+")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


class Translator(Protocol):
    """A loaded model: translates a batch of sentences that each fit in `max_input_tokens`."""

    model: str

    @property
    def max_input_tokens(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def translate_batch(self, sentences: Sequence[str]) -> list[str]: ...


def _transformers(model: str, settings: Settings) -> Translator:
    from .transformers_backend import TransformersTranslator  # torch loads only when a model is needed

    return TransformersTranslator(model, settings)


def _ctranslate2(model: str, settings: Settings) -> Translator:
    from .ctranslate2_backend import CTranslate2Translator

    return CTranslate2Translator(model, settings)


BACKENDS: dict[str, Callable[[str, Settings], Translator]] = {"ctranslate2": _ctranslate2,
                                                               "transformers": _transformers}
_LOADED: dict[tuple[str, str, str, int, float], Translator] = {}


def backend_name(model: str, settings: Settings) -> str:
    """The backend that translates with `model`: "auto" is ctranslate2 when installed and the model is Marian."""
    backend = settings.translate_backend
    if backend == "auto":
        from . import ctranslate2_backend as ct2  # light: ctranslate2 itself is imported on load

        return "ctranslate2" if ct2.available() and ct2.is_marian(model) else "transformers"
    if backend not in BACKENDS:
        raise ConfigError(f"unknown translate_backend {backend!r}; choose one of: auto, {', '.join(sorted(BACKENDS))}")
    return backend


def load_translator(model: str, settings: Settings) -> Translator:
    """The translator for `model` (hub id or directory), loaded on first use and kept for the process."""
    backend = backend_name(model, settings)
    key = (backend, model, settings.device, settings.beam_size, settings.max_output_ratio)
    if key not in _LOADED:
        _LOADED[key] = BACKENDS[backend](model, settings)
    return _LOADED[key]


def output_limit(input_tokens: int, ratio: float, limit: int) -> int:
    """The most tokens to generate for an input this long: a bound that also stops runaway (repeating) output."""
    return max(1, min(max(math.ceil(ratio * input_tokens), MIN_OUTPUT), limit))


def _split(text: str, lang: str) -> list[list[str]]:
    return [sentences(p, lang) for p in paragraphs(text)]


def identity(text: str, lang: str) -> Translation:
    """`text` split into paragraphs and sentences, each aligned to itself (English, or left untranslated)."""
    return Translation(lang, None, tuple(tuple(AlignedSentence(s, s) for s in p) for p in _split(text, lang)))


def is_content(sentence: str) -> bool:
    """Whether a sentence has words to translate: a letter outside links (not punctuation, numbers or a URL)."""
    return bool(_LETTER.search(_LINK.sub(" ", sentence)))


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


def _batches(pieces: Iterable[str], count: Callable[[str], int], batch_size: int,
             max_tokens: int) -> Iterator[list[str]]:
    """Distinct pieces sorted by token length, in batches of at most `batch_size` pieces and `max_tokens` padded."""
    tokens = {piece: count(piece) for piece in set(pieces)}
    batch: list[str] = []
    for piece in sorted(tokens, key=lambda p: (tokens[p], len(p), p)):  # ties too: same batches every run
        # Sorted ascending, so this piece is the batch's longest: it sets the padded size.
        if batch and (len(batch) >= batch_size or (len(batch) + 1) * tokens[piece] > max_tokens):
            yield batch
            batch = []
        batch.append(piece)
    if batch:
        yield batch


def translate_sentences(distinct: Collection[str], translator: Translator, batch_size: int = 16,
                        max_tokens: int = 4096) -> dict[str, str]:
    """English for each distinct sentence: non-content kept as it is, the rest fitted, batched and translated."""
    english = {s: s for s in distinct if not is_content(s)}
    todo = [s for s in distinct if s not in english]
    if not todo:
        return english
    pieces = {s: fit(s, translator.count_tokens, translator.max_input_tokens) for s in todo}
    done: dict[str, str] = {}
    for batch in _batches((p for parts in pieces.values() for p in parts), translator.count_tokens, batch_size,
                          max_tokens):
        done.update(zip(batch, translator.translate_batch(batch), strict=True))
    english.update({s: " ".join(done[p] for p in parts) for s, parts in pieces.items()})
    return english


class CachedTranslator:
    """A Translator behind the store's cache: sentences it knows cost nothing, and its model loads on the first miss."""

    def __init__(self, model: str, load: Callable[[], Translator], cache: Cache | None, key: str) -> None:
        self.model = model
        self.key = key  # what the cached English depends on: backend, model revision, beams, output bound
        self._load, self._cache = load, cache
        self._inner: Translator | None = None

    @property
    def inner(self) -> Translator:
        """The wrapped translator, loaded now if it was not yet."""
        if self._inner is None:
            self._inner = self._load()
        return self._inner

    @property
    def max_input_tokens(self) -> int:
        """The wrapped translator's limit."""
        return self.inner.max_input_tokens

    def count_tokens(self, text: str) -> int:
        """The wrapped translator's count."""
        return self.inner.count_tokens(text)

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """One translation per sentence, in order, through the cache."""
        english = self.translate_sentences(sentences, batch_size=max(1, len(sentences)))
        return [english[s] for s in sentences]

    def translate_sentences(self, distinct: Collection[str], batch_size: int = 16,
                            max_tokens: int = 4096) -> dict[str, str]:
        """As `translate_sentences`, translating (and then storing) only what the cache does not hold."""
        passed = {s: s for s in distinct if not is_content(s)}  # checked first: they never load the model
        content = [s for s in distinct if s not in passed]
        known = self._cache.translations(self.key, content) if self._cache else {}
        missing = [s for s in content if s not in known]
        english = translate_sentences(missing, self.inner, batch_size, max_tokens) if missing else {}
        if self._cache and english:
            self._cache.add_translations(self.key, english)
        return {**passed, **known, **english}


def translate_texts(texts: Sequence[str], lang: str, translator: Translator, batch_size: int = 16,
                    max_tokens: int = 4096) -> list[Translation]:
    """Translate several texts together (shared batches), each paragraph by paragraph, sentence-aligned."""
    split = [_split(text, lang) for text in texts]
    distinct = list(dict.fromkeys(s for text in split for p in text for s in p))
    if isinstance(translator, CachedTranslator):
        english = translator.translate_sentences(distinct, batch_size, max_tokens)
    else:
        english = translate_sentences(distinct, translator, batch_size, max_tokens)
    return [Translation(lang, translator.model,
                        tuple(tuple(AlignedSentence(s, english[s]) for s in p) for p in text)) for text in split]


def translate_text(text: str, lang: str, translator: Translator, batch_size: int = 16,
                   max_tokens: int = 4096) -> Translation:
    """Translate one text paragraph by paragraph, each English sentence aligned to its original; never truncated."""
    return translate_texts([text], lang, translator, batch_size, max_tokens)[0]


def translate(text: str, source: str, settings: Settings | None = None) -> Translation:
    """Translate `text` from language `source` to English (English comes back as it is, with no model loaded)."""
    settings = settings or Settings()
    if source == "en":
        return identity(text, source)
    translator = load_translator(settings.model_for(source), settings)
    return translate_text(text, source, translator, settings.batch_size, settings.max_batch_tokens)


def _untranslated(article: Article, language: Language, reason: str | None) -> Document:
    return Document(article, language, article.title, identity(article.text, language.code), False, reason)


def translator_key(model: str, settings: Settings) -> str:
    """What a cached translation by `model` depends on: backend, device, revision on disk, beams, output bound."""
    from .ctranslate2_backend import revision  # light: reads the model's files, imports no ML library

    return (f"{backend_name(model, settings)}:{settings.device}:{model}@{revision(model)}"
            f":beams={settings.beam_size}:ratio={settings.max_output_ratio}")


def _cached(model: str, settings: Settings) -> CachedTranslator:
    """The translator for `model` behind the active cache (see summarise.cache.session); loaded on first miss."""
    from .. import cache

    store = cache.active()
    key = translator_key(model, settings) if store else model
    return CachedTranslator(model, lambda: load_translator(model, settings), store, key)


def _translated(articles: Sequence[Article], languages: Sequence[Language], lang: str,
                translator: Translator, settings: Settings) -> list[Document]:
    """Titles and bodies of same-language articles translated together, so they share batches."""
    texts = [text for article in articles for text in (article.title, article.text)]
    done = translate_texts(texts, lang, translator, settings.batch_size, settings.max_batch_tokens)
    return [Document(article, language, done[2 * k].text, done[2 * k + 1], True)
            for k, (article, language) in enumerate(zip(articles, languages, strict=True))]


def _passed_through(article: Article, language: Language, settings: Settings) -> Document | None:
    """The Document for an article that needs no model (English, undetermined, translation off); else None."""
    if language.code == "en":
        return _untranslated(article, language, None)
    if language.code == "und":  # not English as far as we know, and no way to pick a model: say so
        return _untranslated(article, language, UNDETERMINED_REASON)
    return None if settings.translate else _untranslated(article, language, DISABLED_REASON)


def _round(articles: Sequence[Article], languages: Sequence[Language], lang: str, translator: CachedTranslator,
           settings: Settings, failures: dict[str, ModelUnavailableError],
           warn: Callable[[str], None]) -> list[Document]:
    """One round's Documents; a model that cannot be had is warned about once and its articles left as they are."""
    if translator.model not in failures:
        try:
            return _translated(articles, languages, lang, translator, settings)
        except ModelUnavailableError as exc:
            failures[translator.model] = exc
            warn(str(exc))
    return [_untranslated(a, language, str(failures[translator.model])) for a, language in zip(articles, languages)]


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
        translator = _cached(settings.model_for(lang), settings)
        for start in range(0, len(indices), ARTICLES_PER_ROUND):
            chunk = indices[start:start + ARTICLES_PER_ROUND]
            done = _round([articles[i] for i in chunk], [languages[i] for i in chunk], lang, translator, settings,
                          failures, warn)
            documents.update(zip(chunk, done))
            report(len(documents))
    return [documents[i] for i in range(len(articles))]
