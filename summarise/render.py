"""Render a run's Result as briefing.md and briefing.json, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from .files import write_together
from .markup import md_cited, md_code, md_link, md_text, one_line
from .types import Briefing, Result

LANGUAGE_NAMES = {"en": "English", "pt": "Portuguese", "ru": "Russian", "es": "Spanish", "fr": "French",
                  "it": "Italian", "de": "German", "uk": "Ukrainian", "bg": "Bulgarian", "und": "undetermined"}


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
        "warnings": list(result.warnings),
    }


def cluster_json(b: Briefing) -> dict[str, Any]:
    """One story as it appears in the JSON's `clusters` list."""
    return {
        "id": b.id, "title": b.title, "short": b.short, "long": b.long,
        "articles": list(b.article_ids),
        "citations": [{"n": c.n, "article": c.article_id, "title": c.title, "source": c.source,
                       "url": c.url, "language": c.language, "translated": c.translated,
                       "copies": list(c.copies)}
                      for c in b.citations],
        "untranslated": list(b.untranslated),
        "guard_replacements": b.replacements,
    }


def to_markdown(result: Result) -> str:
    """A briefing a person reads: stories most-covered first, sources listed under each."""
    reasons = {d.article.id: d.untranslated_reason for d in result.documents}
    lines = [f"# Briefing for {result.date}", "",
             f"{len(result.briefings)} stories from {len(result.documents)} articles.", ""]
    for k, b in enumerate(result.briefings, 1):
        lines += [story_markdown(b, f"## {k}. {md_text(one_line(b.title))}", reasons), ""]
    if result.issues:
        lines += ["## Inputs not briefed", ""]
        lines += [f"- {md_code(i.path)}: {md_text(one_line(i.status))}, {md_text(one_line(i.reason))}"
                  for i in result.issues]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def story_markdown(b: Briefing, heading: str, reasons: Mapping[str, str | None] | None = None) -> str:
    """One story: heading, short and long briefing, numbered sources, and what could not be translated.

    `heading` is used as given (escape a title in it with markup.md_text); everything else is escaped here."""
    lines = [heading, "", f"**In short:** {md_cited(b.short)}", "", md_cited(b.long), "", "Sources:"]
    for c in b.citations:
        title = md_link(c.title, c.url)
        outlet = f", {md_text(one_line(c.source))}" if c.source else ""
        lang = md_text(one_line(LANGUAGE_NAMES.get(c.language, c.language)))
        note = "translated" if c.translated else ("not translated" if c.language != "en" else "")
        lines.append(f"{c.n}. {title}{outlet} ({lang}{', ' + note if note else ''})")
    for c in b.citations:
        if c.article_id in b.untranslated:
            why = (reasons or {}).get(c.article_id) or "no translation model"
            lines.append(f"\n_Not translated: [{c.n}] {md_text(one_line(c.title))}: {md_text(one_line(why))}_")
    return "\n".join(lines)


def write(result: Result, folder: Path) -> tuple[Path, Path]:
    """Write briefing.md and briefing.json into `folder` together: a reader finds both new or both old."""
    md, js = write_together(Path(folder), {
        "briefing.md": to_markdown(result),
        "briefing.json": json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n",
    }, kept="the previous briefing is unchanged")
    return md, js
