"""Synthetic story vectors and name texts for clustering at scale (bench/scale.py), seeded and reproducible.

How they are made (numpy, 512 dimensions like the encoder's):
- Story sizes are drawn from a Zipf law (exponent 2, capped at 300): most stories have one or two articles,
  a few have dozens or hundreds, as on a real news day.
- Topics: one topic per 40 stories (a random unit vector). A story's centre is 0.5 of its topic plus 0.87 of
  its own random direction, so two stories of one topic score ~0.25 cosine, of different topics ~0.
- An article is its story's centre times a (drawn uniformly from 0.72..0.95) plus random noise, normalised:
  two articles of one story score about 0.5..0.9 (the real encoder gives ~0.8 for one story in en/pt/ru,
  0.05..0.3 for unrelated ones), so some pairs of one story need shared names to reach the threshold.
- Texts: each story has 2..6 names and a number; an article mentions a random half or more of them, plus two
  common names ("Monday", "President"...) and one random name from the whole vocabulary, as text that
  `cluster.names_and_numbers` reads ("news of Karvolen and Bemisu and 2024 ...").
"""

from __future__ import annotations

import numpy as np

DIM = 512
_CONSONANTS = "bcdfghjklmnprstvz"
_VOWELS = "aeiou"
_COMMON = ["Monday", "Tuesday", "President", "Minister", "Government", "Police", "Europe", "Brazil", "Russia",
           "January", "Reuters", "Council", "Court", "Parliament", "City"]


def _names(rng: np.random.Generator, count: int) -> list[str]:
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS]
    picks = rng.integers(0, len(syllables), size=(count, 3))
    return [("".join(syllables[i] for i in row)).capitalize() for row in picks]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def stories(n: int, seed: int = 0) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(unit float32 vectors n×512, texts, gold story label per article) for `n` articles in shuffled order."""
    rng = np.random.default_rng(seed)
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(min(rng.zipf(2.0), 300)))
    sizes[-1] -= sum(sizes) - n
    labels = np.repeat(np.arange(len(sizes)), sizes)
    topics = _unit(rng.standard_normal((max(1, len(sizes) // 40), DIM)).astype(np.float32))
    own = _unit(rng.standard_normal((len(sizes), DIM)).astype(np.float32))
    centres = _unit(0.5 * topics[rng.integers(0, len(topics), len(sizes))] + 0.87 * own)
    a = rng.uniform(0.72, 0.95, size=(n, 1)).astype(np.float32)
    noise = _unit(rng.standard_normal((n, DIM)).astype(np.float32))
    vectors = _unit(a * centres[labels] + np.sqrt(1 - a * a) * noise).astype(np.float32)

    vocabulary = _names(rng, 6 * len(sizes) + 1000)
    story_names = [[*vocabulary[6 * s:6 * s + int(rng.integers(2, 7))], str(rng.integers(10, 100000))]
                   for s in range(len(sizes))]
    texts = []
    for label in labels:
        mine = story_names[label]
        keep = [name for name in mine if rng.random() < 0.7] or [mine[0]]
        extra = [_COMMON[i] for i in rng.integers(0, len(_COMMON), 2)] + [vocabulary[rng.integers(len(vocabulary))]]
        texts.append("news of " + " and ".join(keep + extra))
    order = rng.permutation(n)
    return vectors[order], [texts[i] for i in order], labels[order]
