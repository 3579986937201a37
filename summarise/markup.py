"""Markdown that shows text as text: escaping for anything an article or a file name put in briefing.md.

Article text is written by strangers. In briefing.md it must render as the same characters and never as
markup: no raw HTML, no links or images but the ones we make from http(s) URLs, no heading or list started
by a line break inside a title. Use:

- `md_text(s)`: text inside a paragraph or a heading (one line or several);
- `md_cited(s)`: the same for a briefing with our own `[n]` citation markers, which stay readable;
- `one_line(s)`: a title, a source or a reason flattened to one line (CR, LF, U+2028 and the like);
- `safe_url(url)`: an http(s) URL on one line, percent-encoded, or None;
- `md_link(text, url)`: a link when `url` is http(s), else the escaped text alone;
- `md_code(s)`: a file name or path as a code span, whatever backticks it holds;
- `visible(s)`: the text without invisible format characters (what ingest keeps of an article).

Invisible format characters go everywhere (titles, subjects, body text, URLs): bidi embeddings, overrides,
isolates and marks, which can show a title reversed or leave an override open past a cut, and zero-width
characters, which can hide inside a word or a link.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

__all__ = ["md_cited", "md_code", "md_link", "md_text", "one_line", "safe_url", "visible"]

# Every line or paragraph separator a renderer might honour, and the other C0/C1 controls.
_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
# Bidi embeddings and overrides (U+202A-E), isolates (U+2066-9), marks (U+200E-F, U+061C), zero-width
# space, non-joiner and joiner (U+200B-D), word joiner and invisible operators (U+2060-4), BOM (U+FEFF).
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# CommonMark's backslash escapes make any ASCII punctuation literal; these are the ones that can start
# markup anywhere in a line: emphasis, code, links and images, raw HTML and entities, tables, strikethrough,
# and a heading's closing #s (which a renderer would drop from "Title #"). "(", ")" and "!" stay as they are:
# they make a link or an image only after a "[" or "]", which is always escaped, and a reader of the raw file
# sees "(AM)", not "\(AM\)".
_INLINE = re.compile(r"([\\`*_\[\]<>&|~#])")
# At the start of a line: headings, quotes, list items, thematic breaks, setext underlines.
_LINE_START = re.compile(r"^[ \t]*(?:([#>+=:-])|(\d{1,9})([.)]))", re.MULTILINE)
_MARKER = re.compile(r"(\[\d+\])")  # the citation markers briefings carry: [1][2]


def visible(text: str) -> str:
    """`text` without invisible format characters (bidi controls and marks, zero-width characters, BOMs)."""
    return _INVISIBLE.sub("", text)


def one_line(text: str | None) -> str:
    """`text` as one line: every line or paragraph break becomes a space, controls go, spaces collapse."""
    flat = _INVISIBLE.sub("", _CONTROLS.sub("", _BREAKS.sub(" ", text or "")))
    return " ".join(flat.split())


def md_text(text: str | None) -> str:
    """`text` escaped so that Markdown renders exactly these characters; paragraph breaks are kept."""
    paragraphs = re.split(r"\n[ \t]*\n", _CONTROLS.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")))
    out = []
    for paragraph in paragraphs:
        flat = one_line(paragraph)  # a lone line break inside a paragraph could start a heading or a list
        if flat:
            out.append(_LINE_START.sub(_escape_start, _INLINE.sub(r"\\\1", flat)))
    return "\n\n".join(out)


def _escape_start(m: re.Match[str]) -> str:
    """`# x` -> `\\# x`, `1. x` -> `1\\. x`: what would start a block is made literal."""
    return "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3)


def md_cited(text: str | None) -> str:
    """Like `md_text`, but `[n]` citation markers stay as they are (with no link definitions, they are text)."""
    out = []
    for part in _MARKER.split(text or ""):
        if _MARKER.fullmatch(part):
            out.append(part)
        elif part:
            out += [_gap(part[:len(part) - len(part.lstrip())]), md_text(part),
                    _gap(part[len(part.rstrip()):])]
    return "".join(out).strip()


def _gap(space: str) -> str:
    """The whitespace between pieces, as Markdown: a paragraph break, a space, or nothing."""
    return "\n\n" if re.search(r"\n[ \t]*\n", space) else " " if space else ""


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL on one line, else None. Invisible format characters are dropped,
    and what is not plain ASCII, or could end a link or open markup, is percent-encoded (%XX already there stays;
    a non-ASCII host is written in IDNA), so the link shows what it goes to."""
    url = _INVISIBLE.sub("", url or "").strip()
    if not url or one_line(url) != url or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if not host.isascii():
            port = f":{parts.port}" if parts.port else ""  # (a login in such a URL is dropped)
            url = parts._replace(netloc=host.encode("idna").decode("ascii") + port).geturl()
    except (ValueError, UnicodeError):
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe="/:?#[]@!$&*+,;=%-._~").replace("(", "%28").replace(")", "%29")


def md_link(text: str | None, url: str | None) -> str:
    """A Markdown link to `url` when it is http(s), else just the text; the text is escaped either way."""
    label = md_text(one_line(text)) or ""
    target = safe_url(url)  # percent-encoded: nothing in it can end the destination or open markup
    if target is None:
        return label
    return f"[{label or md_text(target)}]({target})"


def md_code(text: str | None) -> str:
    """`text` (a file name or path) as an inline code span on one line, whatever backticks it contains."""
    flat = one_line(text)
    runs = [len(run) for run in re.findall(r"`+", flat)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
