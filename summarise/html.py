"""The briefing as one standalone HTML page, the same one the digest email carries.

Mail clients drop <style> blocks and scripts, so every style is inline and the layout is two nested
tables (the one layout Outlook, Gmail and phone clients all honour). Every piece of article text is
escaped, and the markup is XHTML-style (closed void tags, no named entities) so the page is also
well-formed XML.
"""

from __future__ import annotations

import re
from html import escape

from .markup import one_line, safe_url
from .render import (
    DATE_LABEL,
    LANGUAGE_NAMES,
    background_lines,
    background_title,
    details,
    language_note,
    reading_order,
    status,
    when,
)
from .text import plural
from .types import Briefing, Citation, Result

# Characters XML 1.0 forbids even when escaped; PDFs and scraped pages do carry them.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_MARKER = re.compile(r"\[(\d+)\]")
_BLANK = re.compile(r"\n\s*\n")

# Repeated on every block: Outlook and some webmail clients do not inherit fonts from the table cell.
FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
INK = FONT + "color:#1f2933;"
MUTED = FONT + "color:#616e7c;font-size:13px;"
LINK = "color:#1d4ed8;text-decoration:underline;"
CODE = "font-family:SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace;font-size:13px;background:#fde68a;"


def stories(result: Result) -> list[Briefing]:
    """The briefings in reading order (render.reading_order): English first, most-covered first."""
    return reading_order(result.briefings)


def render_html(result: Result) -> str:
    """A standalone, mobile-friendly page: stories most-covered first, each with its linked sources."""
    ordered = stories(result)
    n_articles = len({a for b in ordered for a in b.article_ids})
    body = [f'<h1 style="{INK}font-size:24px;line-height:1.25;margin:0 0 4px;">'
            f"Briefing for {_esc(result.date)}</h1>",
            f'<p style="{MUTED}margin:0 0 8px;">{plural(len(ordered), "story", "stories")} from '
            f'{plural(n_articles, "article", "articles")}, most-covered first.</p>']
    body += [f'<p style="{INK}font-size:14px;background:#fef3c7;padding:8px;margin:0 0 8px;">'
             f"<strong>Note:</strong> {_code(n)}</p>" for n in result.notices]
    body += [_story(k, b) for k, b in enumerate(ordered, 1)]
    if result.issues:
        body.append(_issues(result))
    return _page(f"Briefing for {_esc(result.date)}", "\n".join(body))


def _page(title: str, content: str) -> str:
    table = 'role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{title}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6;-webkit-text-size-adjust:100%;">
<table {table} style="background:#f3f4f6;">
<tr><td align="center" style="padding:16px 8px;">
<table {table} style="max-width:640px;background:#ffffff;border-radius:6px;">
<tr><td style="{INK}padding:24px 20px;font-size:16px;line-height:1.5;word-wrap:break-word;">
{content}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""


def _story(k: int, b: Briefing) -> str:
    by_n = {c.n: c for c in b.citations}
    outlets = sorted({one_line(c.source) for c in b.citations if c.source})
    covered = plural(len(b.article_ids), "article", "articles") + (
        f" · {_esc(', '.join(outlets))}" if outlets else "")
    long_parts = [p for p in _BLANK.split(details(b)) if p.strip()]
    lang = "" if b.english else f' lang="{_esc(b.language)}"'
    original = "" if b.english else (f' <span lang="en" style="{MUTED}">'
                                     f"({_esc(LANGUAGE_NAMES.get(b.language, b.language))}, not translated)</span>")
    banner = ([f'<p lang="en" style="{INK}font-size:14px;background:#fef3c7;padding:8px;margin:0 0 12px;">'
               f"<strong>Not in English.</strong> {_code(b.notice)}</p>"] if b.notice else [])
    also = [c for c in b.citations if not c.cited]
    earlier = [c for c in b.citations if c.earlier]
    return "\n".join([
        '<div style="border-top:1px solid #e5e7eb;margin-top:20px;padding-top:16px;">',
        f'<h2 style="{INK}font-size:20px;line-height:1.3;margin:0 0 4px;">'
        f"{k}. <span{lang}>{_esc(one_line(b.title))}</span>{original}</h2>",
        f'<p style="{MUTED}margin:0 0 12px;"><strong>{_esc(status(b))}</strong> · {covered}</p>',
        *banner,
        f'<p{lang} style="{INK}font-size:16px;font-weight:bold;margin:0 0 12px;">{_cited(b.short, by_n)}</p>',
        *(f'<p{lang} style="{INK}font-size:16px;margin:0 0 12px;">{_labelled(p, by_n)}</p>' for p in long_parts),
        *_background(b, by_n),
        f'<p style="{INK}font-size:14px;font-weight:bold;margin:0 0 4px;">Sources</p>',
        *(_source(c) for c in b.citations if c.cited and not c.earlier),
        *([f'<p style="{MUTED}font-weight:bold;margin:8px 0 4px;">Earlier sources</p>'] if earlier else []),
        *(_source(c) for c in earlier),
        *([f'<p style="{INK}font-size:14px;font-weight:bold;margin:8px 0 4px;">Also reported by</p>'] if also else []),
        *(_source(c) for c in also),
        "</div>",
    ])


