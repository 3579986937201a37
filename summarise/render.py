"""Render a run's Result as briefing.md and briefing.json, written atomically."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .dates import publication_day, short_date
from .files import write_together
from .markup import md_cited, md_code, md_link, md_text, one_line
from .text import plural
from .types import Briefing, Citation, Result

DATE_LABEL = re.compile(r"(?m)^(\d{1,2} [A-Z][a-z]{2} \d{4}|Undated): ")  # a timeline paragraph's date
DATELINE = re.compile(r"(\d{1,2} [A-Z][a-z]{2} \d{4}) — ")  # a timeline short's date: "4 Feb 2025 — "
LANGUAGE_NAMES = {"en": "English", "pt": "Portuguese", "ru": "Russian", "es": "Spanish", "fr": "French",
                  "it": "Italian", "de": "German", "uk": "Ukrainian", "bg": "Bulgarian", "und": "undetermined"}


def when(published: str | None) -> str:
    """A source's date as a reader wants it ("7 Jan 2025"), or "undated"."""
    day = publication_day(published)
    return short_date(day) if day else "undated"


def language_note(c: Citation) -> str:
    """'Russian, translated', 'Portuguese, not translated' or 'English'."""
    lang = LANGUAGE_NAMES.get(c.language, c.language)
    return lang + (", translated" if c.translated else ", not translated" if c.language != "en" else "")


def to_json(result: Result) -> dict[str, Any]:
    """The documented JSON shape: date, articles (every input, with status), clusters."""
    articles: list[dict[str, Any]] = [
        {"id": d.article.id, "path": d.article.path, "title": d.article.title,
         "title_en": d.title_en, "url": d.article.url, "source": d.article.source,
         "published": d.article.published, "language": d.language.code,
         "language_confidence": round(d.language.confidence, 3), "translated": d.translated,
         "status": "ok", "reason": d.untranslated_reason}
        for d in result.documents
    ]
    articles += [{"id": None, "path": i.path, "title": None, "language": None,
                  "language_confidence": None, "translated": False, "status": i.status,
                  "reason": i.reason} for i in result.issues]
    return {
        "date": result.date,
        "articles": articles,
        "clusters": [cluster_json(b) for b in result.briefings],
        "notices": list(result.notices),
        "warnings": list(result.warnings),
    }


def cluster_json(b: Briefing) -> dict[str, Any]:
    """One story as it appears in the JSON's `clusters` list."""
    continues = None if b.continues is None else {
        "first_seen": b.continues.first_seen, "last_seen": b.continues.last_seen, "day": b.continues.day}
    return {
        "id": b.id, "title": b.title, "short": b.short, "long": b.long,
        "continues": continues, "update": b.short, "background": b.background, "related": list(b.related),
        "english": b.english, "language": b.language, "notice": b.notice,
        "articles": list(b.article_ids), "facets": [list(f) for f in b.facets],
        "citations": [{"n": c.n, "article": c.article_id, "title": c.title, "source": c.source,
                       "url": c.url, "published": c.published, "language": c.language, "translated": c.translated,
                       "cited": c.cited, "copies": list(c.copies), "earlier": c.earlier}
                      for c in b.citations],
        "untranslated": list(b.untranslated),
        "guard_replacements": b.replacements,
    }


def to_markdown(result: Result) -> str:
    """A briefing a person reads: what could not be translated, then stories most-covered first."""
    lines = [f"# Briefing for {result.date}", "",
             f"{plural(len(result.briefings), 'story', 'stories')} from "
             f"{plural(len(result.documents), 'article', 'articles')}.", ""]
    lines += [f"> **Note:** {one_line(notice)}\n" for notice in result.notices]
    for k, b in enumerate(result.briefings, 1):
        lines += [story_markdown(b, f"## {k}. {md_text(one_line(b.title))}"), ""]
    if result.issues:
        lines += ["## Inputs not briefed", ""]
        lines += [f"- {md_code(i.path)}: {md_text(one_line(i.status))}, {md_text(one_line(i.reason))}"
                  for i in result.issues]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def status(b: Briefing) -> str:
    """'Update · day 9 · first reported 25 Jan 2011', or 'New today' (plain text: escape it where it goes)."""
    if b.continues is None:
        return "New today"
    first = short_date(dt.date.fromisoformat(b.continues.first_seen))
    return f"Update · day {b.continues.day} · first reported {first}"


