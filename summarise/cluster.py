"""Cross-lingual story clustering: articles about one story land together, whatever their language.

Each document is represented from its original-language text, so clustering works before (or
without) translation:

1. semantic: the mean of the multilingual sentence-encoder vectors of its title and paragraphs
   (the same story in English, Portuguese and Russian scores ~0.8; unrelated stories ~0.1-0.3);
2. lexical: names and numbers it mentions, which survive translation and pin down the event
   (weighted by how rare they are in the batch);
3. similarity = cosine of (1), raised part of the way towards 1 where (2) overlaps well;
4. complete-linkage agglomerative clustering: every two articles of a story are at least
   `threshold` similar, so stories do not chain into topic blobs.

Up to `exact_max` articles (Settings.cluster_exact_max) the similarity matrix is dense and the linkage exact.
Above, memory would grow with n², so the same similarity is first computed only for candidate pairs: each
article's nearest neighbours by embedding cosine, from an approximate-nearest-neighbour index (faiss-cpu, HNSW),
down to the least cosine that shared names could still raise to `threshold`. Pairs reaching the threshold link
articles into components, and no story can span two. The same complete-linkage rule then runs inside each
component: exactly (every pair scored) when it is small, as stories are; on its sparse graph of neighbours when
it is large, where a pair not found counts as below the threshold. Either way stories cannot chain. Memory grows
with n times the neighbours kept, time with about n log n (bench/scale.py).

The representation and the linkage were chosen on a benchmark (bench/cluster.py); the index and the size
where it takes over on another (bench/scale.py).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .embed import DIM, embed
from .text import idf_unit, paragraphs
from .types import Document

# Paragraphs beyond these add cost, not meaning: the lead of a news story says what it is about.
MAX_PARAGRAPHS = 40
# Name/number overlap (cosine of weighted counts) above NAME_FLOOR closes up to NAME_WEIGHT of the gap
# between the embedding cosine and 1; below the floor overlap is chance (dates, "President").
# Closing a share of the gap keeps the similarity <= 1, so a threshold of 1.0 still means "identical".
# Both were tuned on bench/cluster.py.
NAME_WEIGHT = 0.5
NAME_FLOOR = 0.1
# Approximate path (above Settings.cluster_exact_max articles): neighbours asked per article at first, doubled for
# an article whose neighbours all reach the cosine floor, up to the cap, which bounds memory to n x the cap.
NEIGHBOURS = 32
MAX_NEIGHBOURS = 1024
DENSE_COMPONENT = 2000  # a component up to this size is linked exactly by scipy; a larger one on its sparse graph
_PAIR_CHUNK = 16384  # candidate pairs scored at once: bounds the gathered vectors to ~70 MB

# Numbers (with thousands separators of any of the three languages) or words.
_TOKEN = re.compile(r"\d(?:[\d.,]|[ \u00a0](?=\d{3}\b))*\d|\d|[^\W\d_]+")
# After these a capital letter starts a sentence rather than marking a name.
_OPENERS = set('.!?…:;"“”«»‘’(—–-\n')


def group(docs: Sequence[Document], threshold: float, exact_max: int,
          vectors: np.ndarray | None = None) -> list[list[int]]:
    """Indices of `docs` grouped into stories: largest first (ties by first index), members in order.

    `exact_max`: most articles clustered exactly (Settings.cluster_exact_max); `vectors`: `represent(docs)`
    when it is already known (the Ray engine embeds on its workers).
    """
    vectors = represent(docs) if vectors is None else vectors
    return group_features(vectors, [doc_text(d) for d in docs], threshold, exact_max)


def group_features(vectors: np.ndarray, texts: Sequence[str], threshold: float,
                   exact_max: int) -> list[list[int]]:
    """Stories from unit vectors and texts (for their names and numbers): exact up to `exact_max`, approximate above."""
    if len(texts) <= exact_max:
        cosine = (vectors @ vectors.T).astype(np.float64)
        return group_similarities(combine(cosine, name_overlap(texts)), threshold)
    return group_approximate(vectors, name_vectors(texts), threshold)


def group_similarities(sims: np.ndarray, threshold: float) -> list[list[int]]:
    """Complete-linkage clusters of a symmetric similarity matrix, cut where similarity < threshold."""
    n = len(sims)
    if n <= 1:
        return [[0]] if n else []
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    # Exact symmetry and a zero diagonal are what squareform needs; rounding can break both.
    dist = np.clip(1.0 - (sims + sims.T) / 2.0, 0.0, None)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="complete")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    clusters: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(index)
    return _ordered(clusters.values())


def _ordered(clusters: Iterable[list[int]]) -> list[list[int]]:
    return sorted(clusters, key=lambda members: (-len(members), members[0]))


def similarities(docs: Sequence[Document]) -> np.ndarray:
    """Pairwise story similarity: embedding cosine, raised towards 1 by shared names and numbers."""
    vectors = represent(docs)
    return combine((vectors @ vectors.T).astype(np.float64), name_overlap([doc_text(d) for d in docs]))


def combine(cosine: np.ndarray, overlap: np.ndarray) -> np.ndarray:
    """The story similarity from embedding cosines and name overlaps (arrays of one shape)."""
    sims: np.ndarray = 1.0 - (1.0 - cosine) * (1.0 - NAME_WEIGHT * np.maximum(0.0, overlap - NAME_FLOOR))
    return sims


def doc_text(doc: Document) -> str:
    return f"{doc.article.title}\n{doc.article.text}"


# --- approximate: a candidate graph from a nearest-neighbour index, complete linkage on it ---------------

def cosine_floor(threshold: float) -> float:
    """The least embedding cosine that shared names can still raise to `threshold` (see `combine`)."""
    return 1.0 - (1.0 - threshold) / (1.0 - NAME_WEIGHT * (1.0 - NAME_FLOOR))


def group_approximate(vectors: np.ndarray, names: Any, threshold: float) -> list[list[int]]:
    """Complete-linkage stories found through a nearest-neighbour graph; `names` are `name_vectors` rows.

    1. Each article's NEIGHBOURS nearest by cosine are candidates where the cosine reaches `cosine_floor`; those
       whose similarity reaches `threshold` join articles into components (a story never spans two).
    2. A component of up to DENSE_COMPONENT articles is clustered exactly: every pair in it is scored.
    3. A larger one asks again for more neighbours per article (twice as many while all reach the floor, up to
       MAX_NEIGHBOURS) and is clustered on that sparse graph: a pair not found counts as below the threshold.
    """
    from . import ann

    n = len(vectors)
    if n < 2:
        return [[i] for i in range(n)]
    index, floor = ann.build(vectors), cosine_floor(threshold)
    graph = _graph(n, *_scored(index, vectors, names, floor, threshold, np.arange(n), grow=False))
    clusters: list[list[int]] = []
    large: list[np.ndarray] = []
    for members in _components(graph):
        if len(members) == 1:
            clusters.append([int(members[0])])
        elif len(members) <= DENSE_COMPONENT:
            sub = vectors[members]
            sims = combine((sub @ sub.T).astype(np.float64), np.asarray((names[members] @ names[members].T).todense()))
            clusters += [[int(members[i]) for i in part] for part in group_similarities(sims, threshold)]
        else:
            large.append(members)
    if large:
        clusters += _sparse(index, vectors, names, floor, threshold, np.concatenate(large))
    return _ordered(sorted(c) for c in clusters)


def _sparse(index: Any, vectors: np.ndarray, names: Any, floor: float, threshold: float,
            todo: np.ndarray) -> list[list[int]]:
    """Step 3 of `group_approximate`: the stories of the large components' articles `todo`."""
    rows, cols, sims = _scored(index, vectors, names, floor, threshold, todo, grow=True)
    inside = np.isin(rows, todo) & np.isin(cols, todo)  # the others are clustered already
    big = _graph(len(vectors), rows[inside], cols[inside], sims[inside])
    clusters: list[list[int]] = []
    for members in _components(big):
        if len(members) == 1:
            if np.isin(members, todo)[0]:
                clusters.append([int(members[0])])
            continue
        linked = sparse_complete_linkage(big[members][:, members], threshold)
        clusters += [[int(members[i]) for i in part] for part in linked]
    return clusters


