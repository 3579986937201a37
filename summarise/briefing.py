"""Briefings of one story, extractive or abstractive, every sentence cited.

For one story (a cluster of Documents):
1. syndicated copies are merged into one source that lists every outlet (dedupe.py);
2. candidates are the English sentences of every source (originals only when no source has English),
   duplicates, fragments and run-ons left out;
3. each candidate is scored by the weight of its words, a word weighing more the more sources use it and the
   more often (what a story is about is what its sources keep repeating), plus a bonus for sentences near the
   top of their article (news puts the essentials first);
   a sentence that opens on a back-reference ("He", "This visit", "The company", coherence.py) carries the
   sentences it leans on, which come along whenever it is picked (a list item carries its lead-in line);
4. developments: sources dated within DEVELOPMENT_DAYS of each other form one development; a story whose dated
   sources make more than one is told as a timeline, oldest first, each development introduced by its date;
5. the short is the lede: the most central standalone sentence among the first sentences of the newest
   development's sources (news puts who, what, where and when first), with the next one when it is short;
6. the long: sentences are picked greedily by how many not yet covered word pairs shared between sources
   they add per word (the facts several outlets report, each counted once; concept coverage as in Gillick
   and Favre's summariser), plus their score, less a penalty for closeness in meaning (sentence embeddings)
   or in words to the picks so far, until the word budget is met (a timeline first takes each development's
   lede, any other story its own lede); within a source the picks keep their order and a sentence follows the
   one it leans on;
7. abstractive: a seq2seq model writes from the sources' text (abstractive.py), and the faithfulness guard
   (guard.py) replaces every sentence stating a number, date, amount or name that no source states;
8. every sentence cites its own source and any other that states the same thing; sources are numbered in
   the order they are first cited, and the ones no sentence cites are marked so ("Also reported by");
9. the title is the headline of the lede's source (else of its development) when it reads as one; failing
   that, it is generated (and guarded) in abstractive mode, else the lede cut to 12 words.
Everything is deterministic: ties break on input order.

Steps 1 to 4 build the story model (story_model.py), 5 and 6 choose what to say (selection.py), 8 and the
reading order are citing.py's; this module puts them together and writes the abstractive briefings and titles.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .article import headline_of
from .citing import checked_text, cite, cited_text, development_day, markers, numbered, unmarked
from .config import Settings
from .dates import short_date
from .errors import ModelUnavailableError
from .guard import Evidence, Facts
from .render import LANGUAGE_NAMES
from .selection import lede_of, pick_lede, select, told
from .story_model import Story, build_story
from .text import paragraphs, sentences, word_count
from .types import Briefing, Document

if TYPE_CHECKING:  # pragma: no cover
    from .abstractive import Seq2SeqWriter

TITLE_WORDS = 12  # a title cut from a sentence
HEADLINE_WORDS = 16  # a source's headline longer than this is cut too


class Writer(Protocol):
    """An abstractive model: a short or long briefing of a text (abstractive.Seq2SeqWriter is the real one)."""

    def write(self, text: str, kind: str, *, max_words: int, min_words: int = 0, n_sources: int = 1) -> str: ...


def brief_cluster(docs: Sequence[Document], settings: Settings | None = None, *, writer: Writer | None = None,
                  notice: str | None = None, earlier: Sequence[str] = ()) -> Briefing:
    """Title, short and long briefing, with citations, for one story, as long as `settings` say (default:
    Settings()); abstractive when given a writer. `earlier`: the sentences the story's earlier briefings told
    (a continuing story), which the short and the long leave out while there is news to tell instead."""
    settings = settings or Settings()
    short_words, long_min, long_max = settings.short_words, settings.long_min_words, settings.long_max_words
    story = build_story(docs)
    stale = told(story, earlier) if earlier else None
    lede = pick_lede(story, short_words, stale)
    short, long = _extractive(story, lede, short_words, long_min, long_max, stale)
    replaced, generated = 0, None
    if writer is not None and story.english:
        evidence = _evidence(story)
        short, long, replaced = _abstractive(story, writer, evidence, short_words, long_min, long_max,
                                             (short, long))
        generated = (writer, evidence, unmarked(short))
    title, title_replaced = _title(story, lede, generated)
    short, long, citations = numbered(story, short, long)
    untranslated = tuple(d.article.id for d in docs if not d.english)
    return Briefing(
        id=_cluster_id(docs), title=title, short=short, long=long,
        article_ids=tuple(d.article.id for d in docs), citations=citations, untranslated=untranslated,
        replacements=replaced + title_replaced, english=story.english,
        language="en" if story.english else _main_language(story), notice=None if story.english else notice)


def briefer(settings: Settings, warn: Callable[[str], None]) -> Callable[..., Briefing]:
    """Brief one story at a time as `settings` say: abstractive when asked and the model loads, else extractive."""
    writer: Seq2SeqWriter | None = None
    if settings.summariser == "abstractive":
        from .abstractive import Seq2SeqWriter

        writer = Seq2SeqWriter(settings.summary_model, device=settings.device, beams=settings.beam_size)
    missing: list[ModelUnavailableError] = []

    def brief_one(docs: Sequence[Document], earlier: Sequence[str] = ()) -> Briefing:
        if writer is not None and not missing:
            try:
                writer.load()  # the model loads with the first story, and stays loaded
            except ModelUnavailableError as exc:
                missing.append(exc)
                warn(f"{exc}; briefing extractively instead")
        return brief_cluster(docs, settings, writer=None if missing else writer,
                             notice=untranslated_notice(docs, settings), earlier=earlier)

    return brief_one


def untranslated_notice(docs: Sequence[Document], settings: Settings) -> str | None:
    """What a reader of a story kept in its original languages needs to know, and how to get it in English."""
    langs = sorted({d.language.code for d in docs if not d.english})
    if not langs or any(d.english for d in docs):
        return None
    names = " and ".join(LANGUAGE_NAMES.get(code, code) for code in langs)
    originals = f"{names} original{'s' if len(langs) > 1 else ''}, not translated"
    if not settings.translate:
        return f"{originals} (translation is off: run without --no-translate to translate)"
    if all(d.language.code == "und" for d in docs):
        return f"{originals}: the language could not be determined"
    fixes = "; ".join(f"`hf download {settings.model_for(code)}` once with network, or set "
                      f"`[models] {code} = \"/path\"`" for code in langs if code != "und")
    return f"{originals}: {fixes}"


def _extractive(story: Story, lede: Sequence[int], short_words: int, long_min: int,
                long_max: int, stale: np.ndarray | None = None) -> tuple[str, str]:
    """Short (the lede) and long briefings of source sentences."""
    cands = story.cands
    keys = frozenset((cands[k].source, cands[k].index) for k in lede)
    short = cited_text(story, set(keys), dated=False)
    if story.timeline and short:
        short = f"{short_date(development_day(story, cands[lede[0]].source))} — {short}"  # a dateline
    if not short and cands:  # every sentence is longer than the short budget: cut the best one
        best = int(np.argmax(story.scores))
        short = _clip(cands[best].text, short_words) + markers(cite(story, (cands[best].source, cands[best].index)))
    seed = [lede_of(story, d, stale=stale) for d in story.developments] if story.timeline else list(lede)  # news
    taken = select(story, low=long_min, high=long_max, seed=[k for k in seed if k is not None], stale=stale)
    return short, cited_text(story, taken, dated=True, first=keys)


def _evidence(story: Story) -> Evidence:
    """The guard's view of the story: candidate sentences, and every text its sources hold, as written."""
    texts = [t for d in story.docs for s in d.body.sentences for t in (s.english, s.source)]
    texts += [t for d in story.docs for t in (d.title_en, d.article.title)]
    return Evidence([c.text for c in story.cands], [c.source for c in story.cands], story.vectors, Facts.of(texts))


