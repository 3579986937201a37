"""One-story briefs, for callers who did their own grouping: the given articles are briefed as one story."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .config import Settings, load_settings
from .errors import InputError, NoArticlesError
from .types import Article, Briefing

log = logging.getLogger("summarise")


def read_articles(items: Sequence[str | Path], max_bytes: int,
                  warn: Callable[[str], None] | None = None) -> list[Article]:
    """Articles from texts (`str`) and files (`Path`), in order, as `summarise brief` reads files (boilerplate
    removed). A text is never taken for a path. An input with no usable article (empty, only boilerplate, an
    unreadable file) is skipped with a warning; a Path that does not exist is an error that names it."""
    from .ingest import read_file, read_text

    note = warn or log.warning
    found: list[Article] = []
    for k, item in enumerate(items):
        if isinstance(item, Path):
            path = item.expanduser()
            if not path.exists():
                raise InputError(str(item), "no such file or folder; pass article text as a str, files as a Path")
            label = str(item)
        else:
            label = f"text {k + 1}"
        try:
            found += read_file(path, path.parent, max_bytes) if isinstance(item, Path) else read_text(item, label)
        except InputError as exc:
            note(f"{label}: {exc.reason}; skipped")
    return found


def brief_story(articles: Sequence[str | Path], settings: Settings | None = None, *,
                warn: Callable[[str], None] | None = None) -> Briefing:
    """Brief the given articles as one story: each `str` is an article's text, each `Path` a file.
    Returns `.title`, `.short`, `.long`, `.citations`; inputs with nothing to brief are skipped with a warning,
    and NoArticlesError is raised only when none is left."""
    from . import briefing
    from .pipeline import documents, stages

    settings = settings or load_settings()
    note = warn or log.warning
    found = read_articles(articles, settings.max_bytes, note)
    if not found:
        raise NoArticlesError("no articles to brief: every input was empty or only boilerplate; "
                              "pass article texts (str) or files (pathlib.Path)")
    with stages(settings) as engine:  # the pipeline's detect → translate, with its caches
        docs = documents(engine, found, note)
    return briefing.briefer(settings, note)(docs)


def to_json(story: Briefing) -> dict[str, Any]:
    """The story as one cluster of `summarise brief`'s JSON."""
    from .render import cluster_json

    return cluster_json(story)


def to_markdown(story: Briefing) -> str:
    """The story as Markdown: title, short and long briefing, numbered sources."""
    from .markup import md_text, one_line
    from .render import story_markdown

    return story_markdown(story, f"# {md_text(one_line(story.title))}") + "\n"


def dumps(story: Briefing) -> str:
    """The story's JSON as text."""
    return json.dumps(to_json(story), ensure_ascii=False, indent=2)
