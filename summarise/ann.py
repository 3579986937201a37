"""Approximate nearest neighbours by inner product (cosine on unit vectors), for clustering at scale.

One index type, HNSW, from one of three libraries; LIBRARY is the one clustering uses, the others stay selectable
for the comparison in `bench/scale.py --ann`. On 20,000 synthetic articles there (CPU seconds, build + query of 32
neighbours each; recall of the true neighbours above the cosine floor): hnswlib 5.5 + 2.8 s, 0.998; faiss-cpu
7.6 + 3.1 s, 0.993; usearch 13.5 + 7.4 s, 0.998. faiss-cpu is the choice: close to the fastest, installed from
wheels on Linux, macOS and Windows, and actively maintained; hnswlib has no wheels (it needs a C++ compiler at
install) and no release since 2023; usearch was the slowest here. The recall lost is repaired where it matters:
a story's component is clustered exactly (see `cluster.group_approximate`). Built with THREADS threads, so the
graph (and, rarely, a borderline neighbour) can vary between runs.

The index holds a projection of the vectors: their first PROJECTED principal directions (uncentred, so inner
products are kept as well as that many dimensions can), rows scaled back to unit length. Building an HNSW graph
is mostly distance computations, and 128 floats a row instead of 512 make them cheaper (51 MB for 100,000 rows
instead of 205). A search asks the projection for OVERSAMPLE times the neighbours wanted, scores those by their
exact inner product and keeps the best, so every score it returns is exact. Measured on synthetic articles
(bench/synthetic.py; faiss on one thread, CPU seconds, 32 neighbours each): 100,000 built in 26.6 s instead of
52.8 and queried in 35.9 s instead of 27.2 (62 s in all instead of 80), 20,000 in 5.6 s instead of 9.3; recall
of the true neighbours above the cosine floor 0.984 instead of 0.991 at 100,000, 0.988 instead of 0.992 at
20,000. The clusters are complete-linkage within components, so a missed neighbour rarely changes a story:
bench/scale.py's approximate F1 equals the exact one at 5,000.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import SummariseError

LIBRARY = "faiss"
CONNECTIVITY = 16  # HNSW edges per node (M)
EXPANSION_ADD = 100  # candidate list while building (efConstruction)
EXPANSION_SEARCH = 64  # candidate list while searching (efSearch); raised to 2k when more neighbours are asked
THREADS = min(2, os.cpu_count() or 1)
PROJECTED = 128  # dimensions the index holds (see above); vectors with no more than this are indexed as they are
OVERSAMPLE = 2  # neighbours asked of the projection per neighbour wanted, then scored exactly
_RESCORE_FLOATS = 1 << 23  # floats of gathered rows scored at once (32 MB)
INSTALL = {"usearch": "usearch", "faiss": "faiss-cpu", "hnswlib": "hnswlib"}


@dataclass
class Index:
    """A built index: its library, the library's object over the projected rows, the projection (None: the rows
    as they are) and the rows themselves, for exact scores."""

    library: str
    inner: Any
    projection: np.ndarray | None = None
    vectors: np.ndarray | None = None


def projection(vectors: np.ndarray, dims: int) -> np.ndarray | None:
    """The `dims` principal directions of the rows (uncentred: those that keep inner products best), as a
    (width, dims) matrix; None when the rows are no wider than that."""
    if vectors.shape[1] <= dims:
        return None
    moments = (vectors.T @ vectors).astype(np.float64)  # no float64 copy of the rows: 400 MB at 100,000
    _, directions = np.linalg.eigh(moments)  # ascending eigenvalues
    return np.ascontiguousarray(directions[:, ::-1][:, :dims], dtype=np.float32)


def _project(rows: np.ndarray, basis: np.ndarray | None) -> np.ndarray:
    """`rows` in the projection, each scaled to unit length (a zero row stays zero)."""
    if basis is None:
        return rows
    out = rows @ basis
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(np.divide(out, norms, out=np.zeros_like(out), where=norms > 0), dtype=np.float32)


def _usearch(vectors: np.ndarray) -> Any:
    from usearch.index import Index as USearch

    index = USearch(ndim=vectors.shape[1], metric="ip", dtype="f32", connectivity=CONNECTIVITY,
                    expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)
    index.add(np.arange(len(vectors)), vectors, threads=THREADS)
    return index


def _faiss(vectors: np.ndarray) -> Any:
    import faiss

    faiss.omp_set_num_threads(THREADS)
    index = faiss.IndexHNSWFlat(vectors.shape[1], CONNECTIVITY, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EXPANSION_ADD
    index.add(vectors)
    return index


def _hnswlib(vectors: np.ndarray) -> Any:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=vectors.shape[1])
    index.init_index(max_elements=len(vectors), M=CONNECTIVITY, ef_construction=EXPANSION_ADD, random_seed=0)
    index.set_num_threads(THREADS)
    index.add_items(vectors, np.arange(len(vectors)))
    return index


BUILDERS: dict[str, Callable[[np.ndarray], Any]] = {"usearch": _usearch, "faiss": _faiss, "hnswlib": _hnswlib}


def build(vectors: np.ndarray, library: str = LIBRARY) -> Index:
    """An HNSW index over the rows of `vectors` (float32, unit length), keyed by row number."""
    if library not in BUILDERS:
        raise SummariseError(f"unknown nearest-neighbour library {library!r}; choose from {', '.join(BUILDERS)}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    basis = projection(vectors, PROJECTED)
    try:
        return Index(library, BUILDERS[library](_project(vectors, basis)), basis, vectors)
    except ImportError as exc:
        raise SummariseError(f"clustering this many articles needs {INSTALL[library]} ({exc}); "
                             f"run `pip install {INSTALL[library]}`") from None


def search(index: Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row numbers, inner products) of up to `k` nearest rows per query, best first; row -1 where fewer were
    found. Through a projection, OVERSAMPLE x `k` are found in it and the best `k` by exact inner product kept."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if index.projection is None or index.vectors is None:
        return _search(index, queries, k)
    asked = min(OVERSAMPLE * k, len(index.vectors))
    keys, _ = _search(index, _project(queries, index.projection), asked)
    return _rescored(index.vectors, queries, keys, k)


def _rescored(vectors: np.ndarray, queries: np.ndarray, keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best `k` of each query's `keys` by exact inner product with `vectors` (-1 keys last, score -inf)."""
    best_keys = np.full((len(queries), k), -1, dtype=np.int64)
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    rows = max(1, _RESCORE_FLOATS // max(1, keys.shape[1] * vectors.shape[1]))
    for start in range(0, len(queries), rows):
        part = keys[start:start + rows]
        scores = np.matmul(vectors[np.maximum(part, 0)], queries[start:start + rows, :, None])[..., 0]
        scores = np.where(part >= 0, scores, -np.inf).astype(np.float32)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        best_keys[start:start + len(part), :order.shape[1]] = np.take_along_axis(part, order, axis=1)
        best_scores[start:start + len(part), :order.shape[1]] = np.take_along_axis(scores, order, axis=1)
    return best_keys, best_scores


def _search(index: Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The library's own search of its index."""
    expansion = max(EXPANSION_SEARCH, 2 * k)
    if index.library == "usearch":
        index.inner.expansion_search = expansion
        found = index.inner.search(queries, k, threads=THREADS)
        keys = np.asarray(found.keys, dtype=np.int64).reshape(len(queries), -1)
        scores = 1.0 - np.asarray(found.distances, dtype=np.float32).reshape(len(queries), -1)
        counts = np.asarray(found.counts).reshape(-1, 1)
        keys = np.where(np.arange(keys.shape[1]) < counts, keys, -1)
    elif index.library == "faiss":
        index.inner.hnsw.efSearch = expansion
        scores, keys = index.inner.search(queries, k)
    else:
        index.inner.set_ef(expansion)
        keys, distances = index.inner.knn_query(queries, k=k)
        keys, scores = keys.astype(np.int64), 1.0 - distances
    return np.asarray(keys, dtype=np.int64), np.asarray(scores, dtype=np.float32)
