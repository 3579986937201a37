"""What a briefing says: the lede (the short, step 5 of briefing.py's account) and the greedy pick of the long's
sentences (step 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .story_model import MAX_WORDS, Key, Story, word_pairs
from .text import word_count

DUPLICATE = 0.88  # cosine above which two sentences say the same thing
# The weights below, with story_model.LEAD, were tuned on 100 of the 250 Multi-News validation clusters
# (bench/quality.py) and checked on the other 150: ROUGE-2 15.7 against 13.8 for the best classic baseline there.
COVERAGE, SCORE = 2.0, 0.5  # greedy pick: weights of the new shared word pairs (scaled to 1) and of the score
REDUNDANT_MEANING, REDUNDANT_WORDS = 2.0, 1.0  # penalties: cosine, and share of words, to the closest pick
LEDE_SPAN = 2  # the lede is among the first this many candidate sentences of a source
LEDE_SCORE, LEDE_MEANING, LEDE_RANK = 1.0, 2.0, 0.3  # lede: weights of score, closeness to the openings, rank
LEDE_SECOND = 12  # a lede shorter than this many words takes the next sentence of its source along
# A continuing story: a sentence this close in meaning to one its earlier briefings told, or sharing this much of
# its word pairs with one, is not news (the "stale" test is ROUGE-2 F >= 0.5 against earlier shorts).
TOLD_MEANING, TOLD_PAIRS = 0.8, 0.4


def told(story: Story, earlier: Sequence[str]) -> np.ndarray:
    """Per candidate: whether the story's earlier briefings (their sentences, `earlier`) already said it."""
    from .embed import embed

    if not earlier or not story.cands:
        return np.zeros(len(story.cands), dtype=bool)
    meaning = (story.vectors @ embed(list(earlier)).T).max(axis=1) >= TOLD_MEANING
    said = [word_pairs(text) for text in earlier]
    wording = np.array([bool(pairs) and max(len(pairs & s) for s in said) >= TOLD_PAIRS * len(pairs)
                        for pairs in story.pairs])
    return np.asarray(meaning | wording)


def pick_lede(story: Story, short_words: int, stale: np.ndarray | None = None) -> list[int]:
    """The short's candidates: the newest development's lede, and the next sentence of its source when the
    lede is short and both fit the budget; what is `stale` (told before) is left out while anything else fits."""
    best = lede_of(story, story.newest, short_words, stale)
    if best is None:
        return []
    lede = story.cands[best]
    words = word_count(lede.text)
    follow = story.index.get((lede.source, lede.index + 1))
    if (words < LEDE_SECOND and follow is not None and set(story.cands[follow].needs) <= {lede.index}
            and words + word_count(story.cands[follow].text) <= short_words):
        return [best, follow]
    return [best]


def lede_of(story: Story, pool: Sequence[int], max_words: int = MAX_WORDS,
            stale: np.ndarray | None = None) -> int | None:
    """The most central standalone sentence among the first LEDE_SPAN of each of `pool`'s sources: news says who
    did what, where and when first, and what several sources open on is the news. Its value: the sentence's
    score, plus its closeness in meaning to the sources' opening sentences, less a little per rank. Sentences
    `stale` marks are left out while any other fits."""
    cands, members = story.cands, set(pool)
    fits = [k for k, c in enumerate(cands) if c.source in members and not c.needs and word_count(c.text) <= max_words]
    if stale is not None:
        fits = [k for k in fits if not stale[k]] or fits
    opening = [k for k in fits if cands[k].rank < LEDE_SPAN] or fits
    if not opening:
        return None
    written = [k for k in opening if not story.sources[cands[k].source].doc.translated]
    opening = written or opening  # a source's own English reads better than a machine's
    centroid = story.vectors[[k for k, c in enumerate(cands) if c.source in members and c.rank == 0]].mean(axis=0)
    value = {k: float(LEDE_SCORE * story.scores[k] + LEDE_MEANING * story.vectors[k] @ centroid
                      - LEDE_RANK * cands[k].rank) for k in opening}
    return max(opening, key=lambda k: (value[k], -k))