def _background(b: Briefing, by_n: dict[int, Citation]) -> list[str]:
    """The background, secondary: smaller, muted, set apart."""
    if not b.background:
        return []
    lines = [f'<p style="{MUTED}margin:0 0 4px;"><strong>{_esc(date)}:</strong> {_cited(text, by_n)}</p>'
             for date, text in background_lines(b)]
    return [f'<div style="border-left:3px solid #e5e7eb;padding-left:10px;margin:0 0 12px;">'
            f'<p style="{MUTED}font-weight:bold;margin:0 0 4px;">{background_title(b)}</p>', *lines, "</div>"]


def _labelled(paragraph: str, by_n: dict[int, Citation]) -> str:
    """A long-briefing paragraph, its timeline date (when it has one) in bold."""
    found = DATE_LABEL.match(paragraph)
    if found is None:
        return _cited(paragraph, by_n)
    return f"<strong>{_esc(found.group(1))}:</strong> {_cited(paragraph[found.end():], by_n)}"


def _source(c: Citation) -> str:
    url = safe_url(c.url)
    title = _esc(one_line(c.title) or "(untitled)")
    linked = f'<a href="{escape(url, quote=True)}" style="{LINK}">{title}</a>' if url else title
    outlet = f" — {_esc(one_line(c.source))}" if c.source else ""
    number = f"[{c.n}] " if c.cited else ""
    lang = "" if c.translated or c.language in ("en", "und") else f' lang="{_esc(c.language)}"'
    return (f'<p style="{INK}font-size:14px;margin:0 0 4px;">{number}<span{lang}>{linked}</span>{outlet}, '
            f'{_esc(when(c.published))} <span style="{MUTED}">({_esc(language_note(c))})</span></p>')


def _cited(text: str, by_n: dict[int, Citation]) -> str:
    """Escaped text whose [n] markers link to source n when it has a safe URL."""

    def link(match: re.Match[str]) -> str:
        cited = by_n.get(int(match.group(1)))
        url = safe_url(cited.url) if cited else None
        if url is None:
            return match.group(0)
        return f'<a href="{escape(url, quote=True)}" style="{LINK}font-size:13px;">{match.group(0)}</a>'

    return _MARKER.sub(link, _esc(one_line(text)))


def _issues(result: Result) -> str:
    items = "".join(f'<p style="{MUTED}margin:0 0 2px;">{_esc(one_line(i.path))}: '
                    f"{_esc(i.status)}, {_esc(one_line(i.reason))}</p>" for i in result.issues)
    return (f'<div style="border-top:1px solid #e5e7eb;margin-top:20px;padding-top:12px;">'
            f'<p style="{MUTED}margin:0 0 4px;font-weight:bold;">'
            f"{plural(len(result.issues), 'input', 'inputs')} not briefed</p>{items}</div>")


def _code(text: str) -> str:
    """A notice of ours on one line, escaped, its `backtick spans` (a command, a setting) shown as code."""
    parts = one_line(text).split("`")
    if len(parts) % 2 == 0:  # a backtick without its pair: shown as it is
        return _esc(one_line(text))
    return "".join(f'<code style="{CODE}">{_esc(p)}</code>' if k % 2 else _esc(p) for k, p in enumerate(parts))


def _esc(text: str) -> str:
    return escape(_FORBIDDEN.sub(" ", text), quote=True)

