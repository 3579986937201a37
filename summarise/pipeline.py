"""The stages in order: fetch (with feeds) → ingest (and clean) → detect → translate → embed → cluster → brief
→ render → mark briefed. `run` is a day's run (`summarise brief`, and the digest's briefing); `brief` runs the stages
from ingest to render; `documents` is detect → translate, which `story.brief_story` shares."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import following
from .config import DEFAULT_SINCE, Settings, check, load_settings
from .errors import ConfigError
from .files import day_lock
from .render import reading_order
from .text import plural
from .types import Article, Briefing, Document, InputIssue, Result

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .engines import Engine
    from .events import Story
    from .fetch import FetchReport
    from .memory import Remembered, Signature

log = logging.getLogger("summarise")

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Warn = Callable[[str], None]


@dataclass(frozen=True)
class Day:
    """What `run` did: the briefing, and with feeds what the fetch saved, failed and spent per host."""

    result: Result
    fetched: FetchReport | None = None


def run(inputs: Sequence[Path | str], settings: Settings | None = None, *, feeds: Path | None = None,
        since: str = DEFAULT_SINCE, progress: Progress | None = None, warn: Warn | None = None,
        write: bool = True) -> Day:
    """A day's run: fetch the new entries of `feeds` (published within `since`) into <out>/<date>/articles, brief
    them with every article under `inputs`, and record the fetched entries that were briefed, so later days skip
    them. `write=False`: no briefing files (the caller prints the Result)."""
    settings = check(settings or load_settings())  # every setting, before any work
    require_inputs(inputs)
    if feeds is None:
        if not inputs:
            raise ConfigError("nothing to brief: give article files or folders, or --feeds FILE")
        return Day(brief(inputs, settings, progress=progress, warn=warn, write=write))
    from .feeds import parse_since
    from .fetch import fetch_day, mark_briefed

    window = parse_since(since)
    # Pin the date, so that a run crossing midnight fetches and briefs into the same day's folder.
    settings = dataclasses.replace(settings, date=settings.date or dt.date.today().isoformat())
    with _timed("fetch") as said:
        fetched = fetch_day(feeds, settings, since=window, date=str(settings.date), warn=warn or log.warning,
                            progress=progress)
        said.append(f"{len(fetched.saved)} new articles, {len(fetched.already_briefed)} briefed before, "
                    f"{len(fetched.issues)} failed")
    result = brief([*inputs, fetched.articles_dir], settings, progress=progress, warn=warn,
                   extra_issues=fetched.issues, write=write)
    mark_briefed(fetched.keys_for(d.article.path for d in result.documents), settings, date=result.date)
    return Day(result, fetched)


def brief(inputs: Sequence[Path | str], settings: Settings | None = None, *,
          progress: Progress | None = None, warn: Warn | None = None,
          extra_issues: Sequence[InputIssue] = (), write: bool = True) -> Result:
    """Brief every article under `inputs` and write briefing.md/.json to `<out>/<date>/` (unless not `write`)."""
    settings = check(settings or load_settings())  # every setting, before any work
    require_inputs(inputs)
    date = settings.date or dt.date.today().isoformat()
    # A second run on the same day waits, and says so; a run that writes no files need not.
    with day_lock(Path(settings.out) / date, _warner([], warn)) if write else contextlib.nullcontext():
        return _brief(inputs, settings, date, progress=progress, warn=warn, extra_issues=extra_issues, write=write)


def _brief(inputs: Sequence[Path | str], settings: Settings, date: str, *, progress: Progress | None,
           warn: Warn | None, extra_issues: Sequence[InputIssue], write: bool) -> Result:
    warnings: list[str] = []
    note = _warner(warnings, warn)
    step = progress or _no_progress
    # The per-article stages run on the engine (here, or on a Ray cluster); clustering and briefing run here.
    with stages(settings) as engine:
        articles, issues = _read(engine, inputs, settings, note, step)
        docs = documents(engine, articles, note, step)
        stories, vectors = _group(engine, docs, settings, step)
        past = following.recall(settings, date, note)
        briefings, signatures = _brief_groups(docs, stories, vectors, past, settings, date, note, step)
    docs, briefings, empty = _drop_empty(docs, briefings)  # an empty briefing is a failure, never "ok"
    briefings = reading_order(briefings)  # stories in English first
    for issue in empty:
        note(f"{issue.path}: {issue.reason} ({issue.status})")
    folder = Path(settings.out) / date
    keep = write and not briefings and any((folder / name).exists() for name in ("briefing.md", "briefing.json"))
    if keep:  # a run that briefed nothing never replaces a day's briefing
        note(f"nothing could be briefed; kept the earlier briefing in {folder}")
    result = Result(date=date, documents=tuple(docs), issues=(*issues, *empty, *extra_issues),
                    briefings=tuple(briefings), warnings=tuple(warnings))
    if keep or not write:  # -o -: the caller prints the Result; no files, and the memory waits for written ones
        return result
    result = _write(result, folder)
    if past is not None:  # only once the day's briefing is written: memory never runs ahead of the outputs
        following.remember(settings, date, result.briefings, result.documents, signatures, note)
    return result


def _read(engine: Engine, inputs: Sequence[Path | str], settings: Settings, note: Warn,
          step: Progress) -> tuple[list[Article], list[InputIssue]]:
    with _timed("read") as said:
        articles, issues = engine.read([Path(p) for p in inputs], settings.max_bytes,
                                       lambda done, total: step("read", done, total))  # files
        for issue in issues:
            note(f"{issue.path}: {issue.reason} ({issue.status})")
        if not articles:
            note(f"no articles to brief in {', '.join(str(p) for p in inputs)}")
        said.append(f"{plural(len(articles), 'article', 'articles')}, "
                    f"{plural(len(issues), 'input', 'inputs')} not used")
    return articles, issues


def _group(engine: Engine, docs: Sequence[Document], settings: Settings, step: Progress
           ) -> tuple[list[Story], np.ndarray]:
    """embed → cluster: the stories (events, each a list of facets of indices into `docs`), and the vectors."""
    from . import cluster, events

    with _timed("embed") as said:
        vectors = engine.represent(docs, lambda done: step("embed", done, len(docs)))  # from 0 to len(docs)
        said.append(plural(len(docs), "article", "articles"))
    with _timed("cluster") as said:
        step("cluster", 0, 1)
        facets = cluster.group(docs, settings.cluster_threshold, settings.cluster_exact_max, vectors)
        stories = [[f] for f in facets] if len(docs) > settings.cluster_exact_max else events.stories(
            vectors, [cluster.doc_text(d) for d in docs], facets, event_threshold=settings.event_threshold,
            attach_threshold=settings.attach_threshold)
        step("cluster", 1, 1)
        said.append(f"{plural(len(stories), 'story', 'stories')} of {plural(len(facets), 'facet', 'facets')}")
    return stories, vectors


def _brief_groups(docs: Sequence[Document], stories: Sequence[Story], vectors: np.ndarray,
                  past: Sequence[Remembered] | None, settings: Settings, date: str, note: Warn,
                  step: Progress) -> tuple[list[Briefing], dict[str, Signature]]:
    """Each story briefed; a story that continues a remembered one says what is new, with its background."""
    from . import briefing, events

    with _timed("brief") as said:
        brief_one = briefing.briefer(settings, note)  # abstractive falls back to extractive, with a warning
        signatures = following.signatures(docs, stories, vectors)
        linked, related = following.match(signatures, past, settings)
        briefings: list[Briefing] = []
        for k, story in enumerate(stories):
            members = [docs[i] for i in events.members(story)]
            briefings.append(following.brief(brief_one, members, story, linked[k], settings, date, related[k]))
            step("brief", k + 1, len(stories))
        said.append(f"{plural(len(briefings), 'story', 'stories')}, {settings.summariser}, "
                    f"{sum(b.continues is not None for b in briefings)} continuing")
    return briefings, {b.id: s for b, s in zip(briefings, signatures, strict=True)}


def _write(result: Result, folder: Path) -> Result:
    """briefing.md/.json (and the rest render writes) in `folder`; the Result that names them."""
    from . import render

    with _timed("render") as said:
        written = render.write(result, folder)
        said.append(f"wrote {', '.join(Path(p).name for p in written)} in {folder}")
    return dataclasses.replace(result, outputs=tuple(str(p) for p in written))


@contextlib.contextmanager
def stages(settings: Settings) -> Iterator[Engine]:
    """The engine for the per-article stages (here, or on a Ray cluster), with the caches of earlier runs active."""
    from . import cache, engines

    # Languages, translations and embeddings known from earlier runs are reused.
    with engines.start(settings) as engine, cache.session(settings):
        yield engine


def documents(engine: Engine, articles: Sequence[Article], note: Warn, progress: Progress | None = None
              ) -> list[Document]:
    """detect → translate: one Document per article, in English where a model allows (inside `stages`)."""
    step = progress or _no_progress
    with _timed("detect") as said:
        step("detect", 0, len(articles))
        languages = engine.languages(articles)
        step("detect", len(articles), len(articles))
        codes = {lang.code for lang in languages}
        said.append(f"{plural(len(articles), 'article', 'articles')}, {plural(len(codes), 'language', 'languages')}")
    with _timed("translate") as said:
        docs = engine.translate(articles, languages, note, lambda done: step("translate", done, len(articles)))
        said.append(f"{sum(d.translated for d in docs)} of {plural(len(docs), 'article', 'articles')} translated, "
                    f"{sum(d.missed for d in docs)} missing a model")
    return docs


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


@contextlib.contextmanager
def _timed(stage: str) -> Iterator[list[str]]:
    """Log at INFO what a stage did (what the block puts in the list) and how long it took (`summarise -v`): wall
    seconds, then this process's CPU seconds (all its threads), which a busy machine changes less."""
    said: list[str] = []
    started, cpu = time.perf_counter(), time.process_time()
    yield said
    log.info("%s: %s, %.1f s, CPU %.1f s", stage, ", ".join(said), time.perf_counter() - started,
             time.process_time() - cpu)