@dataclass(frozen=True)
class _Units:
    """What picking each candidate brings, the same throughout a selection."""

    lengths: np.ndarray  # its own words
    pairs: list[frozenset[tuple[str, str]]]  # what it covers: its word pairs and those of what it brings along
    needs: list[list[tuple[Key, int]]]  # the sentences it brings along, with their words
    worth: np.ndarray  # its best score: a strong sentence brought along as an antecedent counts


@dataclass
class _Picks:
    """A selection so far."""

    meaning: np.ndarray  # each candidate's cosine to the closest pick
    wording: np.ndarray  # share of each candidate's words found in the closest pick
    blocked: np.ndarray  # each candidate: taken already
    covered: set[tuple[str, str]] = field(default_factory=set)
    taken: set[Key] = field(default_factory=set)
    words: int = 0
    count: int = 0


def select(story: Story, *, low: int, high: int, seed: Sequence[int] = (), max_sentences: int = 1000,
           stale: np.ndarray | None = None) -> set[Key]:
    """Greedy picks (new shared pairs per word, score, less redundancy) until `low` words, never past `high`,
    the `seed` candidates first; each pick brings the sentences it leans on; `stale` candidates (told on earlier
    days) are not picked. Returns the (source, index) of every sentence taken."""
    units = _units(story)
    n = len(story.cands)
    blocked = np.zeros(n, dtype=bool) if stale is None or stale.all() else stale.copy()
    blocked[list(seed)] = False  # the lede leads, told before or not
    picks = _Picks(np.zeros(n), np.zeros(n), blocked)
    queue = list(seed)
    while (queue or picks.words < low) and picks.count < max_sentences:
        cost = units.lengths + np.array([sum(w for key, w in needs if key not in picks.taken)
                                         for needs in units.needs], dtype=int)
        stop = picks.blocked | (picks.meaning > DUPLICATE) | (picks.words + cost > high)
        if queue:
            best = queue.pop(0)
            if stop[best]:
                continue
        elif stop.all():
            break
        else:
            best = _best(story, units, picks, cost, stop)
        _take(story, units, picks, best, int(cost[best]))
    return picks.taken


def _units(story: Story) -> _Units:
    """What picking each of the story's candidates brings."""
    return _Units(
        lengths=np.array([word_count(c.text) for c in story.cands]),
        pairs=[story.pairs[k].union(*(word_pairs(story.texts[c.source][j]) for j in c.needs))
               for k, c in enumerate(story.cands)],
        needs=[[((c.source, j), word_count(story.texts[c.source][j])) for j in c.needs] for c in story.cands],
        worth=np.array([story.scores[[k, *story.brought(k)]].max() for k in range(len(story.cands))]))


def _best(story: Story, units: _Units, picks: _Picks, cost: np.ndarray, stop: np.ndarray) -> int:
    """The candidate worth most: new shared pairs per word (scaled to 1), plus its worth, less its redundancy."""
    gain = np.array([sum(story.weights.get(p, 0.0) for p in unit - picks.covered) for unit in units.pairs],
                    dtype=float) / np.maximum(cost, 1)
    top = gain.max(initial=0.0)
    value = (COVERAGE * (gain / top if top > 0 else gain) + SCORE * units.worth
             - REDUNDANT_MEANING * picks.meaning - REDUNDANT_WORDS * picks.wording)
    return int(np.argmax(np.where(stop, -np.inf, value)))  # first of equals: input order breaks ties


def _take(story: Story, units: _Units, picks: _Picks, best: int, cost: int) -> None:
    """Candidate `best` picked, with the sentences it brings along, at `cost` words."""
    c = story.cands[best]
    picks.taken |= {(c.source, k) for k in (*c.needs, c.index)}
    picks.blocked |= np.array([(d.source, d.index) in picks.taken for d in story.cands])
    picks.covered |= units.pairs[best]
    picks.words += cost
    picks.count += 1
    for k in [best, *story.brought(best)]:
        picks.meaning = np.maximum(picks.meaning, story.vectors @ story.vectors[k])  # what it brought counts too
        picks.wording = np.maximum(picks.wording, [len(t & story.terms[k]) / max(len(t), 1) for t in story.terms])
