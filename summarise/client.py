"""The HTTP client every fetch goes through, and the cache that makes its requests conditional.

`HttpClient.get` fetches over http(s) only, never from a loopback, private, link-local, multicast or
reserved address (checked on the connected socket's address, so DNS cannot trick it; the feed URLs the
user listed, and `allow_private_hosts` in [feeds], are the only exceptions), with connect/read timeouts and a
per-attempt deadline over the whole exchange (a watchdog shuts the socket when it passes, so a server that
drips its headers or body a byte at a time is given up on), a size cap checked while streaming, at most N
redirects followed by hand, at most 2 requests per host at a time, retries with exponential backoff on
timeouts and 5xx, and conditional requests whose validators (ETag, Last-Modified) and bodies live in the
SQLite store (`HttpCache`).
"""

from __future__ import annotations

import contextlib
import http
import ipaddress
import math
import socket
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from . import store
from .errors import InputError
from .version import __version__

USER_AGENT = f"summarise/{__version__} (news briefing tool; one fetch per article per day)"
MB = 1024 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS http_cache (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, content_type TEXT,
    body BLOB NOT NULL, stored_at TEXT NOT NULL);
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



@dataclass
class HostUse:
    """The requests made to one host, and the wall-clock span they covered (first start to last end).

    Requests to a host run in parallel, so the span, not the sum of their times, is what they cost."""

    requests: int = 0
    first: float = math.inf  # time.monotonic() when the first request started
    last: float = -math.inf  # ... and when the last one ended

    @property
    def seconds(self) -> float:
        return max(0.0, self.last - self.first)


class _Timeout(Exception):
    """An attempt timed out; worth retrying."""


class _Watchdog:
    """Shuts the sockets of one attempt when its deadline passes, whatever step it is in (the status line,
    headers or body: the read timeout alone restarts with every byte). Connections register their socket
    with the watchdog of the attempt running in their thread (`_watch`)."""

    _current = threading.local()

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _Watchdog._current.dog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _Watchdog._current.dog = None

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is not None and sock not in self._sockets:
                self._sockets.append(sock)
        if self.fired:
            self._fire()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # closed already
                    # the plain socket's shutdown, under any TLS layer: the blocked read returns at once
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _watch(sock: Any) -> Any:
    dog = getattr(_Watchdog._current, "dog", None)
    if dog is not None:
        dog.watch(sock)
    return sock


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


def _public(sock: Any) -> Any:
    """`sock` when its peer is a public address, else PrivateAddressError (and the socket closed)."""
    kind = address_kind(sock.getpeername()[0])
    if kind is not None:
        ip = sock.getpeername()[0]
        sock.close()
        raise PrivateAddressError(ip, kind)
    return sock


def _checked_pools(pool: Any, public_only: bool = True) -> None:
    """Make `pool` (a urllib3 PoolManager) watched by each attempt's deadline (`_Watchdog`) and, when
    `public_only`, refuse every connection whose peer is not a public address: checked on the connected
    socket, after DNS, so a name that resolves (or re-resolves) to 127.0.0.1 is caught, and a pooled
    connection was checked when it was made."""
    import urllib3.connection as uc
    import urllib3.connectionpool as ucp

    class HTTP(uc.HTTPConnection):
        def _new_conn(self) -> Any:
            sock = super()._new_conn()
            return _watch(_public(sock) if public_only else sock)

        def getresponse(self) -> Any:
            _watch(self.sock)  # a pooled connection, or the TLS layer over a new one
            return super().getresponse()

    class HTTPS(uc.HTTPSConnection):
        def _new_conn(self) -> Any:
            sock = super()._new_conn()
            return _watch(_public(sock) if public_only else sock)

        def getresponse(self) -> Any:
            _watch(self.sock)
            return super().getresponse()

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
        with closing(store.connect(self._path, SCHEMA, disposable=True)) as conn:
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
        with closing(store.connect(self._path, SCHEMA, disposable=True)) as conn:
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
        _checked_pools(self._pool, public_only=False)
        # The feed URLs the user typed may be on their own network; nothing else may, unless allowed.
        self._typed_pool = self._pool
        if not allow_private:
            self._pool = urllib3.PoolManager(num_pools=64, maxsize=limits.per_host, retries=False)
            _checked_pools(self._pool)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self.hosts: dict[str, HostUse] = {}  # by host[:port]

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
                return self._watched(url, current, headers, start, pool)
            except PrivateAddressError as exc:
                via = f"it redirects to {_clip(current)}, which" if current != url else "it"
                raise InputError(url, f"refused: {via} resolves to the {exc}; only public addresses are fetched (set "
                                      f"allow_private_hosts = true in [feeds] to allow your own network)") from None
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
                    use = self.hosts.setdefault(host, HostUse())
                    use.requests += 1
                    use.first, use.last = min(use.first, start), max(use.last, time.monotonic())

    def _watched(self, url: str, current: str, headers: dict[str, str], start: float,
                 pool: Any) -> tuple[int, dict[str, str], bytes]:
        """`_request` under the attempt's watchdog: once it has fired, whatever came is a timeout."""
        import urllib3.exceptions as ue

        dog = _Watchdog(self.limits.deadline)
        try:
            with dog:
                got = self._request(url, current, headers, start, pool)
        except (ue.HTTPError, OSError):
            if not dog.fired:
                raise
        if dog.fired:  # the watchdog shut the socket: what came, if anything, is not the whole response
            raise _Timeout(f"no complete response within {self.limits.deadline:g} s") from None
        return got

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
