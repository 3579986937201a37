"""Fetching a day's news, saved as files so that the day can be briefed again offline.

1. Read the feed list and fetch every feed.
2. Keep the entries inside the window that were not briefed on an earlier day.
3. Fetch each entry's page; decode it (HTTP header > meta tag > detection); extract it with trafilatura.
4. Fall back to the feed's summary when the page yields nothing, and say so in the saved file.
5. Save each article as JSON under <out>/<date>/articles/, named from its GUID, so the folder is stable.

Every request goes through `HttpClient`: http(s) only, never to a loopback, private, link-local,
multicast or reserved address (checked on the connected socket's address, so DNS cannot trick it; the
feed URLs the user listed, and `allow_private_hosts` in [feeds], are the only exceptions), at most
`max_entries` ([feeds]) entries per feed, connect/read timeouts and a per-attempt
deadline, a size cap checked while streaming, at most N redirects followed by hand, at most 2
requests per host at a time, retries with exponential backoff on timeouts and 5xx, and conditional
requests whose validators (ETag, Last-Modified) and bodies live in the SQLite store.
"""

from __future__ import annotations

import codecs
import hashlib
import http
import ipaddress
import json
import re
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import urljoin, urlsplit

from . import __version__, store
from .config import Settings
from .errors import InputError
from .files import write_atomic
from .feeds import Feed, FeedEntry, in_window, parse_feed, read_feed_list
from .types import InputIssue