def _source_text(story: Story, pool: Sequence[int] | None = None) -> str:
    """The English sources' text (of `pool` when given), most central source first (models read the start most
    closely)."""
    members = set(pool if pool is not None else range(len(story.sources)))
    order = sorted((i for i, s in enumerate(story.sources) if s.doc.english and i in members),
                   key=lambda i: (-story.centrality[i], i))
    return "\n\n".join(story.sources[i].doc.body.text for i in order)


def _abstractive(story: Story, writer: Writer, evidence: Evidence, short_words: int, long_min: int,
                 long_max: int, fallback: tuple[str, str]) -> tuple[str, str, int]:
    """Short and long briefings written by the model and guarded; the extractive one where it wrote nothing.

    The short is written from the newest development's sources only, so that it states the news."""
    n = len(story.sources)
    newest = _source_text(story, story.newest) or _source_text(story)
    outputs = (writer.write(newest, "short", max_words=short_words, n_sources=n),
               writer.write(_source_text(story), "long", max_words=long_max, min_words=long_min, n_sources=n))
    rendered, replaced = [], 0
    for output, extractive in zip(outputs, fallback, strict=True):
        checked, failed = evidence.check([s for p in paragraphs(output) for s in sentences(p)])
        rendered.append(checked_text(checked) or extractive)
        replaced += failed
    return rendered[0], rendered[1], replaced


