"""Boilerplate removal for news pages pasted as plain text (English, Portuguese, Russian).

A pasted page is a column of lines: menus and share bars on top, the article in the middle,
related stories, comment prompts and legal lines at the bottom. The stages, in order:

0. hard-wrapped prose (fixed-width e-mail or terminal text) is joined back into paragraph lines;
1. classify each line on its own: blank, page furniture (menus, share and cookie prompts,
   captions, counters), metadata (dates, bylines, `Source:` lines), list markers ("Read next",
   "Leia também") or text; text lines are sentences, list items or short heading-like lines.
   Furniture is judged by form, not topic: legal lines, cookie consent and calls to action
   addressed to the reader ("Sign up for our newsletter", "© 2025 Outlet", "you agree to") are
   furniture on any line, once quotations are taken out; words that news also reports on
   ("copyright", "newsletter", "privacy policy", "click here") only on a line or footer item of
   a few words, and a line of three or more short items between separators is a menu;
2. repeated lines and teasers printed twice (title+teaser, then the teaser again) are furniture;
3. markers: after a "Read next"-style marker everything is other stories until the article
   demonstrably resumes; a "Related"/"See also" marker drops only the short list it introduces;
4. the article is the stretch of lines with the best balance of sentences over furniture
   (a line-level form of Finn et al.'s body text extraction, maximum-sum subarray);
5. inside it, runs of short lines (link lists), pull quotes and one-line teasers of other
   stories go (a headline-like line of 7+ words sharing no word with the paragraph after it);
   above it, the headline and standfirst are recovered.

Stages 0 and 1 live in `pageline` (dates in `dates`), stages 2 to 5 in `article`. `body_mask` returns the
per-line decision (headline included); `clean` assembles the text and returns the headline, date, URL and
source as metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .article import apply_markers, header, keep_article, mark_repeats, region
from .dates import find_date, is_date_line
from .pageline import BLANK, END, META, SOURCE, URL, Line, is_source, normalise, read_line, unwrap

__all__ = ["Cleaned", "body_mask", "clean"]


@dataclass(frozen=True)
class Cleaned:
    """An article body without page boilerplate, plus what the page said about it."""

    text: str  # paragraphs separated by one blank line, each on one line
    removed: int  # non-empty input lines dropped
    title: str | None
    published: str | None  # ISO 8601
    url: str | None
    source: str | None


@dataclass(frozen=True)
class _Page:
    mask: list[bool]  # per logical line
    title: int | None
    lines: list[Line]  # logical lines: physical ones, or a hard-wrapped paragraph joined
    groups: list[list[int]]  # the physical lines behind each logical line
    end: int  # where "Read next"-style material begins (metadata below it is other stories')


def _analyse(raw_lines: list[str]) -> _Page:
    """Run the stages in the module docstring over one page."""
    texts = [normalise(raw) for raw in raw_lines]
    groups = unwrap(texts)
    lines = [read_line(" ".join(texts[i] for i in group)) for group in groups]
    mark_repeats(lines)
    drop = [False] * len(lines)
    apply_markers(lines, drop)
    start, end = region(lines, drop)
    if end <= start:  # no prose at all
        return _Page([False] * len(lines), None, lines, groups, len(lines))
    keep = keep_article(lines, drop, start, end)
    title, standfirst = header(lines, start)
    for i in ([title] if title is not None else []) + standfirst:
        keep[i] = True
    cut = next((i for i, line in enumerate(lines) if line.kind == END and i >= start), len(lines))
    return _Page(keep, title, lines, groups, cut)


def body_mask(lines: list[str]) -> list[bool]:
    """For each line, True when it is article text (headline, standfirst, body), False for boilerplate."""
    page = _analyse(lines)
    mask = [False] * len(lines)
    for keep, group in zip(page.mask, page.groups, strict=True):
        for i in group:
            mask[i] = keep
    return mask


def _source_lines(page: _Page, order: list[int]) -> tuple[str | None, str | None]:
    """(url, source) from `Source: https://...` and `Source Name` lines; the source defaults to the host."""
    url = source = None
    for i in order:
        match = SOURCE.match(page.lines[i].text)
        if match and page.lines[i].kind == META and is_source(page.lines[i].text):
            value = match["value"].strip()
            if URL.fullmatch(value):
                url = url or value
            else:
                source = source or value
    if source is None and url is not None:
        host = re.sub(r"^https?://", "", url).split("/")[0].split(":")[0]
        source = host[4:] if host.startswith("www.") else host
    return url, source


def _metadata(page: _Page) -> tuple[str | None, str | None, str | None]:
    """(published, url, source), looking from the headline down to any "Read next" list, then above it."""
    first = page.title if page.title is not None else 0
    order = [*range(first, page.end), *range(first)]
    published = next((find_date(page.lines[i].text) for i in order
                      if page.lines[i].kind == META and is_date_line(page.lines[i].text)), None)
    url, source = _source_lines(page, order)
    dated = re.search(r"/((?:19|20)\d\d)/(\d\d)/(\d\d)/", url or "")
    if published is None and dated:  # news URLs often carry the date: /2025/01/07/slug
        published = find_date("-".join(dated.groups()))
    return published, url, source


def clean(text: str) -> Cleaned:
    """The article body of a pasted page, with its headline, date, URL and source."""
    raw_lines = text.splitlines()
    page = _analyse(raw_lines)
    body = [line.text for i, line in enumerate(page.lines) if page.mask[i] and i != page.title]
    removed = sum(len(page.groups[i]) for i, line in enumerate(page.lines) if line.kind != BLANK and not page.mask[i])
    published, url, source = _metadata(page)
    title = page.lines[page.title].text if page.title is not None else None
    return Cleaned("\n\n".join(body), removed, title, published, url, source)