USER_AGENT = f"summarise/{__version__} (news briefing tool; one fetch per article per day)"
MB = 1024 * 1024
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS http_cache (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, content_type TEXT,
    body BLOB NOT NULL, stored_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS briefed (key TEXT PRIMARY KEY, day TEXT NOT NULL);
"""


@dataclass(frozen=True)
class FetchLimits:
    """How patient and how polite fetching is; tests shrink the timeouts."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0  # per attempt: stops servers that drip bytes forever
    max_bytes: int = 5 * MB
    max_redirects: int = 5
    retries: int = 2  # extra attempts after a timeout or a 5xx
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    per_host: int = 2
    workers: int = 8


@dataclass(frozen=True)
class Response:
    """A fetched body; status 304 means the stored copy was still current."""

    url: str  # after redirects
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes


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
    """What a feed run saved, what failed or was skipped, and the seconds spent per host."""

    articles_dir: Path
    saved: list[Path]
    issues: list[InputIssue]
    per_host_seconds: dict[str, float]
    warnings: list[str] = field(default_factory=list)  # feeds recovered from bad XML, pages replaced by summaries
    already_briefed: list[str] = field(default_factory=list)  # GUIDs/URLs an earlier day briefed
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # file name -> GUID and URLs

    def keys_for(self, paths: Iterable[str]) -> list[str]:
        """The GUIDs and URLs of the saved articles among `paths` (file names or paths)."""
        # ingest names an article in a .json file "name.json" or "name.json#1"
        return [key for p in paths for key in self.keys.get(Path(p.split("#", 1)[0]).name, ())]


class _Timeout(Exception):
    """An attempt timed out; worth retrying."""


class PrivateAddressError(Exception):
    """A connection reached an address that is not public (loopback, private, link-local, ...)."""

    def __init__(self, ip: str, kind: str) -> None:
        super().__init__(f"{kind} address {ip}")
        self.ip, self.kind = ip, kind


def address_kind(ip: str) -> str | None:
    """Why `ip` may not be fetched from ("loopback", "private", ...), or None when it is a public address."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(addr, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if addr.is_global else "non-public"  # 100.64.0.0/10 and the like


def _checked_pools(pool: Any) -> None:
    """Make `pool` (a urllib3 PoolManager) refuse every connection whose peer is not a public address.

    The check runs on the connected socket, after DNS, so a name that resolves (or re-resolves) to
    127.0.0.1 is caught, and a pooled connection was checked when it was made."""
    import urllib3.connection as uc
    import urllib3.connectionpool as ucp

    def check(sock: Any) -> Any:
        kind = address_kind(sock.getpeername()[0])
        if kind is not None:
            ip = sock.getpeername()[0]
            sock.close()
            raise PrivateAddressError(ip, kind)
        return sock

    class HTTP(uc.HTTPConnection):
        def _new_conn(self) -> Any:
            return check(super()._new_conn())

    class HTTPS(uc.HTTPSConnection):
        def _new_conn(self) -> Any:
            return check(super()._new_conn())

    pool.pool_classes_by_scheme = {
        "http": type("CheckedHTTPPool", (ucp.HTTPConnectionPool,), {"ConnectionCls": HTTP}),
        "https": type("CheckedHTTPSPool", (ucp.HTTPSConnectionPool,), {"ConnectionCls": HTTPS}),
    }


class HttpCache:
    """Validators and bodies of earlier 200 responses, for conditional requests."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def get(self, url: str) -> Response | None:
        """The stored response for `url`, if any."""
        with closing(store.connect(self._path, SCHEMA)) as conn:
            row = conn.execute("SELECT etag, last_modified, content_type, body FROM http_cache WHERE url = ?",
                               (url,)).fetchone()
        if row is None:
            return None
        headers = {k: v for k, v in (("etag", row[0]), ("last-modified", row[1]), ("content-type", row[2])) if v}
        return Response(url, 304, headers, zlib.decompress(row[3]))

    def put(self, response: Response) -> None:
        """Remember a 200 response that carries a validator."""
        h = response.headers
        if not (h.get("etag") or h.get("last-modified")):
            return  # nothing to send next time: storing the body would only cost space
        with closing(store.connect(self._path, SCHEMA)) as conn:
            conn.execute("INSERT OR REPLACE INTO http_cache VALUES (?, ?, ?, ?, ?, ?)",
                         (response.url, h.get("etag"), h.get("last-modified"), h.get("content-type"),
                          zlib.compress(response.body), datetime.now(timezone.utc).isoformat()))


class HttpClient:
    """GET over http(s) with timeouts, a size cap, bounded redirects, retries and conditional requests."""

    def __init__(self, limits: FetchLimits = FetchLimits(), cache: HttpCache | None = None, *,
                 allow_private: bool = False) -> None:
        import urllib3  # trafilatura's own dependency; loaded only when something is fetched

        self.limits = limits
        self._cache = cache
        self._pool = urllib3.PoolManager(num_pools=64, maxsize=limits.per_host, retries=False)
        # The feed URLs the user typed may be on their own network; nothing else may, unless allowed.
        self._typed_pool = self._pool
        if not allow_private:
            self._pool = urllib3.PoolManager(num_pools=64, maxsize=limits.per_host, retries=False)
            _checked_pools(self._pool)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self.seconds: dict[str, float] = {}

    def get(self, url: str, accept: str = "*/*", *, typed: bool = False) -> Response:
        """The body at `url` after redirects; InputError (naming `url`) with a one-line reason otherwise.

        `typed`: the user listed `url` itself (a feed), so it may be on a private address; where it
        redirects to may not."""
        current = url
        for hop in range(self.limits.max_redirects + 1):
            if urlsplit(current).scheme.lower() not in ("http", "https"):
                raise InputError(url, f"only http and https are fetched, refused {_clip(current)}")
            cached = self._cache.get(current) if self._cache else None
            pool = self._typed_pool if typed and hop == 0 else self._pool
            status, headers, body = self._with_retries(url, current, _request_headers(accept, cached), pool)
            if status in _REDIRECTS and headers.get("location"):
                current = urljoin(current, headers["location"].strip())
                continue
            if status == 304 and cached is not None:
                return Response(current, 304, cached.headers, cached.body)
            if status != 200:
                raise InputError(url, f"HTTP {status} {_phrase(status)}")
            response = Response(current, 200, headers, body)
            if self._cache:
                self._cache.put(response)
            return response
        raise InputError(url, f"more than {self.limits.max_redirects} redirects")

    def _with_retries(self, url: str, current: str, headers: dict[str, str],
                      pool: Any) -> tuple[int, dict[str, str], bytes]:
        attempts = self.limits.retries + 1
        problem = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.limits.backoff * 2 ** (attempt - 1))
            try:
                status, got, body = self._once(url, current, headers, pool)
            except _Timeout as exc:
                problem = str(exc)
                continue
            if status < 500:
                return status, got, body
            problem = f"HTTP {status} {_phrase(status)}"
        raise InputError(url, f"{problem} ({attempts} attempts)" if attempts > 1 else problem)

    def _once(self, url: str, current: str, headers: dict[str, str],
              pool: Any) -> tuple[int, dict[str, str], bytes]:
        import urllib3.exceptions as ue

        host = urlsplit(current).netloc.lower()
        with self._slot(host):
            start = time.monotonic()
            try:
                return self._request(url, current, headers, start, pool)
            except PrivateAddressError as exc:
                via = f"it redirects to {_clip(current)}, which" if current != url else "it"
                raise InputError(url, f"refused: {via} resolves to the {exc}; only public addresses are "
                                      f"fetched (set allow_private_hosts = true in [feeds] to allow your own network)") from None
            except ue.NewConnectionError as exc:  # before its base class ConnectTimeoutError
                raise InputError(url, f"cannot connect to {host} ({_last_words(exc)})") from None
            except ue.ConnectTimeoutError:
                raise _Timeout(f"no connection within {self.limits.connect_timeout:g} s") from None
            except ue.ReadTimeoutError:
                raise _Timeout(f"no data within {self.limits.read_timeout:g} s") from None
            except ue.HTTPError as exc:
                raise InputError(url, f"connection failed ({_last_words(exc)})") from None
            finally:
                with self._lock:
                    self.seconds[host] = self.seconds.get(host, 0.0) + time.monotonic() - start

    def _request(self, url: str, current: str, headers: dict[str, str], start: float,
                 pool: Any) -> tuple[int, dict[str, str], bytes]:
        import urllib3

        limits = self.limits
        timeout = urllib3.Timeout(connect=limits.connect_timeout, read=limits.read_timeout)
        resp = pool.request("GET", current, headers=headers, redirect=False, preload_content=False,
                                  timeout=timeout)
        try:
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise InputError(url, f"response too large ({_size(int(declared))} declared, "
                                      f"the cap is {_size(limits.max_bytes)})")
            body = bytearray()
            while chunk := resp.read1(_CHUNK):  # read1: returns what has arrived, so the deadline holds
                body += chunk
                if len(body) > limits.max_bytes:
                    raise InputError(url, f"response exceeds the {_size(limits.max_bytes)} cap")
                if time.monotonic() - start > limits.deadline:
                    raise _Timeout(f"no complete response within {limits.deadline:g} s")
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, bytes(body)
        except BaseException:
            resp.close()  # a half-read connection must not go back to the pool
            raise
        finally:
            resp.release_conn()

    @contextmanager
    def _slot(self, host: str) -> Iterator[None]:
        with self._lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(self.limits.per_host))
        with slot:
            yield