def require_inputs(inputs: Sequence[Path | str]) -> None:
    """ConfigError naming every input that does not exist: a mistyped path is a usage error, before
    anything is read or written (rather than a day's briefing of nothing)."""
    missing = [str(p) for p in inputs if not os.path.lexists(p)]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")


def _drop_empty(docs: Sequence[Document], briefings: Sequence[Briefing]
                ) -> tuple[list[Document], list[Briefing], list[InputIssue]]:
    """Stories whose briefing came out empty are not briefed: their articles become failed inputs, with why."""
    from .story_model import no_fit_reason  # loaded already: the stories were built with it

    empty = [b for b in briefings if not (b.short.strip() and b.long.strip())]
    dropped = {a for b in empty for a in b.article_ids}
    issues = [InputIssue(d.article.path, "failed", f"no sentence of it fit a briefing: {no_fit_reason(d)}")
              for d in docs if d.article.id in dropped]
    return ([d for d in docs if d.article.id not in dropped], [b for b in briefings if b not in empty], issues)


def _warner(sink: list[str], warn: Callable[[str], None] | None) -> Callable[[str], None]:
    """Collect a warning for the JSON, log it, and pass it to the caller's handler."""

    def note(message: str) -> None:
        sink.append(message)
        log.warning(message)
        if warn is not None:
            warn(message)

    return note
