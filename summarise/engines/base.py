"""What both engines share: the callbacks they take, and the cached detect and embed steps around their own work.

The caches are those of the session in progress (`summarise.cache.session`), looked up here, on the driver:
only what they lack goes to an engine's `detect_many` or `encode`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from ..types import Article, Document, Language

Warn = Callable[[str], None]
Progress = Callable[[int], None]  # (done)
Counted = Callable[[int, int], None]  # (done, total), where the engine finds the total
Encode = Callable[[Sequence[str], Progress], np.ndarray]  # vectors of texts; calls done(n) as n of them are done


def texts_to_detect(articles: Sequence[Article]) -> list[str]:
    """What language detection reads of each article: its title and text."""
    return [f"{a.title}\n{a.text}" for a in articles]


@cache
def detector_version() -> str:
    """The detector's identity in the language cache: its source, so that any change to it forgets earlier answers."""
    from .. import detect

    return hashlib.sha256(Path(detect.__file__).read_bytes()).hexdigest()[:16]


def languages(articles: Sequence[Article], detect_many: Callable[[list[str]], list[Language]]) -> list[Language]:
    """Each article's language, through the language cache: `detect_many` gets the texts it lacks."""
    from .. import cache as store

    texts = texts_to_detect(articles)
    known = store.through(store.active(), "languages", detector_version(), texts, detect_many)
    return [known[t] for t in texts]


def represent(docs: Sequence[Document], encode: Encode, progress: Progress | None) -> np.ndarray:
    """The clustering vectors (`cluster.represent`), through the embedding cache: `encode` gets the pieces it lacks.

    `progress(n)`, when given, hears the documents whose pieces are all embedded (or cached) as batches finish.
    """
    from .. import cluster, embed

    report = progress or (lambda done: None)
    pieces = [{p[:embed.MAX_CHARS] for p in cluster.pieces(doc)} for doc in docs]

    def counted(texts: Sequence[str]) -> np.ndarray:
        def done(n: int) -> None:  # the first n texts are embedded
            pending = set(texts[n:])
            report(sum(1 for own in pieces if not own & pending))

        done(0)
        return encode(texts, done)

    vectors = cluster.represent(docs, counted)
    report(len(docs))
    return vectors