def _request_headers(accept: str, cached: Response | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if cached is not None and cached.headers.get("etag"):
        headers["If-None-Match"] = cached.headers["etag"]
    if cached is not None and cached.headers.get("last-modified"):
        headers["If-Modified-Since"] = cached.headers["last-modified"]
    return headers


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _last_words(exc: BaseException) -> str:
    """The end of a urllib3 message, where the cause is (it starts with object reprs)."""
    text = " ".join(str(exc).split())
    return text.rsplit(": ", 1)[-1][:120]


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB".replace(".0 MB", " MB") if n >= MB else f"{n / 1024:.0f} KB"


def _clip(url: str) -> str:
    return url if len(url) <= 100 else url[:97] + "..."


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str]:
    """The page as text and the encoding used: the HTTP header's charset, then as for files (BOM, UTF-8,
    the meta tag, a checked guess); ValueError with a one-line reason for binary or undecodable bytes."""
    from .ingest import decode

    header = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    declared = _codec(header.group(1)) if header else None
    if declared and not body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return body.decode(declared), declared
        except UnicodeDecodeError:
            pass  # a header the bytes contradict: let the page itself decide
    return decode(body, html_page=True)


def _codec(label: str) -> str | None:
    try:
        return codecs.lookup(label.strip()).name
    except LookupError:
        return None


