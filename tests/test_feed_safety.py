"""Feeds never reach private addresses, and take a bounded number of entries (issue 10, part 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarise import client
from summarise.cli import app
from summarise.config import Settings

from .test_feeds import Item, Site, feeds_file, page, paragraphs, redirect, rss, serve

DATE = "2024-05-02"
SECRET = "Admin console: root password reset"


@pytest.fixture
def admin() -> Iterator[Site]:
    """A private admin page on 127.0.0.1, which no feed entry may make us fetch."""
    with serve("127.0.0.1") as site:
        site.add("/admin/secret", page(SECRET, paragraphs("en", 99)))
        yield site


@pytest.fixture
def public(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A news site that counts as public: 127.0.0.2 (loopback, so the test stays on this machine) is
    treated as a public address; everything else keeps the real rule."""
    real = client.address_kind
    monkeypatch.setattr(client, "address_kind", lambda ip: None if ip == "127.0.0.2" else real(ip))
    with serve("127.0.0.2") as site:
        yield site


def brief_feeds(tmp_path: Path, feed: str, *extra: str) -> object:
    return CliRunner().invoke(app, ["brief", "--feeds", str(feeds_file(tmp_path, [feed])), "--out",
                                    str(tmp_path / "out"), "--date", DATE, "--since", "1000w", "-q",
                                    "--no-translate", *extra])


def saved_text(tmp_path: Path) -> str:
    folder = tmp_path / "out" / DATE
    return "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file() and p.suffix in
                     (".json", ".md"))


@pytest.mark.parametrize("how", ["direct", "localhost", "redirect"])
def test_feed_items_never_reach_private_addresses(tmp_path: Path, admin: Site, public: Site, how: str) -> None:
    port = admin.base.rsplit(":", 1)[1]
    target = {"direct": f"{admin.base}/admin/secret", "localhost": f"http://localhost:{port}/admin/secret",
              "redirect": f"{public.base}/moved"}[how]
    public.routes["/moved"] = redirect(f"{admin.base}/admin/secret")
    public.add("/story", page("Springfield passes budget", paragraphs("en", 1)))
    # The feed is on the user's own machine (127.0.0.1): a feed URL the user typed may be.
    admin.add("/feed.xml", rss("Local feed", [Item("good", f"{public.base}/story", "Budget"),
                                              Item("evil", target, "Click me")], now=datetime.now(timezone.utc)),
              "application/rss+xml")
    res = brief_feeds(tmp_path, f"{admin.base}/feed.xml")
    assert res.exit_code == 3, res.output
    refused = [line for line in res.output.splitlines() if "refused" in line]
    assert len(refused) == 1 and refused[0].startswith(f"warning: page {target}: refused: ")
    assert "loopback address 127.0.0.1" in refused[0] and "allow_private_hosts" in refused[0]
    assert admin.hits["/admin/secret"] == 0 and admin.hits["/feed.xml"] == 1
    assert SECRET not in saved_text(tmp_path) and "Springfield passes budget" in saved_text(tmp_path)
    data = json.loads((tmp_path / "out" / DATE / "briefing.json").read_text(encoding="utf-8"))
    assert any(a["path"] == target and a["status"] == "failed" for a in data["articles"])


def test_allow_private_hosts_lets_the_user_fetch_their_own_network(tmp_path: Path, admin: Site,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    admin.add("/feed.xml", rss("Intranet", [Item("in", f"{admin.base}/admin/secret", "Internal")],
                               now=datetime.now(timezone.utc)), "application/rss+xml")
    monkeypatch.setenv("SUMMARISE_ALLOW_PRIVATE_HOSTS", "1")
    res = brief_feeds(tmp_path, f"{admin.base}/feed.xml")
    assert res.exit_code == 0, res.output
    assert admin.hits["/admin/secret"] == 1 and SECRET in saved_text(tmp_path)


@pytest.mark.parametrize("ip,kind", [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.1.1", "private"), ("172.16.0.9", "private"),
    ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"),
    ("::1", "loopback"), ("fe80::1%eth0", "link-local"), ("::ffff:127.0.0.1", "loopback"), ("fc00::1", "private"),
    ("100.64.0.1", "non-public"), ("240.0.0.1", "reserved"), ("93.184.216.34", None), ("2606:4700::1111", None),
])
def test_address_rule(ip: str, kind: str | None) -> None:
    assert client.address_kind(ip) == kind


def test_entries_per_feed_are_capped(tmp_path: Path, public: Site, admin: Site,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().feeds.max_entries == 200
    now = datetime.now(timezone.utc)
    items = [Item(f"e{i}", f"{public.base}/p{i}", f"Entry {i}") for i in range(5000)]
    admin.add("/big.xml", rss("Huge", items, now=now), "application/rss+xml")
    monkeypatch.setenv("SUMMARISE_MAX_FEED_ENTRIES", "3")
    res = brief_feeds(tmp_path, f"{admin.base}/big.xml")
    assert sum(public.hits.values()) == 3  # not 5,000 requests
    assert (f"warning: feed {admin.base}/big.xml: took the 3 newest of its 5000 entries in the window and left "
            "out 4997; raise max_entries in [feeds] to take more") in res.output
