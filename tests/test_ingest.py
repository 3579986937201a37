"""Reading article files: discovery, encodings, formats, bad inputs and stable ids."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path
from typing import Any

import pytest

from summarise.config import Settings
from summarise.dates import headline
from summarise.errors import InputError
from summarise.ingest import article_id, discover, read_file, read_inputs, read_records

from .conftest import SEEDS

MAX_BYTES = Settings().max_bytes

RU = ("Банк России сохранил ключевую ставку на уровне 21%. Решение совпало с ожиданиями аналитиков. "
      "Следующее заседание пройдет в марте.")
PT = ("O preço médio da gasolina subiu pela terceira semana consecutiva, segundo a agência. "
      "A alta acumulada em fevereiro já chega a 4,1%, e o diesel também ficou mais caro.")
EN = "Dock workers walked out on Wednesday after pay talks at the port collapsed without agreement."


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _only(path: Path, root: Path | None = None) -> tuple[str, str, str]:
    """The single issue reading `path` gives: (path, status, reason)."""
    articles, issues = read_records(path, root or path.parent, MAX_BYTES)
    assert not articles and len(issues) == 1, (articles, issues)
    return issues[0].path, issues[0].status, issues[0].reason


# --- discovery ---------------------------------------------------------------------------

def test_discover_recurses_sorted_and_skips_dotfiles(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "sub/c.md", "sub/deeper/d.json", ".hidden.txt", ".git/config.txt", "sub/.x/e.txt"):
        _write(tmp_path / "in" / name, EN)
    single = _write(tmp_path / "elsewhere" / "one.txt", EN)
    pairs = discover([tmp_path / "in", single, tmp_path / "in" / "a.txt"])
    rel = [(p.relative_to(r).as_posix(), r.name) for p, r in pairs]
    assert rel == [("a.txt", "in"), ("b.txt", "in"), ("sub/c.md", "in"), ("sub/deeper/d.json", "in"),
                   ("one.txt", "elsewhere")]


def test_missing_input_is_reported_not_dropped(tmp_path: Path) -> None:
    articles, issues = read_inputs([tmp_path / "nope.txt"], MAX_BYTES)
    assert not articles
    assert [(i.path, i.status) for i in issues] == [("nope.txt", "failed")]
    assert issues[0].reason == "no such file or folder"


# --- encodings ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "codec", "recorded"), [
    (RU, "utf-8", "utf-8"),
    (RU, "utf-8-sig", "utf-8-sig"),
    (RU, "utf-16", "utf-16"),  # with a BOM, little-endian on this machine
    (PT, "utf-16-be", "utf-16"),  # BOM added by hand below
    (RU, "utf-32", "utf-32"),
    (RU, "cp1251", "cp1251"),
    (RU, "koi8-r", "koi8-r"),
    ("Привет, мир. Это тест.", "cp1251", "cp1251"),
    ("Привет, мир. Это тест.", "koi8-r", "koi8-r"),
    (PT, "latin-1", "cp1252"),  # identical to Latin-1 for these letters; cp1252 also has curly quotes
    ("Ação já é difícil, disse o ministro à imprensa em Brasília.", "latin-1", "cp1252"),
    ("“Curly quotes” — and a dash, said the minister in São Paulo.", "cp1252", "cp1252"),
])
def test_encodings_come_through_intact(tmp_path: Path, text: str, codec: str, recorded: str) -> None:
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    [article] = read_file(_write(tmp_path / "a.txt", data), tmp_path, MAX_BYTES)
    assert article.text == text
    assert article.encoding == recorded


def test_same_article_in_other_encodings_has_same_id(tmp_path: Path) -> None:
    ids = {read_file(_write(tmp_path / f"{codec}.txt", RU.encode(codec)), tmp_path, MAX_BYTES)[0].id
           for codec in ("utf-8", "utf-16", "cp1251", "koi8-r")}
    assert len(ids) == 1


def test_html_meta_charset_is_used(tmp_path: Path) -> None:
    page = f'<html><head><meta charset="windows-1251"><title>Ставка</title></head><body><p>{RU}</p></body></html>'
    [article] = read_file(_write(tmp_path / "rate.html", page.encode("cp1251")), tmp_path, MAX_BYTES)
    assert article.text == RU and article.encoding == "cp1251"


def test_noise_bytes_without_nul_are_undecodable(tmp_path: Path) -> None:
    noise = bytes((7 * i * i + 13 * i) % 128 + 128 for i in range(3000))  # high bytes only, no NUL
    _path, status, reason = _only(_write(tmp_path / "noise.txt", noise))
    assert (status, reason.split(":")[0]) == ("failed", "undecodable bytes")


# --- bad inputs --------------------------------------------------------------------------

def test_empty_file(tmp_path: Path) -> None:
    assert _only(_write(tmp_path / "empty.txt", b"")) == ("empty.txt", "skipped", "empty file")
    assert _only(_write(tmp_path / "blank.txt", b"  \n\n \t\n")) == ("blank.txt", "skipped", "empty file")


def test_binary_file(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert _only(_write(tmp_path / "pic.txt", png)) == ("pic.txt", "failed", "binary file, not text")
    controls = (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 20) + EN.encode()
    assert _only(_write(tmp_path / "ctl.txt", controls)) == ("ctl.txt", "failed", "binary file, not text")


def test_undecodable_bytes(tmp_path: Path) -> None:
    broken_utf8 = ("Ação já é difícil. " * 5).encode("utf-8") + b"\xff\xfe broken" + "São Paulo.".encode()
    path, status, reason = _only(_write(tmp_path / "broken.txt", broken_utf8))
    assert (path, status) == ("broken.txt", "failed")
    at = broken_utf8.index(b"\xff")
    assert reason == f"undecodable bytes: invalid UTF-8 at byte {at} of an otherwise UTF-8 file"
    lone_surrogate = codecs.BOM_UTF16_LE + "Texto".encode("utf-16-le") + b"\x00\xd8"
    assert _only(_write(tmp_path / "bom.txt", lone_surrogate))[1:] == (  # the offset counts the BOM
        "failed", "undecodable bytes: not valid UTF-16 despite its byte-order mark (byte 12)")


def test_file_over_the_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(20_000_000)  # sparse: costs no disk

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(InputError) as caught:
        read_file(big, tmp_path, MAX_BYTES)
    assert (caught.value.path, caught.value.status) == ("big.txt", "skipped")
    assert caught.value.reason == "file is 20.0 MB, over the 10.0 MB limit; raise max_file_mb to read it"
    assert str(caught.value) == f"big.txt: {caught.value.reason}" and "\n" not in str(caught.value)


def test_only_boilerplate(tmp_path: Path) -> None:
    page = "Menu\nSearch\nShare\nCopy link\nRead next\n© 2025 Example Media. All rights reserved.\n"
    assert _only(_write(tmp_path / "x.txt", page))[1:] == ("skipped", "no article text after removing boilerplate")


def test_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would block: it must not be opened
    _write(tmp_path / "locked.txt", EN)
    real_open = Path.open

    def no_permission(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":  # root reads anything, so simulate chmod 000
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", no_permission)
    articles, issues = read_inputs([tmp_path], MAX_BYTES)
    assert not articles
    assert {(i.path, i.status, i.reason) for i in issues} == {
        ("broken.txt", "failed", "cannot read: no such file or directory (a broken link?)"),
        ("locked.txt", "failed", "cannot read: permission denied"),
        ("pipe.txt", "failed", "cannot read: not a regular file (a FIFO, socket or device)"),
    }


def test_not_an_article_file(tmp_path: Path) -> None:
    assert _only(_write(tmp_path / "photo.png", b"\x89PNG"))[1:] == ("skipped", "not an article file (.png)")
    assert _only(_write(tmp_path / "README", EN))[1:] == ("skipped", "not an article file (no suffix)")


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    _write(tmp_path / "day.json", '[\n  {"title": "A", "text": "x"},\n  {"title": "B" "text": "y"}\n]')
    assert _only(tmp_path / "day.json") == (
        "day.json", "failed", "invalid JSON at line 3, column 17: Expecting ',' delimiter")
    _write(tmp_path / "day.jsonl", json.dumps({"text": EN}) + "\n{broken\n")
    articles, issues = read_records(tmp_path / "day.jsonl", tmp_path, MAX_BYTES)  # the good line is kept
    assert [a.path for a in articles] == ["day.jsonl#1"]
    assert [(i.path, i.status, i.reason) for i in issues] == [
        ("day.jsonl#2", "failed",
         "invalid JSON on line 2, column 2: Expecting property name enclosed in double quotes")]


def test_every_file_yields_articles_or_an_issue(tmp_path: Path) -> None:
    contents: dict[str, str | bytes] = {"ok.txt": EN, "sub/ok2.md": PT, "empty.txt": "", "bin.txt": b"\x00\x01",
                                        "pic.png": b"x"}
    for name, content in contents.items():
        _write(tmp_path / name, content)
    articles, issues = read_inputs([tmp_path], MAX_BYTES)
    assert sorted([a.path for a in articles] + [i.path for i in issues]) == [
        "bin.txt", "empty.txt", "ok.txt", "pic.png", "sub/ok2.md"]


# --- formats -----------------------------------------------------------------------------

def test_seeds_read_as_articles() -> None:
    articles, issues = read_inputs([SEEDS], MAX_BYTES)
    assert not issues and len(articles) == 5
    by_path = {a.path: a for a in articles}
    seed0 = by_path["000_2daad9815c0b7da8.txt"]
    assert seed0.published == "2025-02-04T17:50" and seed0.removed_lines > 20 and "twitter" not in seed0.text
    seed1 = by_path["001_77f88dc7a2905bdc.txt"]
    # no headline on the page: the first sentence, cut to 14 words
    assert seed1.title == "The head of North American diplomacy, Antony Blinken, said this Tuesday that he hopes…"
    assert seed1.url and seed1.url.startswith("https://observador.pt/2025/01/07/")


def test_json_and_jsonl_records(tmp_path: Path) -> None:
    records = [
        {"title": "Port strike", "text": EN, "url": "https://a.example/1", "date": "2025-03-12", "source": "Post"},
        {"headline": "Gasolina sobe", "content": f"<p>{PT}</p>", "link": "https://b.example/2",
         "publishedAt": "2025-02-17T08:15:00Z", "source": {"id": "b", "name": "Agência B"}},
        {"title": "No text here"},
        ["not", "an", "object"],
    ]
    _write(tmp_path / "day.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in records[:2]) + "\n\n"
           + "\n".join(json.dumps(r) for r in records[2:]) + "\n")
    _write(tmp_path / "day.json", json.dumps({"articles": records[:2]}))
    _write(tmp_path / "one.json", json.dumps(records[0]))
    articles, issues = read_inputs([tmp_path / "day.jsonl", tmp_path / "day.json", tmp_path / "one.json"], MAX_BYTES)
    assert [(a.path, a.title, a.url, a.published, a.source) for a in articles] == [
        ("day.jsonl#1", "Port strike", "https://a.example/1", "2025-03-12", "Post"),
        ("day.jsonl#2", "Gasolina sobe", "https://b.example/2", "2025-02-17T08:15", "Agência B"),
    ]
    assert articles[1].text == PT
    assert [(i.path, i.status, i.reason) for i in issues] == [
        ("day.jsonl#4", "skipped", "no text field (expected one of text, content, body)"),
        ("day.jsonl#5", "skipped", "expected a JSON object, found list"),
        ("day.json#1", "skipped", "same article as day.jsonl#1"),
        ("day.json#2", "skipped", "same article as day.jsonl#2"),
        ("one.json#1", "skipped", "same article as day.jsonl#1"),
    ]


def test_a_page_time_stamp_leaves_the_title(tmp_path: Path) -> None:
    """A headline pasted with its page's time stamp shows without it; the article keeps the id it always had."""
    stamped = ("Page last updated at 23:19 GMT, Tuesday, 19 January 2010 (an error occurred while processing this "
               "directive) Port strike ends")
    _write(tmp_path / "a.json", json.dumps({"title": stamped, "text": EN}))
    _write(tmp_path / "b.json", json.dumps({"title": "Page last updated at 23:19 GMT", "text": EN + " More."}))
    articles, _ = read_inputs([tmp_path / "a.json", tmp_path / "b.json"], MAX_BYTES)
    assert [a.title for a in articles] == ["Port strike ends", "Page last updated at 23:19 GMT"]  # no date: kept
    assert articles[0].id == article_id(stamped, articles[0].text)
    pasted = ("Port strike ends after ten days Dockers accept a 6% rise Thursday 13 January 2005 03.10 GMT The "
              "strike at the port ended on Wednesday.")  # headline and standfirst, stamp, first sentence
    _write(tmp_path / "c.json", json.dumps({"title": pasted, "text": EN}))
    (guardian,), _ = read_inputs([tmp_path / "c.json"], MAX_BYTES)
    assert guardian.title == "Port strike ends after ten days Dockers accept a 6% rise"  # the headline, not the body
    assert headline(pasted.replace("rise", "rise, toll tops 1,500")).endswith("toll tops 1,500")
    prose = "The strike ended on Thursday 13 January 2005 03.10 GMT The port reopened."
    assert headline(prose) == prose  # a sentence that runs into the date is the title's own