def extract_page(response: Response) -> Page | None:
    """Title, text, date and canonical URL of an article page; None when it holds no article text."""
    import trafilatura
    from trafilatura.settings import Document

    content_type = response.headers.get("content-type", "text/html")
    if not re.search(r"html|xml|text/plain", content_type, re.IGNORECASE):
        raise InputError(response.url, f"not an HTML page ({content_type.split(';')[0]})")
    try:
        html, encoding = decode_html(response.body, content_type)
    except ValueError as exc:
        raise InputError(response.url, str(exc)) from None
    doc = trafilatura.bare_extraction(html, url=response.url, with_metadata=True, include_comments=False,
                                      date_extraction_params={"extensive_search": False, "original_date": True})
    if not isinstance(doc, Document):
        return None
    lines = [line.strip() for line in (doc.text or "").splitlines() if line.strip()]
    title = (doc.title or "").strip()
    if lines and title and lines[0] == title:
        lines = lines[1:]  # trafilatura repeats the headline as the first line
    if not lines:
        return None
    return Page(title=title, text="\n\n".join(lines), date=doc.date, url=doc.url or response.url,
                encoding=encoding)


def mark_briefed(keys: Iterable[str], settings: Settings, *, date: str) -> int:
    """Record GUIDs and URLs as briefed on `date`, so later days skip them; returns how many were new."""
    rows = [(k, date) for k in dict.fromkeys(keys) if k]
    with closing(store.connect(store.default_path(settings.out), SCHEMA)) as conn:
        before = conn.total_changes
        conn.execute("BEGIN")
        conn.executemany("INSERT OR IGNORE INTO briefed (key, day) VALUES (?, ?)", rows)
        conn.execute("COMMIT")
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
              warn: Callable[[str], None], limits: FetchLimits = FetchLimits(),
              now: datetime | None = None) -> FetchReport:
    """Fetch the feeds listed in `feeds_file` and save the window's new articles under <out>/<date>/articles."""
    now = now or datetime.now(timezone.utc)
    store_path = store.default_path(settings.out)
    client = HttpClient(limits, HttpCache(store_path), allow_private=settings.feeds.allow_private_hosts)
    report = FetchReport(settings.out / date / "articles", [], [], client.seconds)
    report.articles_dir.mkdir(parents=True, exist_ok=True)  # the day's folder exists even when nothing is new

    def window(feed: Feed) -> tuple[list[FeedEntry], str | None]:
        return _capped(feed, in_window(feed.entries, since, now), settings.feeds.max_entries)

    with ThreadPoolExecutor(limits.workers) as pool:
        entries = _dedupe(_read_feeds(pool, client, read_feed_list(feeds_file), report, warn, window))
        seen = _briefed_before(store_path, (k for e in entries for k in (e.guid, e.link)), date)
        report.already_briefed.extend(e.key for e in entries if {e.guid, e.link} & seen)
        fresh = [e for e in entries if not {e.guid, e.link} & seen]
        outcomes = list(pool.map(lambda e: _fetch_article(client, e), fresh))
    seen = _briefed_before(store_path, (o.record["url"] for o in outcomes if o.record), date)
    _save(report, outcomes, seen, warn)
    return report


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


def _read_feeds(pool: ThreadPoolExecutor, client: HttpClient, urls: list[str], report: FetchReport,
                warn: Callable[[str], None],
                window: Callable[[Feed], tuple[list[FeedEntry], str | None]]) -> list[FeedEntry]:
    def read(url: str) -> Feed | InputIssue:
        try:
            response = client.get(url, accept=FEED_ACCEPT, typed=True)
            return parse_feed(url, response.body, response.headers)
        except InputError as exc:
            return InputIssue(url, "failed", exc.reason)

    entries: list[FeedEntry] = []
    for feed in pool.map(read, urls):
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


def host_time_lines(per_host_seconds: Mapping[str, float]) -> list[str]:
    """One line per host with the seconds spent fetching from it, slowest first."""
    ranked = sorted(per_host_seconds.items(), key=lambda kv: -kv[1])
    return [f"fetched from {host}: {seconds:.2f} s" for host, seconds in ranked]
