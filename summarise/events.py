"""Stories as events, with their facets inside: the second level of clustering.

Clustering (cluster.py) finds *facets*: complete linkage, so every two articles of a facet are alike. On a busy
day one developing event (a clash, an evacuation, a market's reaction) then comes out as several facets, and a
reader meets the event again in each. A story is the event:

1. facets join when their centroids, with their names and numbers, are alike (`event_threshold`; complete
   linkage over facets, so events do not chain);
2. an article left on its own joins the story it is on average most alike (`attach_threshold`), since a lone
   article is most often another outlet's angle on an event of the day rather than an event of its own.

Both thresholds were chosen on bench/developing.py (a topic's share of its day's articles) against
bench/cluster.py (B-cubed on a mix of distinct stories, which must not drop), and each can be set to 1.0 to turn
its step off. Above `cluster_exact_max` articles the event level is skipped: its facet matrix would grow with n².
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import cluster

Story = list[list[int]]  # a story's facets, each a list of article indices


def stories(vectors: np.ndarray, texts: Sequence[str], facets: Sequence[Sequence[int]], *,
            event_threshold: float, attach_threshold: float) -> list[Story]:
    """The day's stories: `facets` (clusters of article indices) joined into events; largest story first."""
    if len(facets) < 2:
        return [[list(f)] for f in facets]
    joined = _join_facets(vectors, texts, facets, event_threshold)
    events = _attach_singles(vectors, texts, joined, attach_threshold)
    return sorted(events, key=lambda story: (-sum(map(len, story)), min(min(f) for f in story)))


def members(story: Story) -> list[int]:
    """A story's articles, in input order."""
    return sorted(i for facet in story for i in facet)


def _join_facets(vectors: np.ndarray, texts: Sequence[str], facets: Sequence[Sequence[int]],
                 threshold: float) -> list[Story]:
    """Facets grouped by complete linkage on their centroids' similarity (cluster.combine of cosine and names)."""
    if threshold >= 1.0:
        return [[list(f)] for f in facets]
    centroids = np.array([vectors[list(f)].mean(axis=0) for f in facets], dtype=np.float64)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = np.divide(centroids, norms, out=np.zeros_like(centroids), where=norms > 0)
    names = cluster.name_overlap(["\n".join(texts[i] for i in f) for f in facets])
    groups = cluster.group_similarities(cluster.combine(centroids @ centroids.T, names), threshold)
    return [[list(facets[k]) for k in sorted(group)] for group in groups]


def _attach_singles(vectors: np.ndarray, texts: Sequence[str], events: list[Story],
                    threshold: float) -> list[Story]:
    """Each lone article joins the story of several articles it is on average most alike, when that reaches
    `threshold` (a facet of its own inside the story)."""
    large = [e for e in events if sum(map(len, e)) > 1]
    single = [e[0][0] for e in events if sum(map(len, e)) == 1]
    if threshold >= 1.0 or not large or not single:
        return events
    involved = sorted({*single, *(i for e in large for i in members(e))})
    at = {i: k for k, i in enumerate(involved)}
    sub = vectors[involved].astype(np.float64)
    sims = cluster.combine(sub @ sub.T, cluster.name_overlap([texts[i] for i in involved]))
    stays: list[Story] = []
    for i in single:
        means = [float(sims[at[i], [at[j] for j in members(e)]].mean()) for e in large]
        best = int(np.argmax(means))
        if means[best] >= threshold:
            large[best] = [*large[best], [i]]
        else:
            stays.append([[i]])
    return large + stays
