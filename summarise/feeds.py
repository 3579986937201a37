"""Feeds: the feed list (plain or OPML), feed parsing with feedparser, and the `--since` window."""

from __future__ import annotations

import calendar
import html
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .errors import ConfigError, InputError

_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_TAGS = re.compile(r"<[^<>]+>")  # not across another "<": linear on "<<<<..."


@dataclass(frozen=True)
class FeedEntry:
    """One feed item: where it links, its stable id, and what the feed itself says about it."""

    feed: str  # the feed URL
    feed_title: str | None
    guid: str | None
    link: str | None
    title: str
    summary: str  # plain text (the feed's HTML stripped); may be empty
    published: datetime | None  # UTC

    @property
    def key(self) -> str:
        """The entry's identity across days: its GUID, else its link."""
        return self.guid or self.link or f"{self.feed}#{self.title}"


def parse_since(text: str) -> timedelta:
    """`90m`, `24h`, `2d`, `1w`, `30s` as a timedelta."""
    match = _SINCE.match(text or "")
    try:
        if match and float(match.group(1)) > 0:
            return timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})
    except OverflowError:
        pass
    raise ConfigError(f"--since {text!r}: use a positive number and a unit, like 90m, 24h or 2d")


def read_feed_list(path: Path) -> list[str]:
    """Feed URLs from a file of one URL per line (`#` comments, blank lines) or an OPML file."""
    try:
        content = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"feeds file {path}: cannot read it ({exc})") from None
    urls = _opml_urls(path, content) if content.lstrip().startswith("<") else _line_urls(content)
    if not urls:
        raise ConfigError(f"feeds file {path} lists no feeds; put one URL per line, or give an OPML file")
    return list(dict.fromkeys(urls))  # keep order, drop repeats


def _line_urls(content: str) -> list[str]:
    # "#" starts a comment at the start of a line or after a space; inside a URL it is a fragment.
    lines = (re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip() for line in content.splitlines())
    return [line for line in lines if line]


def _opml_urls(path: Path, content: str) -> list[str]:
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise ConfigError(f"feeds file {path}: invalid OPML ({exc})") from None
    return [o.get("xmlUrl", "").strip() for o in root.iter("outline") if o.get("xmlUrl", "").strip()]


@dataclass(frozen=True)
class Feed:
    """A parsed feed; `warning` says why some of it may be lost (invalid XML feedparser recovered from)."""

    url: str
    title: str | None
    entries: list[FeedEntry]
    warning: str | None = None


def parse_feed(url: str, body: bytes, headers: Mapping[str, str]) -> Feed:
    """The entries of one fetched feed; InputError when it is not a feed at all."""
    import feedparser  # only feed runs need it

    # A stream, never bytes or str: feedparser fetches strings that look like URLs itself.
    parsed = feedparser.parse(io.BytesIO(body), response_headers={
        "content-type": headers.get("content-type", "application/xml"), "content-location": url})
    invalid = _xml_error(parsed.get("bozo_exception"))
    if not parsed.entries:
        head = body[:512].lstrip().lower()
        if "html" in headers.get("content-type", "").lower() or head.startswith((b"<!doctype html", b"<html")):
            raise InputError(url, "served an HTML page, not an RSS or Atom feed")
        if invalid:
            raise InputError(url, invalid)
    title = _clean(parsed.feed.get("title", "")) or None
    entries = [_entry(url, title, e) for e in parsed.entries]
    # feedparser's lenient parser recovers entries from broken XML; keep them, but say so.
    warning = f"{invalid}; kept the {len(entries)} entries recovered from it" if invalid else None
    return Feed(url, title, entries, warning)


def _xml_error(exc: BaseException | None) -> str | None:
    """A one-line description of a well-formedness error (other bozo reasons are harmless)."""
    from xml.sax import SAXParseException

    if not isinstance(exc, SAXParseException):
        return None
    # No position: feedparser re-encodes the document first, so its line numbers are not the server's.
    return f"invalid XML ({exc.getMessage()})"


def _entry(feed: str, feed_title: str | None, e: Any) -> FeedEntry:
    stamp = e.get("published_parsed") or e.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(stamp), timezone.utc) if stamp else None
    # Many feeds carry a teaser in <description> and the whole text in <content:encoded>: keep the longer.
    summary = max([e.get("summary", ""), *(c.get("value", "") for c in e.get("content", []))], key=len)
    return FeedEntry(feed=feed, feed_title=feed_title, guid=(e.get("id") or "").strip() or None,
                     link=(e.get("link") or "").strip() or None, title=_clean(e.get("title", "")),
                     summary=_clean(summary), published=published)


def _clean(markup: str) -> str:
    """Feed HTML as plain text: tags dropped, entities decoded, whitespace collapsed per paragraph."""
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li)\b[^>]*>", "\n\n", markup or "")
    parts = (" ".join(html.unescape(_TAGS.sub(" ", p)).split()) for p in text.split("\n\n"))
    return "\n\n".join(p for p in parts if p)


def in_window(entries: Iterable[FeedEntry], since: timedelta, now: datetime) -> list[FeedEntry]:
    """Entries published within `since` before `now`; undated entries are kept (their age is unknown)."""
    try:
        start = now - since
    except OverflowError:  # a window reaching back before year 1 holds everything
        start = datetime.min.replace(tzinfo=timezone.utc)
    return [e for e in entries if e.published is None or e.published >= start]
