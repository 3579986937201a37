"""One-story briefs, for callers who did their own grouping: the given articles are briefed as one story."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from .config import Settings, load_settings
from .errors import NoArticlesError
from .types import Article, Briefing

log = logging.getLogger("summarise")

LONGEST_PATH = 4096  # a str longer than this, or with a line break, is an article's text, never a path


def _is_path(item: str | Path) -> bool:
    """Paths are Path objects, or one-line strings naming an existing file."""
    if isinstance(item, Path):
        return True
    return len(item) < LONGEST_PATH and "\n" not in item and Path(item).expanduser().is_file()


def read_articles(items: Sequence[str | Path], max_bytes: int = 10_000_000) -> list[Article]:
    """Articles from texts or file paths, in order, as `summarise brief` reads files (boilerplate removed)."""
    from .ingest import read_file, read_text

    found: list[Article] = []
    for k, item in enumerate(items):
        if _is_path(item):
            path = Path(item).expanduser()
            found += read_file(path, path.parent, max_bytes)
        else:
            found += read_text(str(item), f"text {k + 1}")
    return found


def brief_story(articles: Sequence[str | Path], settings: Settings | None = None, *,
                warn: Callable[[str], None] | None = None) -> Briefing:
    """Brief the given articles (texts or file paths) as one story: `.title`, `.short`, `.long`, `.citations`."""
    from . import briefing, detect, translation

    settings = settings or load_settings()
    note = warn or log.warning
    found = read_articles(articles, int(settings.max_file_mb * 1e6))
    if not found:
        raise NoArticlesError("no articles to brief; pass article texts or files")
    languages = detect.detect_many([f"{a.title}\n{a.text}" for a in found])
    docs = translation.prepare(found, languages, settings, note)
    return briefing.briefer(settings, note)(docs)


def to_json(story: Briefing) -> dict[str, Any]:
    """The story as one cluster of `summarise brief`'s JSON."""
    from .render import cluster_json

    return cluster_json(story)


def to_markdown(story: Briefing) -> str:
    """The story as Markdown: title, short and long briefing, numbered sources."""
    from .render import story_markdown

    return story_markdown(story, f"# {story.title}") + "\n"


def dumps(story: Briefing) -> str:
    """The story's JSON as text."""
    return json.dumps(to_json(story), ensure_ascii=False, indent=2)
