"""Approximate nearest neighbours by inner product (cosine on unit vectors), for clustering at scale.

One index type, HNSW, from one of three libraries; LIBRARY is the one clustering uses, the others stay selectable
for the comparison in `bench/scale.py --ann`. On 20,000 synthetic articles there (CPU seconds, build + query of 32
neighbours each; recall of the true neighbours above the cosine floor): hnswlib 5.5 + 2.8 s, 0.998; faiss-cpu
7.6 + 3.1 s, 0.993; usearch 13.5 + 7.4 s, 0.998. faiss-cpu is the choice: close to the fastest, installed from
wheels on Linux, macOS and Windows, and actively maintained; hnswlib has no wheels (it needs a C++ compiler at
install) and no release since 2023; usearch was the slowest here. The recall lost is repaired where it matters:
a story's component is clustered exactly (see `cluster.group_approximate`). Built with THREADS threads, so the
graph (and, rarely, a borderline neighbour) can vary between runs.
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
INSTALL = {"usearch": "usearch", "faiss": "faiss-cpu", "hnswlib": "hnswlib"}


@dataclass
class Index:
    """A built index: its library and the library's object."""

    library: str
    inner: Any


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
    try:
        return Index(library, BUILDERS[library](np.ascontiguousarray(vectors, dtype=np.float32)))
    except ImportError as exc:
        raise SummariseError(f"clustering this many articles needs {INSTALL[library]} ({exc}); "
                             f"run `pip install {INSTALL[library]}`") from None


def search(index: Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row numbers, inner products) of up to `k` nearest rows per query; row -1 where fewer were found."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
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