# One paragraph whose subject is words that page furniture also uses: it is news, not a sign-up box.
SCAM = ("Police in Riverside warned on Tuesday that fake parcel texts telling people to click here to rebook a "
        "delivery have cost residents more than £40,000 this month. Officers said the messages copy the couriers' "
        "newsletter design and that nobody should sign up for redelivery through a link in a text.")


@pytest.mark.parametrize("name", ["day.jsonl", "day.json", "scam.txt"])
def test_single_paragraph_about_click_here_is_read(tmp_path: Path, name: str) -> None:
    record = {"title": "Police warn of 'click here' parcel texts", "text": SCAM, "date": "2025-03-04"}
    data = SCAM if name.endswith(".txt") else json.dumps(record if name.endswith("l") else [record])
    articles, issues = read_records(_write(tmp_path / name, data + "\n"), tmp_path, MAX_BYTES)
    assert not issues
    assert [a.text for a in articles] == [SCAM]


def test_read_file_raises_when_no_record_is_usable(tmp_path: Path) -> None:
    _write(tmp_path / "bad.jsonl", '{"title": "no text"}\n')
    with pytest.raises(InputError) as caught:
        read_file(tmp_path / "bad.jsonl", tmp_path, MAX_BYTES)
    assert caught.value.path == "bad.jsonl" and caught.value.status == "skipped"
    assert "bad.jsonl#1: no text field" in caught.value.reason


HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="windows-1252">
<title>Dock workers walk out as pay talks collapse | Felixmouth Post</title>
<link rel="canonical" href="https://www.felixpost.example/news/port-strike">
<meta property="og:site_name" content="Felixmouth Post">
<meta property="article:published_time" content="2025-03-12T09:14:00+00:00">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/login">Sign in</a></li></ul></nav></header>
<main><article><h1>Dock workers walk out as pay talks collapse</h1>
<p class="byline">By Sarah Milton</p>
<div class="share"><ul><li><a href="#">Share on Facebook</a></li><li><a href="#">Copy link</a></li></ul></div>
<p>More than 600 staff stopped work at dawn after a fifth round of negotiations ended without agreement.</p>
<p>The walkout follows the collapse of talks between the union and the company that runs the port’s berths.</p>
<p>“Nobody wanted to be standing out here in the rain,” said the union’s branch secretary, Maureen Cole.</p>
<p>Liked the story? Share it on social media!</p>
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Council confirms bin collection changes</a></li></ul></aside>
<footer><p>© 2025 Felixmouth Post. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


def test_html_page(tmp_path: Path) -> None:
    [article] = read_file(_write(tmp_path / "news" / "strike.html", HTML_PAGE.encode("cp1252")), tmp_path, MAX_BYTES)
    assert article.path == "news/strike.html" and article.encoding == "cp1252"
    assert article.title == "Dock workers walk out as pay talks collapse"
    assert (article.published, article.url, article.source) == (
        "2025-03-12", "https://www.felixpost.example/news/port-strike", "Felixmouth Post")
    assert article.text.split("\n\n") == [
        "More than 600 staff stopped work at dawn after a fifth round of negotiations ended without agreement.",
        "The walkout follows the collapse of talks between the union and the company that runs the port’s berths.",
        "“Nobody wanted to be standing out here in the rain,” said the union’s branch secretary, Maureen Cole.",
    ]