def _title(story: Story, lede: Sequence[int], generated: tuple[Writer, Evidence, str] | None) -> tuple[str, int]:
    """The headline of the lede's source, else of another source of its development, when it reads as one;
    else a generated, guarded one; else the lede cut to 12 words.

    Also returns 1 when a generated title failed the guard (and was replaced), else 0.
    """
    first = story.cands[lede[0]].source if lede else None
    pool = set(story.newest) if first is None else next(set(d) for d in story.developments if first in d)
    ranked = sorted(range(len(story.sources)), key=lambda i: (
        i != first, i not in pool, not story.sources[i].doc.english, -story.centrality[i], i))
    headlines = [headline_of(story.sources[i].doc.title_en.strip(), story.sources[i].doc.article.text)
                 for i in ranked]
    fitting = [h for i, h in zip(ranked, headlines, strict=True)  # without English, the original headline
               if i in pool and (story.sources[i].doc.english or not story.english) and _headline_like(h)]
    if fitting:
        return fitting[0], 0
    failed = 0
    if generated is not None:
        writer, evidence, short = generated
        written = sentences(writer.write(short, "short", max_words=TITLE_WORDS, n_sources=len(story.sources)))
        title = written[0].rstrip(".") if written else ""
        failed = evidence.check([title])[1] if title else 0
        if title and not failed and _headline_like(title):
            return title, 0
    if lede:
        return _clip(story.cands[lede[0]].text.rstrip("."), TITLE_WORDS), failed
    fallback = next((h for h in headlines if h), "")
    if not fallback and story.cands:
        fallback = story.cands[int(np.argmax(story.scores))].text
    return _clip(fallback, TITLE_WORDS), failed


def _headline_like(text: str) -> bool:
    """At most 16 words, not cut short, not a full sentence ending in a full stop."""
    return 0 < word_count(text) <= HEADLINE_WORDS and not text.endswith(("…", "."))


def _clip(text: str, words: int) -> str:
    """At most `words` words, cut at a word boundary and marked with an ellipsis when cut."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + "…"


def _main_language(story: Story) -> str:
    """The language most of the story's text is in (its first source's on a tie)."""
    return Counter(s.doc.language.code for s in story.sources).most_common(1)[0][0]


def _cluster_id(docs: Sequence[Document]) -> str:
    """Stable: derived from the member articles' ids."""
    return hashlib.sha256(" ".join(sorted(d.article.id for d in docs)).encode()).hexdigest()[:12]
