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

The representation and the linkage were chosen on a benchmark (bench/cluster.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

import numpy as np

from .embed import DIM, embed
from .errors import ConfigError
from .text import paragraphs
from .types import Document

# Tuned on bench/cluster.py (best B-cubed F1 on both Multi-News slices); Settings.cluster_threshold's default.
DEFAULT_THRESHOLD = 0.65
# Paragraphs beyond these add cost, not meaning: the lead of a news story says what it is about.
MAX_PARAGRAPHS = 40
# Name/number overlap (cosine of weighted counts) above NAME_FLOOR closes up to NAME_WEIGHT of the gap
# between the embedding cosine and 1; below the floor overlap is chance (dates, "President").
# Closing a share of the gap keeps the similarity <= 1, so a threshold of 1.0 still means "identical".
# Both were tuned on bench/cluster.py.
NAME_WEIGHT = 0.5
NAME_FLOOR = 0.1

# Numbers (with thousands separators of any of the three languages) or words.
_TOKEN = re.compile(r"\d(?:[\d.,]|[ \u00a0](?=\d{3}\b))*\d|\d|[^\W\d_]+")
# After these a capital letter starts a sentence rather than marking a name.
_OPENERS = set('.!?…:;"“”«»‘’(—–-\n')


def group(docs: Sequence[Document], threshold: float) -> list[list[int]]:
    """Indices of `docs` grouped into stories: largest first (ties by first index), members in order."""
    return group_similarities(similarities(docs), threshold)


def group_vectors(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Group rows of `vectors` (any scale; zero rows stay alone) by cosine similarity >= threshold."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors, dtype=np.float64), where=norms > 0)
    return group_similarities(unit @ unit.T, threshold)


def group_similarities(sims: np.ndarray, threshold: float) -> list[list[int]]:
    """Complete-linkage clusters of a symmetric similarity matrix, cut where similarity < threshold."""
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"cluster threshold {threshold} is outside 0..1; "
                          "use e.g. 0.65 (higher: smaller, stricter stories)")
    n = len(sims)
    if n <= 1:
        return [[0]] if n else []
    from scipy.cluster.hierarchy import fcluster, linkage  # type: ignore[import-untyped]
    from scipy.spatial.distance import squareform  # type: ignore[import-untyped]

    # Exact symmetry and a zero diagonal are what squareform needs; rounding can break both.
    dist = np.clip(1.0 - (sims + sims.T) / 2.0, 0.0, None)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="complete")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    clusters: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(index)
    return sorted(clusters.values(), key=lambda members: (-len(members), members[0]))


def similarities(docs: Sequence[Document]) -> np.ndarray:
    """Pairwise story similarity: embedding cosine, raised towards 1 by shared names and numbers."""
    vectors = represent(docs)
    overlap = name_overlap([f"{d.article.title}\n{d.article.text}" for d in docs])
    cosine = (vectors @ vectors.T).astype(np.float64)
    sims: np.ndarray = 1.0 - (1.0 - cosine) * (1.0 - NAME_WEIGHT * np.maximum(0.0, overlap - NAME_FLOOR))
    return sims


def represent(docs: Sequence[Document]) -> np.ndarray:
    """One unit vector per document: the mean embedding of its original title and paragraphs."""
    pieces: list[str] = []
    owners: list[int] = []
    for index, doc in enumerate(docs):
        parts = _pieces(doc)
        pieces += parts
        owners += [index] * len(parts)
    sums = np.zeros((len(docs), DIM), dtype=np.float32)
    if pieces:  # one embed call for the whole batch: the encoder batches, a cache can wrap it
        np.add.at(sums, np.asarray(owners), embed(pieces))
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    # An empty article keeps a zero vector: similar to nothing, it stays a story of its own.
    unit: np.ndarray = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
    return unit


def _pieces(doc: Document) -> list[str]:
    title = doc.article.title.strip()
    return ([title] if title else []) + paragraphs(doc.article.text)[:MAX_PARAGRAPHS]


def name_overlap(texts: Sequence[str]) -> np.ndarray:
    """Cosine similarity of the texts' names and numbers, each weighted by its rarity in the batch."""
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

    counts = [Counter(names_and_numbers(text)) for text in texts]
    df = Counter(token for count in counts for token in count)
    vocab = {token: k for k, token in enumerate(sorted(df))}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for i, count in enumerate(counts):
        # Smoothed idf is never zero, so small batches still compare names (by plain counts then).
        weights = {token: (1.0 + math.log(tf)) * (math.log((1 + len(texts)) / (1 + df[token])) + 1.0)
                   for token, tf in count.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        for token, weight in weights.items():
            rows.append(i)
            cols.append(vocab[token])
            values.append(weight / norm)
    unit = csr_matrix((values, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float64)
    return np.asarray((unit @ unit.T).todense())


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
