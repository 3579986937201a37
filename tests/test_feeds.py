"""Feeds and fetching against a real HTTP server on 127.0.0.1: feeds, pages, encodings, every failure."""

from __future__ import annotations

import codecs
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from summarise.client import FetchLimits
from summarise.config import FeedSettings, Settings
from summarise.decoding import decode_html
from summarise.errors import ConfigError
from summarise.feeds import parse_since, read_feed_list
from summarise.fetch import FetchReport, fetch_day, host_time_lines, mark_briefed

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=timezone.utc)
DAY1, DAY2 = "2024-05-02", "2024-05-03"
FAST = FetchLimits(connect_timeout=0.5, read_timeout=0.3, deadline=1.0, retries=1, backoff=0.01)
# For tests that count requests and do not test timeouts: on a loaded machine FAST's 0.3 s can time a request
# out, and its retry adds to the count (CI once saw 65 requests for 63).
PATIENT = FetchLimits(connect_timeout=5.0, read_timeout=5.0, deadline=10.0, retries=1, backoff=0.01)

EN = ["The city council of {place} approved a budget of {n} million dollars on Tuesday after a long debate "
      "about schools, roads and the public hospital.",
      "Opposition members said the plan raises taxes on small shops, while the mayor argued it protects jobs "
      "and keeps the buses running at night.",
      "A final vote on the details is expected next month, and residents can comment on the proposal online "
      "until the end of the week."]
PT = ["A câmara municipal de {place} aprovou ontem um orçamento de {n} milhões de euros, após um longo debate "
      "sobre escolas, estradas e o hospital público.",
      "A oposição afirmou que o plano aumenta os impostos das pequenas lojas, enquanto o presidente da câmara "
      "defendeu que a decisão protege os empregos e a habitação.",
      "A votação final dos pormenores está prevista para o próximo mês, e os moradores podem comentar a "
      "proposta até ao fim da semana."]
RU = ["Городской совет {place} во вторник утвердил бюджет в размере {n} миллионов рублей после долгого "
      "обсуждения школ, дорог и городской больницы.",
      "Представители оппозиции заявили, что план повышает налоги для небольших магазинов, а мэр ответил, "
      "что решение сохраняет рабочие места.",
      "Окончательное голосование ожидается в следующем месяце, а жители могут оставить свои замечания до "
      "конца недели."]
TEXTS = {"en": EN, "pt": PT, "ru": RU}
PLACES = {"en": "Springfield", "pt": "Coimbra", "ru": "Твери"}


def paragraphs(lang: str, n: int) -> list[str]:
    """Three paragraphs in `lang`, made distinct by `n`."""
    return [p.format(place=PLACES[lang], n=n) for p in TEXTS[lang]]