def test_markdown(tmp_path: Path) -> None:
    page = """---
title: "Council approves budget"
date: 2025-02-09
url: https://northbridge.example/budget
---
# Councillors approve budget with 4.99% tax rise

**Northbridge** residents will pay almost five per cent more in council tax from April after
councillors approved the authority's budget on [Thursday night](https://example.com/x).

![Council chamber](chamber.jpg)

> The rise, the *maximum* allowed without a local referendum, adds about £92 a year to a bill.

* £3.2m extra for adult social care
* £1.1m for road repairs
"""
    [article] = read_file(_write(tmp_path / "budget.md", page), tmp_path, MAX_BYTES)
    assert (article.title, article.published, article.url) == (
        "Council approves budget", "2025-02-09", "https://northbridge.example/budget")
    assert article.text.split("\n\n") == [
        "Councillors approve budget with 4.99% tax rise",
        "Northbridge residents will pay almost five per cent more in council tax from April after councillors "
        "approved the authority's budget on Thursday night.",
        "The rise, the maximum allowed without a local referendum, adds about £92 a year to a bill.",
        "- £3.2m extra for adult social care",
        "- £1.1m for road repairs",
    ]


def test_markdown_headline_without_front_matter(tmp_path: Path) -> None:
    [article] = read_file(_write(tmp_path / "a.md", f"## Port workers strike over pay\n\n{EN}\n"), tmp_path, MAX_BYTES)
    assert (article.title, article.text) == ("Port workers strike over pay", EN)