def background_title(b: Briefing) -> str:
    """What the background is: the story's own past, or, for a new story, that of related earlier stories."""
    return "Background" if b.continues is not None or not b.related else "Background from related stories"


def background_lines(b: Briefing) -> list[tuple[str, str]]:
    """The background as (date, cited text) lines."""
    return [(date, text) for line in b.background.splitlines() if line.strip()
            for date, _, text in [line.partition(": ")]]


def details(b: Briefing) -> str:
    """The long briefing as shown under the short one, going on from it, so that a reader never meets the same
    sentence twice (the JSON keeps the whole long, which stands alone): without the short's sentences, which it
    opens on, or holds after the sentences of their source that come before them. In a timeline, the short opens
    the paragraph of the development it dates; the rest of that paragraph comes first, right under the short it
    goes on from (a sentence leaning on the short stays next to it), then the other developments in date order."""
    before, found, after = b.long.partition(b.short) if b.short else ("", "", "")
    if found and (not before.strip() or before.rstrip().endswith("]")):  # whole sentences: each ends on markers
        return f"{before.rstrip()} {after.lstrip()}".strip()
    dateline = DATELINE.match(b.short)
    if dateline is None:
        return b.long
    lede, paragraphs = b.short[dateline.end():], b.long.split("\n\n")
    for k, paragraph in enumerate(paragraphs):
        label = DATE_LABEL.match(paragraph)
        if label and label.group(1) == dateline.group(1) and paragraph[label.end():].startswith(lede):
            rest = paragraph[label.end() + len(lede):].strip()
            return "\n\n".join([rest] * bool(rest) + paragraphs[:k] + paragraphs[k + 1:])
    return b.long


def reading_order(briefings: Sequence[Briefing]) -> list[Briefing]:
    """Stories a reader can read first: those in English (the originals or translated), then those left in their
    original language; most-covered first within each, ties in the given order."""
    return sorted(briefings, key=lambda b: (not b.english, -len(b.article_ids)))


def story_markdown(b: Briefing, heading: str) -> str:
    """One story: heading, banner when not in English, short and long briefing, dated sources.

    `heading` is used as given (escape a title in it with markup.md_text); everything else is escaped here."""
    lines = [heading + ("" if b.english else f" ({LANGUAGE_NAMES.get(b.language, b.language)}, not translated)"), ""]
    if b.notice:
        lines += [f"> **Not in English.** {one_line(b.notice)}", ""]
    lines += [f"*{md_text(status(b))}*", "", f"**In short:** {md_cited(b.short)}", "",
              DATE_LABEL.sub(r"**\1:** ", md_cited(details(b))), ""]
    if b.background:
        lines += [f"**{background_title(b)}:**", ""]
        lines += [f"- {md_text(one_line(date))}: {md_cited(text)}" for date, text in background_lines(b)]
        lines.append("")
    lines += ["Sources:"]
    lines += [f"{c.n}. {_source_line(c)}" for c in b.citations if c.cited and not c.earlier]
    earlier = [c for c in b.citations if c.earlier]
    if earlier:
        lines += ["", "Earlier sources:"]
        lines += [f"{c.n}. {_source_line(c)}" for c in earlier]
    also = [c for c in b.citations if not c.cited]
    if also:
        lines += ["", "Also reported by:"]
        lines += [f"- {_source_line(c)}" for c in also]
    return "\n".join(lines)


def _source_line(c: Citation) -> str:
    """'[Title](url), outlet, 7 Jan 2025 (Portuguese, translated)'."""
    outlet = f", {md_text(one_line(c.source))}" if c.source else ""
    return f"{md_link(c.title, c.url)}{outlet}, {when(c.published)} ({md_text(language_note(c))})"


def dumps(result: Result) -> str:
    """briefing.json's text."""
    return json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n"


def write(result: Result, folder: Path) -> tuple[Path, Path]:
    """Write briefing.md and briefing.json into `folder` together: a reader finds both new or both old."""
    md, js = write_together(Path(folder), {
        "briefing.md": to_markdown(result),
        "briefing.json": dumps(result),
    }, kept="the previous briefing is unchanged")
    return md, js