def page(title: str, paras: list[str], *, lang: str = "en", meta: str = "", canonical: str = "") -> str:
    """An article page with the boilerplate real sites carry around the text."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{escape(title)}</title>{link}'
            '<meta property="article:published_time" content="2024-05-02T08:00:00Z"></head><body>'
            '<nav><a href="/">Home</a> | <a href="/world">World</a></nav>'
            f"<article><h1>{escape(title)}</h1>{body}</article><footer>Example News 2024</footer></body></html>")


@dataclass(frozen=True)
class Item:
    guid: str
    link: str
    title: str
    summary: str = ""
    age: timedelta = timedelta(hours=2)


def rss(title: str, items: list[Item], now: datetime = NOW) -> bytes:
    parts = [f"<item><guid>urn:test:{escape(i.guid)}</guid><link>{escape(i.link)}</link>"
             f"<title>{escape(i.title)}</title>"
             f"<description>{escape(i.summary)}</description>"
             f"<pubDate>{format_datetime(now - i.age)}</pubDate></item>" for i in items]
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>http://example.org/</link>{''.join(parts)}</channel></rss>").encode()


def atom(title: str, items: list[Item]) -> bytes:
    parts = [f'<entry><id>urn:test:{escape(i.guid)}</id><link href="{escape(i.link)}"/>'
             f"<title>{escape(i.title)}</title>"
             f"<summary>{escape(i.summary)}</summary>"
             f"<updated>{(NOW - i.age).isoformat()}</updated></entry>" for i in items]
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:feed</id><updated>{NOW.isoformat()}</updated>"
            f"{''.join(parts)}</feed>").encode()


Route = Callable[["Handler"], None]


@dataclass
class Site:
    """What the test server serves, and what it saw."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)
    agents: set[str] = field(default_factory=set)
    delay: float = 0.0  # seconds every response waits, so that concurrent requests overlap
    inflight: Counter[str] = field(default_factory=Counter)  # by Host header
    max_inflight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def track(self, host: str) -> Iterator[None]:
        with self.lock:
            self.inflight[host] += 1
            self.max_inflight = max(self.max_inflight, self.inflight[host])
        try:
            yield
        finally:
            with self.lock:
                self.inflight[host] -= 1

    def add(self, path: str, body: bytes | str, ctype: str = "text/html; charset=utf-8", *,
            status: int = 200, etag: str | None = None) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = lambda h: h.send(data, ctype, status=status, etag=etag, path=path)
        return self.base + path


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        site = self.server.site
        site.hits[self.path] += 1
        site.agents.add(self.headers.get("User-Agent", ""))
        with site.track(self.headers.get("Host", "")):  # left before replying: the client may go on at once
            time.sleep(site.delay)
        site.routes.get(self.path, not_found)(self)

    def send(self, body: bytes, ctype: str, *, status: int = 200, etag: str | None = None,
             path: str = "", headers: dict[str, str] | None = None) -> None:
        if etag and self.headers.get("If-None-Match") == etag:
            self.server.site.not_modified[path] += 1
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(status)
        for name, value in {"Content-Type": ctype, "Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(name, value)
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def not_found(h: Handler) -> None:
    h.send(b"not here", "text/plain", status=404)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    site: Site

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on the endless and slow routes on purpose


@contextmanager
def serve(host: str = "127.0.0.1") -> Iterator[Site]:
    """A threaded HTTP server on `host` and a free port, for the length of the block (skipped where the host
    cannot be listened on)."""
    try:
        server = Server((host, 0), Handler)
    except OSError:
        pytest.skip(f"cannot listen on {host}")
    server.site = Site(base=f"http://{host}:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as s:
        yield s


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port  # nothing listens there once the socket is closed


def endless(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.end_headers()
    chunk = b"<item><title>more</title></item>" * 2048
    try:
        while True:
            h.wfile.write(chunk)
    except OSError:
        pass  # the client stopped reading at the size cap


def dripping(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    try:
        for _ in range(100):
            h.wfile.write(b"<p>x</p>")
            h.wfile.flush()
            time.sleep(0.05)  # each byte arrives inside the read timeout; only the deadline stops it
    except OSError:
        pass


def oversized(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", str(6 * 1024 * 1024))
    h.end_headers()
    h.wfile.write(b"<rss>")


def slow(h: Handler) -> None:
    time.sleep(1.0)  # beyond FAST.read_timeout
    h.send(rss("Slow", []), "application/rss+xml")


def redirect(to: str) -> Route:
    def send(h: Handler) -> None:
        h.send(b"", "text/plain", status=302, headers={"Location": to})
    return send


def flaky(site: Site, path: str, body: str) -> Route:
    def send(h: Handler) -> None:
        if site.hits[path] == 1:
            h.send(b"busy", "text/plain", status=503)
        else:
            h.send(body.encode("utf-8"), "text/html; charset=utf-8")
    return send


def build_mixed(site: Site) -> dict[str, str]:
    """RSS and Atom feeds whose entries cover every language, encoding and page failure, plus bad feeds."""
    b = site.base
    site.add("/en", page("Springfield passes budget", paragraphs("en", 1), canonical=f"{b}/canonical/en"),
             etag='"en-1"')
    site.add("/pt-utf8", page("Coimbra aprova orçamento", paragraphs("pt", 2), lang="pt"), etag='"pt-1"')
    site.add("/pt-latin1", page("Coimbra aprova orçamento de novo", paragraphs("pt", 3), lang="pt")
             .encode("latin-1"), "text/html; charset=ISO-8859-1")
    site.add("/ru-cp1251", page("Тверь утвердила бюджет", paragraphs("ru", 4), lang="ru",
                                meta='<meta charset="windows-1251">').encode("cp1251"), "text/html")
    site.add("/ru-koi8", page("Бюджет Твери принят", paragraphs("ru", 5), lang="ru").encode("koi8-r"), "text/html")
    site.add("/video", "<html><head><title>Video</title></head><body><div id='player'></div></body></html>")
    site.add("/blank", "<html><head><title>Blank</title></head><body></body></html>")
    site.routes["/hop1"], site.routes["/hop2"] = redirect("/hop2"), redirect(f"{b}/hops-end")
    site.add("/hops-end", page("Redirected story", paragraphs("en", 6)))
    for k in range(10):
        site.routes[f"/loop{k}"] = redirect(f"/loop{k + 1}")
    site.routes["/to-ftp"] = redirect("ftp://127.0.0.1/story.txt")
    site.routes["/flaky"] = flaky(site, "/flaky", page("Story after a 503", paragraphs("en", 7)))
    site.routes["/drip"] = dripping
    rss_items = [Item("g-en", f"{b}/en", "Budget passes"), Item("g-pt8", f"{b}/pt-utf8", "Orçamento"),
                 Item("g-pt1", f"{b}/pt-latin1", "Orçamento 2"), Item("g-cp", f"{b}/ru-cp1251", "Бюджет"),
                 Item("g-koi", f"{b}/ru-koi8", "Бюджет 2"),
                 Item("g-old", f"{b}/old", "Last week's news", age=timedelta(days=3)),
                 Item("g-gone", f"{b}/gone", "Gone page", summary="A summary the feed carries for the gone page."),
                 Item("g-404", f"{b}/missing", "Missing page"),
                 Item("g-video", f"{b}/video", "Watch: the vote", summary="The council voted on the budget."),
                 Item("g-blank", f"{b}/blank", "Blank page")]
    atom_items = [Item("a-hops", f"{b}/hop1", "Redirected"), Item("a-loop", f"{b}/loop0", "Loop"),
                  Item("a-ftp", f"{b}/to-ftp", "Ftp"), Item("a-flaky", f"{b}/flaky", "Flaky"),
                  Item("a-drip", f"{b}/drip", "Drip"), Item("g-en", f"{b}/en", "Budget passes (again)")]
    return {
        "rss": site.add("/rss.xml", rss("Daily News", rss_items), "application/rss+xml", etag='"rss-1"'),
        "atom": site.add("/atom.xml", atom("Atom News", atom_items), "application/atom+xml"),
        "missing": f"{b}/missing.xml",
        "invalid": site.add("/invalid.xml", "this is { not XML", "application/xml"),
        "broken": site.add("/broken.xml", rss("Broken", [Item("g-en", f"{b}/en", "Budget")])
                           .replace(b"</channel></rss>", b"<item><title>Cut off &"), "application/rss+xml"),
        "html": site.add("/home.html", "<!DOCTYPE html><html><body><p>Welcome home</p></body></html>"),
        "endless": _route(site, "/endless.xml", endless),
        "oversized": _route(site, "/big.xml", oversized),
        "slow": _route(site, "/slow.xml", slow),
        "unreachable": f"http://127.0.0.1:{closed_port()}/feed.xml",
    }


def _route(site: Site, path: str, route: Route) -> str:
    site.routes[path] = route
    return site.base + path


def feeds_file(tmp_path: Path, urls: list[str]) -> Path:
    path = tmp_path / "feeds.txt"
    path.write_text("# the day's feeds\n\n" + "\n".join(urls) + "\n", encoding="utf-8")
    return path


def live_feed(site: Site, folder: Path, name: str, stories: list[tuple[str, list[str]]], missing: str) -> Path:
    """Two pages (/s1, /s2: title and paragraphs from `stories`) and the feed /<name>.xml listing them, dated now
    (a CLI's window ends now, not at the tests' NOW); returns a feeds file in `folder` naming that feed and
    /<missing>.xml, which the site does not serve."""
    b = site.base
    for k, (title, paras) in enumerate(stories, 1):
        site.add(f"/s{k}", page(title, paras))
    items = [Item(f"{name[0]}1", f"{b}/s1", "One"), Item(f"{name[0]}2", f"{b}/s2", "Two")]
    site.add(f"/{name}.xml", rss(name.title(), items, now=datetime.now(timezone.utc)), "application/rss+xml")
    return feeds_file(folder, [f"{b}/{name}.xml", f"{b}/{missing}.xml"])


def run(tmp_path: Path, feeds: Path, date: str = DAY1, now: datetime = NOW, limits: FetchLimits = FAST,
        progress: Callable[[str, int, int], None] | None = None) -> tuple[FetchReport, list[str]]:
    warnings: list[str] = []
    # The test server is on 127.0.0.1, which feeds may only reach when the user allows it.
    report = fetch_day(feeds, Settings(out=tmp_path / "out", feeds=FeedSettings(allow_private_hosts=True)),
                       since=timedelta(hours=24), date=date, warn=warnings.append, limits=limits, now=now,
                       progress=progress)
    return report, warnings


def saved(report: FetchReport) -> dict[str, dict[str, str]]:
    """The saved articles by GUID (without its urn:test: prefix)."""
    records = [json.loads(p.read_text(encoding="utf-8")) for p in report.saved]
    return {r["guid"].removeprefix("urn:test:"): r for r in records}


def test_parse_since() -> None:
    assert parse_since("24h") == timedelta(hours=24)
    assert parse_since("2d") == timedelta(days=2)
    assert parse_since(" 90m ") == timedelta(minutes=90)
    assert parse_since("1w") == timedelta(weeks=1) and parse_since("30s") == timedelta(seconds=30)
    for bad in ("", "24", "h", "-1h", "0h", "3y", "9" * 30 + "d"):
        with pytest.raises(ConfigError, match="--since"):
            parse_since(bad)


def test_feed_list_lines_and_opml(tmp_path: Path) -> None:
    lines = tmp_path / "feeds.txt"
    lines.write_text("# news\nhttp://a.example/rss  # main\n\n  https://b.example/atom#frag\n"
                     "http://a.example/rss\n")
    assert read_feed_list(lines) == ["http://a.example/rss", "https://b.example/atom#frag"]
    opml = tmp_path / "feeds.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="World">'
                    '<outline text="A" type="rss" xmlUrl="http://a.example/rss"/>'
                    '<outline text="B" xmlUrl="https://b.example/atom"/></outline></body></opml>')
    assert read_feed_list(opml) == ["http://a.example/rss", "https://b.example/atom"]
    for text, problem in (("# nothing\n", "lists no feeds"), ("<opml><body>", "invalid OPML")):
        lines.write_text(text)
        with pytest.raises(ConfigError, match=problem):
            read_feed_list(lines)
    with pytest.raises(ConfigError, match="cannot read"):
        read_feed_list(tmp_path / "absent.txt")


def test_encoding_order_header_meta_detection() -> None:
    ru = page("Тверь", paragraphs("ru", 1), lang="ru")
    meta = page("Тверь", paragraphs("ru", 1), lang="ru", meta='<meta charset="windows-1251">')
    assert decode_html(meta.encode("cp1251"), "text/html") == (meta, "cp1251")
    assert decode_html(ru.encode("koi8-r"), "text/html")[0] == ru  # no declaration: detected
    pt = page("Orçamento", paragraphs("pt", 1))
    assert decode_html(pt.encode("latin-1"), "text/html; charset=iso-8859-1") == (pt, "iso8859-1")
    # The header wins over the meta tag; a header the bytes contradict gives way to the meta tag.
    utf8_meta = page("Orçamento", paragraphs("pt", 1), meta='<meta charset="koi8-r">')
    assert decode_html(utf8_meta.encode("utf-8"), "text/html; charset=utf-8")[1] == "utf-8"
    assert decode_html(meta.encode("cp1251"), "text/html; charset=utf-8") == (meta, "cp1251")
    # A byte-order mark (any of them, UTF-32 too) outranks the header.
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF32_BE, "utf-32-be")):
        assert decode_html(bom + pt.encode(codec), "text/html; charset=iso-8859-1")[0] == pt


@dataclass(frozen=True)
class Mixed:
    site: Site
    urls: dict[str, str]
    report: FetchReport
    warnings: list[str]
    seconds: float


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mixed]:
    """One run over the mixed feeds, shared by the tests that read it (it takes seconds: timeouts)."""
    tmp_path = tmp_path_factory.mktemp("mixed")
    with pytest.MonkeyPatch.context() as env, serve() as site:
        env.delenv("SUMMARISE_STORE", raising=False)  # conftest's guard is per test; this runs before it
        urls = build_mixed(site)
        start = time.monotonic()
        report, warnings = run(tmp_path, feeds_file(tmp_path, list(urls.values())))
        yield Mixed(site, urls, report, warnings, time.monotonic() - start)


def test_pages_in_every_language_and_encoding(mixed: Mixed) -> None:
    got, site = saved(mixed.report), mixed.site
    assert set(got) == {"g-en", "g-pt8", "g-pt1", "g-cp", "g-koi", "g-gone", "g-video", "a-hops", "a-flaky"}
    assert "Coimbra aprovou ontem um orçamento de 2 milhões" in got["g-pt8"]["text"]
    assert "Coimbra aprovou ontem um orçamento de 3 milhões" in got["g-pt1"]["text"]
    assert "Городской совет Твери во вторник утвердил бюджет в размере 4" in got["g-cp"]["text"]
    assert "Городской совет Твери во вторник утвердил бюджет в размере 5" in got["g-koi"]["text"]
    assert got["g-cp"]["title"] == "Тверь утвердила бюджет"
    en = got["g-en"]
    assert en["url"] == f"{site.base}/canonical/en" and en["date"] == "2024-05-02"
    assert en["source"] == "Daily News" and en["extracted_from"] == "page" and en["feed"] == mixed.urls["rss"]
    assert en["text"].split("\n\n")[0].startswith("The city council of Springfield")  # headline not repeated
    assert "Home" not in en["text"] and "Example News 2024" not in en["text"]  # boilerplate left out
    assert got["g-gone"]["extracted_from"] == got["g-video"]["extracted_from"] == "feed-summary"
    assert got["g-video"]["text"] == "The council voted on the budget."
    assert got["a-hops"]["title"] == "Redirected story" and site.hits["/flaky"] == 2  # retried after the 503
    assert site.hits["/old"] == 0 and site.hits["/en"] == 1  # outside the window; one fetch per GUID
    assert [a for a in site.agents if not a.startswith("summarise/")] == []
    assert set(mixed.report.hosts) == {site.base.removeprefix("http://"),
                                                  mixed.urls["unreachable"].split("/")[2]}


def test_every_bad_source_is_one_line_and_recorded(mixed: Mixed) -> None:
    base, urls = mixed.site.base, mixed.urls
    reasons = {i.path: (i.status, i.reason) for i in mixed.report.issues}
    expected = {
        urls["missing"]: "HTTP 404 Not Found",
        urls["invalid"]: "invalid XML (syntax error)",
        urls["html"]: "served an HTML page, not an RSS or Atom feed",
        urls["endless"]: "response exceeds the 5 MB cap",
        urls["oversized"]: "response too large (6 MB declared, the cap is 5 MB)",
        urls["slow"]: "no data within 0.3 s (2 attempts)",
        urls["unreachable"]: "cannot connect to 127.0.0.1:",
        f"{base}/missing": "HTTP 404 Not Found",
        f"{base}/loop0": "more than 5 redirects",
        f"{base}/to-ftp": "only http and https are fetched, refused ftp://127.0.0.1/story.txt",
        f"{base}/drip": "no complete response within 1 s (2 attempts)",
    }
    assert reasons.pop(f"{base}/blank") == ("skipped", "no article text on the page and no summary in the feed")
    assert reasons.pop(urls["broken"]) == ("skipped", "an entry (untitled) has neither a link nor a summary")
    assert set(reasons) == set(expected)
    for url, reason in expected.items():
        assert reasons[url][0] == "failed" and reasons[url][1].startswith(reason), (url, reasons[url])
    assert mixed.site.hits["/loop5"] == 1 and mixed.site.hits["/loop6"] == 0  # 5 redirects, not a 6th
    assert mixed.report.warnings == [
        f"feed {urls['broken']}: invalid XML (unclosed token); kept the 2 entries recovered from it",
        f"page {base}/gone: HTTP 404 Not Found; used the feed's summary"]
    assert len(mixed.warnings) == len(expected) + 4
    for w in mixed.warnings:
        assert "\n" not in w and (w.startswith(("feed http://", "page http://")))
    assert mixed.seconds < 10  # short timeouts: bad sources do not hold the run up


def test_conditional_requests_on_the_next_run(tmp_path: Path, site: Site) -> None:
    urls = build_mixed(site)
    feeds = feeds_file(tmp_path, [urls["rss"]])
    first, _ = run(tmp_path, feeds)
    before = {p.name: p.read_bytes() for p in first.saved}
    second, _ = run(tmp_path, feeds)
    assert site.not_modified == Counter({"/rss.xml": 1, "/en": 1, "/pt-utf8": 1})
    assert {p.name: p.read_bytes() for p in second.saved} == before  # a 304 reuses the stored body


def test_second_day_skips_what_was_briefed(tmp_path: Path, site: Site) -> None:
    b = site.base
    for k in range(3):
        site.add(f"/story{k}", page(f"Story {k}", paragraphs("en", 10 + k), canonical=f"{b}/c/{k}"))
    items = [Item(f"s{k}", f"{b}/story{k}", f"Story {k}") for k in range(3)]
    site.add("/day.xml", rss("Day", items), "application/rss+xml")
    feeds = feeds_file(tmp_path, [f"{b}/day.xml"])
    day1, _ = run(tmp_path, feeds)
    assert len(day1.saved) == 3
    # The pipeline briefed two of the three; only those are recorded.
    names = [p.name for p in day1.saved if json.loads(p.read_text(encoding="utf-8"))["guid"][-2:] in ("s0", "s1")]
    # Three keys each: GUID, link and canonical URL.
    assert mark_briefed(day1.keys_for(names), Settings(out=tmp_path / "out"), date=DAY1) == 6

    site.add("/story3", page("Story 3", paragraphs("en", 13), canonical=f"{b}/c/3"))
    site.add("/story0-again", page("Story 0 updated", paragraphs("en", 10), canonical=f"{b}/c/0"))
    items += [Item("s3", f"{b}/story3", "Story 3", age=timedelta(0)),
              Item("s0-new-guid", f"{b}/story0-again", "Story 0 again", age=timedelta(0))]
    site.add("/day.xml", rss("Day", items), "application/rss+xml")
    day2, _ = run(tmp_path, feeds, date=DAY2, now=NOW + timedelta(hours=6))
    assert set(saved(day2)) == {"s2", "s3"}
    # s0-new-guid is skipped too: its page's canonical URL is s0's.
    assert sorted(day2.already_briefed) == ["urn:test:s0", "urn:test:s0-new-guid", "urn:test:s1"]
    assert day2.articles_dir == tmp_path / "out" / DAY2 / "articles"
    # Re-running day 1 itself still gives the whole day: only earlier days count.
    again, _ = run(tmp_path, feeds)
    assert {"s0", "s1", "s2"} <= set(saved(again))


def test_three_feeds_sixty_entries(tmp_path: Path, site: Site) -> None:
    site.delay = 0.01
    _b, port = site.base, site.base.rsplit(":", 1)[1]
    langs = ["en", "pt", "ru"]
    feeds = []
    for f, (kind, host) in enumerate([(rss, "127.0.0.1"), (atom, "127.0.0.1"), (rss, "localhost")]):
        items = []
        for k in range(20):
            n, lang = f * 20 + k, langs[k % 3]
            site.add(f"/a/{n}", page(f"Article {n}", paragraphs(lang, n), lang=lang))
            items.append(Item(f"id-{n}", f"http://{host}:{port}/a/{n}", f"Article {n}"))
        feeds.append(site.add(f"/feed{f}.xml", kind(f"Feed {f}", items), "application/xml"))
    calls: list[tuple[str, int, int]] = []
    start = time.monotonic()
    report, warnings = run(tmp_path, feeds_file(tmp_path, feeds), limits=PATIENT,
                           progress=lambda *call: calls.append(call))
    wall = time.monotonic() - start
    got = saved(report)
    assert warnings == [] and report.issues == [] and len(got) == 60
    # Progress per feed, then per page, each counted up to its total.
    assert calls == [("feeds", n, 3) for n in range(4)] + [("pages", n, 60) for n in range(61)]
    assert all(got[f"id-{n}"]["title"] == f"Article {n}" for n in range(60))
    assert site.max_inflight == 2  # parallel, but never more than 2 requests per host at a time
    assert set(report.hosts) == {f"127.0.0.1:{port}", f"localhost:{port}"}
    assert sum(use.requests for use in report.hosts.values()) == 63  # 3 feeds, 60 pages
    # Two requests at a time per host: the time printed per host is its wall-clock span, not the sum of its
    # requests' times, so no printed time exceeds the fetch's own wall-clock time, which comes last.
    lines = host_time_lines(report)
    assert len(lines) == 3 and lines[-1].startswith("fetched from 2 hosts in all: 63 requests in ")
    seconds = [float(line.rsplit(" in ", 1)[1].removesuffix(" s")) for line in lines]
    assert 0 < max(seconds) == seconds[-1] == round(report.seconds, 2) and report.seconds <= wall
    # Offline, the day's folder reads back as the pipeline reads it, each article in its language.
    from summarise.detect import detect_language
    from summarise.ingest import read_inputs

    articles, issues = read_inputs([report.articles_dir], 10_000_000)
    assert issues == [] and sorted(a.title for a in articles) == sorted(f"Article {n}" for n in range(60))
    codes = {a.title: detect_language(a.text).code for a in articles}
    assert codes == {f"Article {n}": langs[(n % 20) % 3] for n in range(60)}


def test_cli_brief_with_feeds(tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """`summarise brief --feeds`: fetch into the day's folder, brief it, record what was briefed."""
    from typer.testing import CliRunner

    from summarise import pipeline
    from summarise.cli import app
    from summarise.types import Article, Briefing, Document, InputIssue, Language, Result, Translation

    calls: list[dict[str, Any]] = []

    def fake_brief(inputs: list[Path], settings: Settings, *, extra_issues: Sequence[InputIssue] = (),
                   **options: object) -> Result:
        calls.append({"inputs": inputs, "date": settings.date, "extra_issues": extra_issues})
        first = sorted(inputs[0].glob("*.json"))[0]  # the pipeline briefs one of the two articles
        article = Article(first.name, f"{first.name}#1", first.stem, "text")  # "#1": as ingest names it
        docs = (Document(article, Language("en", 1.0), first.stem, Translation("en", None, ()), False),)
        return Result(settings.date or "", docs, tuple(extra_issues), (Briefing("b", "t", "s", "l", (), ()),))

    monkeypatch.setattr(pipeline, "brief", fake_brief)
    monkeypatch.setenv("SUMMARISE_ALLOW_PRIVATE_HOSTS", "1")  # the pages are on 127.0.0.1
    b = site.base
    feeds = live_feed(site, tmp_path, "cli", [("Story one", paragraphs("en", 21)), ("Story two", paragraphs("en", 22))],
                      missing="absent")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["brief", "--feeds", str(feeds), "--out", str(out),
                                      "--date", DAY1, "-q"])
    assert result.exit_code == 3, result.output  # one feed failed
    assert calls[0]["inputs"] == [out / DAY1 / "articles"] and calls[0]["date"] == DAY1
    assert [(i.path, i.reason) for i in calls[0]["extra_issues"]] == [(f"{b}/absent.xml", "HTTP 404 Not Found")]
    assert f"warning: feed {b}/absent.xml: HTTP 404 Not Found" in result.stderr
    assert f"fetched from {b.removeprefix('http://')}: " in result.stderr
    assert len(list((out / DAY1 / "articles").glob("*.json"))) == 2
    # Only the briefed article is recorded: the next day fetches the other one again.
    again = CliRunner().invoke(app, ["brief", "--feeds", str(feeds), "--out", str(out),
                                     "--date", DAY2, "-q"])
    assert again.exit_code == 3 and len(list((out / DAY2 / "articles").glob("*.json"))) == 1
    bad = CliRunner().invoke(app, ["brief", "--feeds", str(feeds), "--since", "soon", "--out", str(out)])
    assert bad.exit_code == 2 and "--since 'soon'" in bad.stderr
