"""Markdown articles as plain text: front matter read, markup dropped, hard-wrapped prose lines joined."""

from __future__ import annotations

import html
import re

_MD_INLINE = (
    # No span reaches past another opener ([^\[\]], [^*\n], ...): a line of openers that never close costs
    # linear time, not a scan to the end of the line from each of them.
    (re.compile(r"!\[[^\[\]]*\]\([^()]*\)"), ""),  # images: their alt text is a caption
    (re.compile(r"\[([^\[\]]+)\]\([^()]*\)"), r"\1"),
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),
    (re.compile(r"<(https?://[^<>]+)>"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"<[^<>\n]+>"), ""),
)
_MD_DROP = re.compile(r"^\s*(?:```.*|~~~.*|[-*_=](?:\s*[-*_=]){2,}|\[[^\]]+\]:\s*\S+.*)$")
_MD_BLOCK_START = re.compile(r"^\s*(?:#{1,6}\s|>|[-*+]\s|\d{1,2}[.)]\s)")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple `key: value` front matter between `---` lines, and the rest of the document."""
    match = re.match(r"---[ \t]*\n(.*?)\n---[ \t]*\n", text, re.DOTALL)
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        key, colon, value = line.partition(":")
        if colon and value.strip():
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end():]


def _markdown_line(line: str) -> str:
    heading = re.match(r"\s*#{1,6}\s", line)
    if heading:  # "## Title ##" -> "Title" (stripped in Python: a lazy regex would rescan long runs of #)
        line = line[heading.end():].strip().rstrip("#").rstrip()
    line = re.sub(r"^\s*>\s?", "", line)
    line = re.sub(r"^\s*[*+]\s+", "- ", line)
    for pattern, replacement in _MD_INLINE:
        line = pattern.sub(replacement, line)
    return html.unescape(line)


def _continues(previous: str, raw_previous: str, raw: str) -> bool:
    """`raw` carries on a hard-wrapped prose line (long, no closing punctuation, not a heading)."""
    return (len(previous) >= 40 and not re.search(r"[.!?:;…\"”»)]$", previous)
            and not raw_previous.lstrip().startswith("#") and bool(raw.strip()) and not _MD_BLOCK_START.match(raw))


def markdown_to_text(text: str) -> str:
    """Markdown reduced to plain lines, one paragraph a line; hard-wrapped prose lines are joined."""
    out: list[str] = []
    previous_raw = ""
    for raw in text.splitlines():
        if _MD_DROP.match(raw):
            continue
        plain = _markdown_line(raw).strip()
        if out and _continues(out[-1], previous_raw, raw):
            out[-1] = f"{out[-1]} {plain}"
        else:
            out.append(plain)
        previous_raw = raw
    return "\n".join(out)
