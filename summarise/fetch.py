"""Fetching a day's news, saved as files so that the day can be briefed again offline.

1. Read the feed list and fetch every feed.
2. Keep the entries inside the window that were not briefed on an earlier day.
3. Fetch each entry's page; decode it (HTTP header > meta tag > detection); extract it as HTML files are.
4. Fall back to the feed's summary when the page yields nothing, and say so in the saved file.
5. Save each article as JSON under <out>/<date>/articles/, named from its GUID, so the folder is stable.

Every request goes through `client.HttpClient` (see there for the limits and the address checks); at most
`max_entries` ([feeds]) entries are taken per feed. Which GUIDs and URLs were briefed on which day lives in the
SQLite store (`mark_briefed`), so a later day skips them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from . import store
from .client import FetchLimits, HostUse, HttpCache, HttpClient, Response
from .config import Settings
from .decoding import decode_html
from .errors import InputError
from .feeds import Feed, FeedEntry, in_window, parse_feed, read_feed_list
from .files import write_atomic
from .ingest import extract_html
from .text import plural
from .types import InputIssue

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
SCHEMA = "CREATE TABLE IF NOT EXISTS briefed (key TEXT PRIMARY KEY, day TEXT NOT NULL);"

Progress = Callable[[str, int, int], None]  # ("feeds" or "pages", done, total)
T = TypeVar("T")
R = TypeVar("R")

DEFAULT_LIMITS = FetchLimits()


@dataclass(frozen=True)
class Page:
    """What trafilatura found in an article page."""

    title: str
    text: str  # paragraphs separated by blank lines
    date: str | None
    url: str  # canonical when the page declares one
    encoding: str


@dataclass(frozen=True)
class FetchReport:
    """What a feed run saved, what failed or was skipped, and the requests made to each host."""

    articles_dir: Path
    saved: list[Path]
    issues: list[InputIssue]
    hosts: dict[str, HostUse]  # by host[:port]: requests, and the wall-clock span they covered
    warnings: list[str] = field(default_factory=list)  # feeds recovered from bad XML, pages replaced by summaries
    already_briefed: list[str] = field(default_factory=list)  # GUIDs/URLs an earlier day briefed
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # file name -> GUID and URLs
    seconds: float = 0.0  # wall-clock time of the whole fetch
    feeds_read: int = 0  # feeds that could be read (a day when none could is not "nothing new")

    def keys_for(self, paths: Iterable[str]) -> list[str]:
        """The GUIDs and URLs of the saved articles among `paths` (file names or paths)."""
        # ingest names an article in a .json file "name.json" or "name.json#1"
        return [key for p in paths for key in self.keys.get(Path(p.split("#", 1)[0]).name, ())]


def extract_page(response: Response) -> Page | None:
    """Title, text, date and canonical URL of an article page; None when it holds no article text."""
    content_type = response.headers.get("content-type", "text/html")
    if not re.search(r"html|xml|text/plain", content_type, re.IGNORECASE):
        raise InputError(response.url, f"not an HTML page ({content_type.split(';')[0]})")
    try:
        html, encoding = decode_html(response.body, content_type)
    except ValueError as exc:
        raise InputError(response.url, str(exc)) from None
    doc = extract_html(html, response.url)
    lines = [line.strip() for line in (doc.get("text") or "").splitlines() if line.strip()]
    title = (doc.get("title") or "").strip()
    if lines and title and lines[0] == title:
        lines = lines[1:]  # trafilatura repeats the headline as the first line
    if not lines:
        return None
    return Page(title=title, text="\n\n".join(lines), date=doc.get("date"), url=doc.get("url") or response.url,
                encoding=encoding)


def mark_briefed(keys: Iterable[str], settings: Settings, *, date: str) -> int:
    """Record GUIDs and URLs as briefed on `date`, so later days skip them; returns how many were new."""
    rows = [(k, date) for k in dict.fromkeys(keys) if k]
    with closing(store.connect(store.default_path(settings.out), SCHEMA)) as conn:
        before = conn.total_changes
        with store.transaction(conn):
            conn.executemany("INSERT OR IGNORE INTO briefed (key, day) VALUES (?, ?)", rows)
        return conn.total_changes - before


def _briefed_before(path: Path, candidates: Iterable[str | None], date: str) -> set[str]:
    keys = list(dict.fromkeys(k for k in candidates if k))
    found: set[str] = set()
    with closing(store.connect(path, SCHEMA)) as conn:
        for i in range(0, len(keys), 500):  # SQLite caps the number of parameters
            batch = keys[i:i + 500]
            found.update(k for (k,) in conn.execute(
                f"SELECT key FROM briefed WHERE day < ? AND key IN ({','.join('?' * len(batch))})",
                (date, *batch)))
    return found


@dataclass(frozen=True)
class _Outcome:
    entry: FeedEntry
    record: dict[str, Any] | None = None
    issue: InputIssue | None = None
    warning: str | None = None


def fetch_day(feeds_file: Path, settings: Settings, *, since: timedelta, date: str,
              warn: Callable[[str], None], limits: FetchLimits | None = None,
              now: datetime | None = None, progress: Progress | None = None) -> FetchReport:
    """Fetch the feeds listed in `feeds_file` and save the window's new articles under <out>/<date>/articles.

    `progress("feeds", done, total)` is called as feeds are read, then `progress("pages", done, total)` as
    pages are fetched (from this thread, starting at done = 0)."""
    start = time.monotonic()
    limits = limits or DEFAULT_LIMITS
    now = now or datetime.now(timezone.utc)
    store_path = store.default_path(settings.out)
    client = HttpClient(limits, HttpCache(store_path), allow_private=settings.feeds.allow_private_hosts)
    report = FetchReport(settings.out / date / "articles", [], [], client.hosts)
    report.articles_dir.mkdir(parents=True, exist_ok=True)  # the day's folder exists even when nothing is new

    def window(feed: Feed) -> tuple[list[FeedEntry], str | None]:
        return _capped(feed, in_window(feed.entries, since, now), settings.feeds.max_entries)

    with ThreadPoolExecutor(limits.workers) as pool:
        feeds = _map(pool, lambda url: _read_feed(client, url), read_feed_list(feeds_file), "feeds", progress)
        entries = _dedupe(_window(feeds, report, warn, window))
        seen = _briefed_before(store_path, (k for e in entries for k in (e.guid, e.link)), date)
        report.already_briefed.extend(e.key for e in entries if {e.guid, e.link} & seen)
        fresh = [e for e in entries if not {e.guid, e.link} & seen]
        outcomes = _map(pool, lambda e: _fetch_article(client, e), fresh, "pages", progress)
    seen = _briefed_before(store_path, (o.record["url"] for o in outcomes if o.record), date)
    _save(report, outcomes, seen, warn)
    read = sum(not isinstance(feed, InputIssue) for feed in feeds)
    return dataclasses.replace(report, seconds=time.monotonic() - start, feeds_read=read)


def _map(pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Sequence[T], stage: str,
         progress: Progress | None) -> list[R]:
    """`fn` over `items` on `pool`, results in order; `progress(stage, done, total)` as each finishes."""
    futures = [pool.submit(fn, item) for item in items]
    if progress is not None:
        progress(stage, 0, len(futures))
        for done, _ in enumerate(as_completed(futures), 1):
            progress(stage, done, len(futures))
    return [f.result() for f in futures]


def _capped(feed: Feed, entries: list[FeedEntry], cap: int) -> tuple[list[FeedEntry], str | None]:
    """The newest `cap` entries (undated ones last, feed order breaking ties), and a note of what was left."""
    if len(entries) <= cap:
        return entries, None
    order = sorted(range(len(entries)), key=lambda i: (entries[i].published is None,
                                                      -(entries[i].published or NOW_MIN).timestamp(), i))
    kept = [entries[i] for i in sorted(order[:cap])]
    return kept, (f"feed {feed.url}: took the {cap} newest of its {len(entries)} entries in the window and left "
                  f"out {len(entries) - cap}; raise max_entries in [feeds] to take more")


NOW_MIN = datetime.min.replace(tzinfo=timezone.utc)


def _read_feed(client: HttpClient, url: str) -> Feed | InputIssue:
    try:
        response = client.get(url, accept=FEED_ACCEPT, typed=True)
        return parse_feed(url, response.body, response.headers)
    except InputError as exc:
        return InputIssue(url, "failed", exc.reason)


def _window(feeds: list[Feed | InputIssue], report: FetchReport, warn: Callable[[str], None],
            window: Callable[[Feed], tuple[list[FeedEntry], str | None]]) -> list[FeedEntry]:
    """The entries of the feeds read, as `window` takes them; a feed that failed is reported."""
    entries: list[FeedEntry] = []
    for feed in feeds:
        if isinstance(feed, InputIssue):
            _fail(report, "feed", feed, warn)
            continue
        if feed.warning:
            _note(report, f"feed {feed.url}: {feed.warning}", warn)
        taken, left_out = window(feed)
        if left_out:
            _note(report, left_out, warn)
        entries.extend(taken)
    return entries


def _fail(report: FetchReport, kind: str, issue: InputIssue, warn: Callable[[str], None]) -> None:
    report.issues.append(issue)
    warn(f"{kind} {issue.path}: {issue.reason}")


def _note(report: FetchReport, message: str, warn: Callable[[str], None]) -> None:
    report.warnings.append(message)
    warn(message)


def _dedupe(entries: list[FeedEntry]) -> list[FeedEntry]:
    """One entry per GUID and per link: the same story is often in several feeds of one outlet."""
    seen: set[str] = set()
    kept = []
    for e in entries:
        ids = {e.key, e.link} - {None}
        if not ids & seen:
            kept.append(e)
        seen.update(i for i in ids if i)
    return kept


def _fetch_article(client: HttpClient, entry: FeedEntry) -> _Outcome:
    problem, page = None, None
    if entry.link:
        try:
            page = extract_page(client.get(entry.link, accept=PAGE_ACCEPT))
        except InputError as exc:
            problem = exc.reason
        # A page shorter than the feed's own summary is a stub (paywall, video player): prefer the summary.
        if page is not None and len(page.text) >= len(entry.summary):
            return _Outcome(entry, record=_record(entry, page.title, page.text, page.url, page.date, "page"))
    if entry.summary:
        warning = f"page {entry.link}: {problem}; used the feed's summary" if problem else None
        url, date = (page.url, page.date) if page is not None else (entry.link, None)
        return _Outcome(entry, record=_record(entry, entry.title, entry.summary, url, date, "feed-summary"),
                        warning=warning)
    if problem:
        return _Outcome(entry, issue=InputIssue(entry.link or entry.feed, "failed", problem))
    if entry.link:
        reason = "no article text on the page and no summary in the feed"
        return _Outcome(entry, issue=InputIssue(entry.link, "skipped", reason))
    reason = f"an entry ({entry.title or 'untitled'}) has neither a link nor a summary"
    return _Outcome(entry, issue=InputIssue(entry.feed, "skipped", reason))


def _record(entry: FeedEntry, title: str, text: str, url: str | None, date: str | None,
            origin: str) -> dict[str, Any]:
    published = entry.published.isoformat() if entry.published else None
    return {"title": title or entry.title, "text": text, "url": url or entry.link,
            "date": date or published, "source": entry.feed_title or urlsplit(url or entry.feed).netloc,
            "feed": entry.feed, "guid": entry.guid, "extracted_from": origin}


def _save(report: FetchReport, outcomes: list[_Outcome], briefed: set[str], warn: Callable[[str], None]) -> None:
    urls: set[str] = set()
    for o in outcomes:
        if o.issue is not None:
            _fail(report, "page" if o.entry.link else "feed", o.issue, warn)
            continue
        assert o.record is not None
        url = o.record["url"]
        if url in briefed:  # a new GUID, but the canonical URL was briefed on an earlier day
            report.already_briefed.append(o.entry.key)
            continue
        if url in urls:  # two entries, one canonical article: save it once
            continue
        urls.add(url)
        if o.warning:
            _note(report, o.warning, warn)
        path = write_atomic(report.articles_dir / _file_name(o.entry),
                            json.dumps(o.record, ensure_ascii=False, indent=1))
        report.saved.append(path)
        report.keys[path.name] = tuple(dict.fromkeys(k for k in (o.entry.guid, o.entry.link, url) if k))


def _file_name(entry: FeedEntry) -> str:
    host = re.sub(r"[^a-z0-9]+", "-", urlsplit(entry.link or entry.feed).netloc.lower()).strip("-")
    return f"{host}-{hashlib.sha256(entry.key.encode('utf-8')).hexdigest()[:16]}.json"


def host_time_lines(report: FetchReport) -> list[str]:
    """What the fetch cost: one line per host (its requests, and the wall-clock span they covered), slowest
    first, then all hosts together (the wall-clock time of the whole fetch, which no other line exceeds:
    requests run in parallel, so their times are not added up)."""
    ranked = sorted(report.hosts.items(), key=lambda kv: (-kv[1].seconds, kv[0]))
    requests = sum(use.requests for use in report.hosts.values())
    lines = [f"fetched from {host}: {plural(use.requests, 'request', 'requests')} in {use.seconds:.2f} s"
             for host, use in ranked]
    return [*lines, f"fetched from {plural(len(ranked), 'host', 'hosts')} in all: "
                    f"{plural(requests, 'request', 'requests')} in {report.seconds:.2f} s"]