def _scored(index: Any, vectors: np.ndarray, names: Any, floor: float, threshold: float, todo: np.ndarray,
            grow: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs of the articles `todo` with their similarity, those reaching `threshold` only."""
    rows, cols = candidate_pairs(index, vectors, floor, todo, grow)
    sims = pair_similarities(vectors, names, rows, cols)
    keep = sims >= threshold
    return rows[keep], cols[keep], sims[keep]


def candidate_pairs(index: Any, vectors: np.ndarray, floor: float, todo: np.ndarray,
                    grow: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j), i among `todo`, whose cosine reaches `floor`, by approximate nearest-neighbour search.

    Each article asks for NEIGHBOURS neighbours; with `grow`, one whose neighbours all reach the floor asks again
    for twice as many, up to MAX_NEIGHBOURS.
    """
    from . import ann

    n = len(vectors)
    found = [np.zeros((0, 2), dtype=np.int64)]
    k = min(NEIGHBOURS, n)
    while len(todo):
        keys, cosine = ann.search(index, vectors[todo], k)
        hit = (keys >= 0) & (cosine >= floor) & (keys != todo[:, None])
        pairs = np.stack([np.broadcast_to(todo[:, None], keys.shape)[hit], keys[hit]], axis=1)
        found.append(np.sort(pairs, axis=1))  # (low, high): each pair once, whichever end found it
        if not grow or k >= min(n, MAX_NEIGHBOURS):
            break
        full = hit.sum(axis=1) >= k - 1  # all k reached the floor (one of them may be the article itself)
        todo, k = todo[full], min(2 * k, n, MAX_NEIGHBOURS)
    pairs = np.unique(np.concatenate(found), axis=0)
    return pairs[:, 0], pairs[:, 1]


def pair_similarities(vectors: np.ndarray, names: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """`combine` for the given pairs only, in chunks that bound the memory."""
    out = np.empty(len(rows), dtype=np.float64)
    for start in range(0, len(rows), _PAIR_CHUNK):
        a, b = rows[start:start + _PAIR_CHUNK], cols[start:start + _PAIR_CHUNK]
        cosine = np.einsum("ij,ij->i", vectors[a], vectors[b]).astype(np.float64)
        overlap = np.asarray(names[a].multiply(names[b]).sum(axis=1)).ravel()
        out[start:start + len(a)] = combine(cosine, overlap)
    return out


def _graph(n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray) -> Any:
    """A symmetric sparse graph of the pairs, stored as similarity + 1 so that a present pair is never zero."""
    from scipy.sparse import coo_matrix

    upper = coo_matrix((sims + 1.0, (rows, cols)), shape=(n, n)).tocsr()
    return (upper + upper.T).tocsr()


def _components(graph: Any) -> list[np.ndarray]:
    """The connected components of a sparse graph, each an ascending array of nodes."""
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    starts = np.flatnonzero(np.diff(labels[order], prepend=-1))
    return np.split(order, starts[1:])


def sparse_complete_linkage(graph: Any, threshold: float) -> list[list[int]]:
    """Complete linkage on a sparse symmetric graph (similarity + 1 per present pair; absent: below threshold).

    Two clusters may merge only while every pair between them is present, so a link is kept only between
    clusters that are fully connected, at the least similarity of their pairs; the closest pair merges first.
    """
    coo = graph.tocoo()
    links: list[dict[int, float] | None] = [{} for _ in range(graph.shape[0])]
    heap: list[tuple[float, int, int]] = []
    for i, j, value in zip(coo.row.tolist(), coo.col.tolist(), (coo.data - 1.0).tolist(), strict=True):
        if i < j and value >= threshold:
            links[i][j] = links[j][i] = value
            heap.append((-value, i, j))
    heapq.heapify(heap)
    parts: dict[int, list[int]] = {i: [i] for i in range(graph.shape[0])}
    while heap:
        _, a, b = heapq.heappop(heap)
        if a in parts and b in parts:  # else one side merged since
            parts[_merge(links, heap, a, b)] = parts.pop(a) + parts.pop(b)
    return _ordered(sorted(p) for p in parts.values())


def _merge(links: list[dict[int, float] | None], heap: list[tuple[float, int, int]], a: int, b: int) -> int:
    """Merge clusters `a` and `b` into a new one, linked to every cluster linked to both (at the lesser
    similarity); returns the new cluster's number."""
    la, lb = links[a], links[b]
    assert la is not None and lb is not None
    merged: dict[int, float] = {}
    c = len(links)
    for x in la.keys() & lb.keys():
        merged[x] = min(la[x], lb[x])
        links[x][c] = merged[x]  # type: ignore[index]
        heapq.heappush(heap, (-merged[x], x, c))
    for gone, neighbours in ((a, la), (b, lb)):
        for x in neighbours:
            if x not in (a, b):
                links[x].pop(gone)  # type: ignore[union-attr]
    links[a] = links[b] = None
    links.append(merged)
    return c


def represent(docs: Sequence[Document], encode: Callable[[Sequence[str]], np.ndarray] | None = None) -> np.ndarray:
    """One unit vector per document: the mean embedding of its original title and paragraphs.

    `encode`: what embeds the pieces the cache does not hold (see `embed.embed`).
    """
    texts: list[str] = []
    owners: list[int] = []
    for index, doc in enumerate(docs):
        parts = pieces(doc)
        texts += parts
        owners += [index] * len(parts)
    sums = np.zeros((len(docs), DIM), dtype=np.float32)
    if texts:  # one embed call for the whole batch: the encoder batches, a cache can wrap it
        np.add.at(sums, np.asarray(owners), embed(texts, encode))
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    # An empty article keeps a zero vector: similar to nothing, it stays a story of its own.
    unit: np.ndarray = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
    return unit


def pieces(doc: Document) -> list[str]:
    """What `represent` embeds of a document: its original title (if any) and its first MAX_PARAGRAPHS paragraphs."""
    title = doc.article.title.strip()
    return ([title] if title else []) + paragraphs(doc.article.text)[:MAX_PARAGRAPHS]


def name_overlap(texts: Sequence[str]) -> np.ndarray:
    """Cosine similarity of the texts' names and numbers, each weighted by its rarity in the batch."""
    unit = name_vectors(texts)
    return np.asarray((unit @ unit.T).todense())


def name_vectors(texts: Sequence[str]) -> Any:
    """One unit row per text (a scipy CSR matrix): its names and numbers, weighted by their rarity in the batch."""
    from scipy.sparse import csr_matrix

    bags = idf_unit([{token: 1.0 + math.log(tf) for token, tf in Counter(names_and_numbers(text)).items()}
                     for text in texts])
    vocab = {token: k for k, token in enumerate(sorted({token for bag in bags for token in bag}))}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for i, bag in enumerate(bags):
        for token, weight in bag.items():
            rows.append(i)
            cols.append(vocab[token])
            values.append(weight)
    return csr_matrix((values, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float64)


def names_and_numbers(text: str) -> list[str]:
    """Capitalised words that do not open a sentence (lower-cased) and numbers of 2+ digits."""
    found = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0].isdigit():
            digits = re.sub(r"\D", "", token)  # 1,000 / 1.000 / 1 000 are one number
            if len(digits) >= 2:
                found.append(digits)
        elif token[0].isupper() and len(token) >= 2 and not _opens_sentence(text, match.start()):
            found.append(token.lower())
    return found


def _opens_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 4):start].rstrip(" \t\u00a0")  # a short look back keeps this linear
    return not before or before[-1] in _OPENERS