# --- ids ---------------------------------------------------------------------------------

def test_id_is_stable_and_content_derived(tmp_path: Path) -> None:
    seed = next(SEEDS.glob("000_*.txt")).read_bytes()
    first = read_file(_write(tmp_path / "a.txt", seed), tmp_path, MAX_BYTES)[0]
    again = read_file(_write(tmp_path / "copy" / "b.txt", seed.replace(b"\n", b"\r\n")), tmp_path, MAX_BYTES)[0]
    assert first.id == again.id == article_id(first.title, first.text)
    assert len(first.id) == 12 and int(first.id, 16) >= 0
    assert article_id("Title", "Body  text\n\nmore") == article_id("Title ", "Body text more")
    assert article_id("Title", "Body") != article_id("Title", "Body!")
    articles, issues = read_inputs([tmp_path], MAX_BYTES)
    assert [a.path for a in articles] == ["a.txt"]
    assert [(i.path, i.reason) for i in issues] == [("copy/b.txt", "same article as a.txt")]


def test_reading_reports_its_progress_per_file(tmp_path: Path) -> None:
    for k in range(3):
        _write(tmp_path / f"a{k}.txt", f"Headline {k}\n\n{EN} Story {k}.".encode())
    calls: list[tuple[int, int]] = []
    articles, _ = read_inputs([tmp_path], MAX_BYTES, lambda done, total: calls.append((done, total)))
    assert len(articles) == 3 and calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
