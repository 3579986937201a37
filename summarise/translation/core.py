"""What every translator shares: the protocols, fitting sentences to a model, batching, the output bound.

Two layers. A backend (`Translator`) is a loaded model that translates a batch of short texts. A
`SentenceTranslator` gives the English of distinct sentences; `translate_texts` takes any of them alike:
- `Batched`: a backend, with over-long sentences fitted to it and pieces batched by token length;
- `CachedTranslator`: another SentenceTranslator behind the store's cache, made only when a sentence misses it;
- `IdentityTranslator`: English (or text left as it is), each sentence its own translation, no model.
The backends import from here (and `hub`), never from the package.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from ..text import paragraphs, sentences
from ..types import AlignedSentence, Translation

if TYPE_CHECKING:  # pragma: no cover
    from ..cache import Cache

MIN_OUTPUT = 16  # output tokens always allowed: a two-token source can need five in English
DEFAULT_LIMIT = 512  # the most tokens in or out when a model does not say (opus-mt's)
_UNBOUNDED = 10**6  # tokenizers without a real limit report a huge model_max_length
_CLAUSE = re.compile(r"(?<=[,;:])\s+|\s+(?=[—–-]\s)")  # after , ; :  or before a spaced dash
_SPACE = re.compile(r"\s+")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


class Translator(Protocol):
    """A loaded model (a backend): translates a batch of sentences that each fit in `max_input_tokens`."""

    model: str

    @property
    def max_input_tokens(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def translate_batch(self, sentences: Sequence[str]) -> list[str]: ...


class SentenceTranslator(Protocol):
    """English for distinct sentences with words in them (see `is_content`), whatever they are translated by."""

    @property
    def model(self) -> str | None:
        """The model named in each Translation; None when no model translates (English)."""

    def translate(self, distinct: Collection[str]) -> dict[str, str]: ...


def model_limit(*limits: object) -> int:
    """The most tokens a model takes in or puts out: the least of the limits it states, DEFAULT_LIMIT if none."""
    usable = [int(n) for n in limits if isinstance(n, (int, float)) and 0 < n < _UNBOUNDED]
    return min(usable) if usable else DEFAULT_LIMIT


def output_limit(input_tokens: int, ratio: float, limit: int) -> int:
    """The most tokens to generate for an input this long: a bound that also stops runaway (repeating) output."""
    return max(1, min(max(math.ceil(ratio * input_tokens), MIN_OUTPUT), limit))


def cores() -> int:
    """The cores this process may run on (what a backend spreads a batch over when `threads` is 0)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def split(text: str, lang: str) -> list[list[str]]:
    """`text`'s paragraphs, each as its sentences."""
    return [sentences(p, lang) for p in paragraphs(text)]


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


def translate_sentences(distinct: Collection[str], translator: Translator, batch_size: int,
                        max_tokens: int) -> dict[str, str]:
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


class Batched:
    """A backend as a SentenceTranslator: batches of at most `batch_size` pieces and `max_tokens` padded tokens."""

    def __init__(self, backend: Translator, batch_size: int, max_tokens: int) -> None:
        self.backend, self.batch_size, self.max_tokens = backend, batch_size, max_tokens
        self.model = backend.model

    def translate(self, distinct: Collection[str]) -> dict[str, str]:
        """As `translate_sentences`."""
        return translate_sentences(distinct, self.backend, self.batch_size, self.max_tokens)


class IdentityTranslator:
    """Each sentence is its own English: for English, and for text left untranslated. Loads nothing."""

    model = None

    def translate(self, distinct: Collection[str]) -> dict[str, str]:
        """Each sentence as it is."""
        return {s: s for s in distinct}


class CachedTranslator:
    """A SentenceTranslator behind the store's cache: sentences it knows cost nothing, the rest go to `load()`,
    made (its model loaded) on the first miss; what it translates is stored under `key`."""

    def __init__(self, model: str, load: Callable[[], SentenceTranslator], store: Cache | None, key: str) -> None:
        self.model = model
        self.key = key  # what the cached English depends on: backend, model revision, beams, output bound
        self._load, self._store = load, store
        self._inner: SentenceTranslator | None = None

    def translate(self, distinct: Collection[str]) -> dict[str, str]:
        """English for each sentence: the cache's, else translated now (and stored)."""
        from ..cache import through

        return through(self._store, "translations", self.key, list(distinct), self._translate_missing)

    def _translate_missing(self, missing: list[str]) -> list[str]:
        if self._inner is None:
            self._inner = self._load()
        english = self._inner.translate(missing)
        return [english[s] for s in missing]


def translate_texts(texts: Sequence[str], lang: str, translator: SentenceTranslator) -> list[Translation]:
    """Translate several texts together (shared batches), each paragraph by paragraph, sentence-aligned.

    Sentences without words (numbers, links, punctuation) are kept as they are; each distinct one is translated once.
    """
    parts = [split(text, lang) for text in texts]
    content = _content(parts)
    english = translator.translate(content) if content else {}
    return [Translation(lang, translator.model,
                        tuple(tuple(AlignedSentence(s, english.get(s, s)) for s in p) for p in text))
            for text in parts]


def content_sentences(texts: Sequence[str], lang: str) -> list[str]:
    """What `translate_texts` asks its translator for `texts`: their distinct sentences with words, in order."""
    return _content([split(text, lang) for text in texts])


def _content(parts: Sequence[list[list[str]]]) -> list[str]:
    """The distinct content sentences (see `is_content`) of split texts, in order of first appearance."""
    return [s for s in dict.fromkeys(s for text in parts for p in text for s in p) if is_content(s)]


def translate_text(text: str, lang: str, translator: SentenceTranslator) -> Translation:
    """Translate one text paragraph by paragraph, each English sentence aligned to its original; never truncated."""
    return translate_texts([text], lang, translator)[0]


IDENTITY = IdentityTranslator()


def identity(text: str, lang: str) -> Translation:
    """`text` split into paragraphs and sentences, each aligned to itself (English, or left untranslated)."""
    return translate_text(text, lang, IDENTITY)
