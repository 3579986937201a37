"""briefing.md shows what articles and file names say as text, never as markup (issue 10, part 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from summarise.cli import app
from summarise.markup import md_cited, md_code, md_link, md_text, one_line

DATE = "2025-03-04"
# An article's title and text as an attacker writes them.
TITLE = "Storm hits\r\n## Owned ![x](http://evil.example/pixel.png) <img src=x onerror=alert(1)> ](http://evil.example)"
BODY = ("[Click here](javascript:alert(1)) says the <b>council</b> of Lisbon, which approved a new budget for the "
        "city on Monday after a long debate about schools, roads and the hospital.\n\n"
        "The mayor said the plan <script>alert(2)</script> would protect jobs and keep the buses running at night, "
        "while the opposition said it raises taxes on small shops across the whole city.\n\n"
        "A final vote on the details of the budget is expected next month, and residents can comment on the "
        "proposal online until the end of the week, officials said on Monday.")
METRO = ("The city of Porto opened a new metro line on Friday, linking the airport with the centre.\n\n"
         "Officials said the line would carry forty thousand passengers a day once fully running.\n\n"
         "The project cost several hundred million euros and took six years to complete, the mayor said.")
BAD_NAME = "notes`\n## injected heading.png"  # a backtick and a newline in a file name


def render(markdown: str) -> tuple[str, list]:
    md = MarkdownIt("commonmark")
    return md.render(markdown), md.parse(markdown)


def inline_tokens(tokens: list) -> list:
    return [child for t in tokens if t.type == "inline" for child in (t.children or [])]


@pytest.mark.parametrize("text", [
    TITLE, BODY, "*bold* _it_ `code` ~~del~~ | a | b |", "1. not a list", "- nor this", "> nor a quote",
    "===", "&amp; &lt;b&gt; &#65;", "back\\slash \\[1\\]", "[ref]: http://evil.example", "<http://evil.example>",
    "    indented code?", "ends with a hash #", "C# and #hashtags ##",
    "line\u2028separator\u2029paragraph\x85next\x0bvt\x0cff",
])
def test_md_text_renders_as_the_same_text(text: str) -> None:
    _html, tokens = render(md_text(one_line(text)))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    children = inline_tokens(tokens)
    assert {c.type for c in children} <= {"text", "softbreak"}, children
    assert "".join(c.content for c in children) == one_line(text)


def test_a_heading_shows_its_title_whole() -> None:
    _, tokens = render("## 1. " + md_text("We're #1 ##"))
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"]
    assert "".join(c.content for c in inline_tokens(tokens)) == "1. We're #1 ##"


def test_one_line_flattens_every_line_break() -> None:
    assert one_line("a\r\nb\rc\nd\u2028e\u2029f\x85g\x0bh\x0ci\x1ej") == "a b c d e f g h i j"
    assert one_line("  spaced \t out  ") == "spaced out" and one_line(None) == ""


def test_md_cited_keeps_markers_and_paragraphs() -> None:
    text = "First <b>one</b>.[1][2] Second [x](javascript:alert(1)).[2]\n\nThird.[3]"
    html, tokens = render(md_cited(text))
    assert [t.type for t in tokens].count("paragraph_open") == 2
    assert "<b>" not in html and "<a" not in html
    assert "First &lt;b&gt;one&lt;/b&gt;.[1][2] Second [x](javascript:alert(1)).[2]" in html


@pytest.mark.parametrize("url,linked", [
    ("https://example.org/a_(b)?q=1&r=<2> 3", False), ("https://example.org/a_(b)?q=1&r=<2>", True),
    ("http://example.org/x", True), ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>", False), ("//evil.example/x", False), ("http://ex.org/\nnext", False),
    ("ftp://example.org/f", False), (None, False),
])
def test_md_link_links_only_http_urls(url: str | None, linked: bool) -> None:
    _, tokens = render(md_link("Title ](http://evil.example) <i>", url))
    children = inline_tokens(tokens)
    links = [c for c in children if c.type == "link_open"]
    assert len(links) == (1 if linked else 0)
    if linked:
        assert links[0].attrs["href"].startswith(("http://", "https://"))
    assert "Title ](http://evil.example) <i>" in "".join(c.content for c in children if c.type == "text")


def test_md_code_holds_backticks_and_newlines() -> None:
    _, tokens = render("- " + md_code(BAD_NAME) + ": skipped")
    assert [t.type for t in tokens if t.type.startswith("heading")] == []
    [code] = [c for c in inline_tokens(tokens) if c.type == "code_inline"]
    assert code.content == one_line(BAD_NAME)


def test_briefing_md_shows_hostile_articles_as_text(tmp_path: Path) -> None:
    """Through the CLI: hostile titles, text and file names reach briefing.md only as text."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.json").write_text(json.dumps({"title": TITLE, "text": BODY, "url": "javascript:alert(3)",
                                            "source": "Evil](http://evil.example)\n# Source"}), encoding="utf-8")
    (src / "b.json").write_text(json.dumps({"title": "Porto opens metro line", "text": METRO,
                                            "url": "https://news.example/lisbon?a=(1)"}), encoding="utf-8")
    (src / BAD_NAME).write_bytes(b"\x89PNG")
    res = CliRunner().invoke(app, ["brief", str(src), "--out", str(tmp_path / "out"), "--date", DATE, "-q",
                                   "--no-translate"])
    assert res.exit_code == 3, res.output  # the .png is not an article
    md = (tmp_path / "out" / DATE / "briefing.md").read_text(encoding="utf-8")
    html, tokens = render(md)
    children = inline_tokens(tokens)
    assert not [t for t in tokens if t.type.startswith("html")]
    assert not [c for c in children if c.type.startswith("html")]
    assert not [c for c in children if c.type == "image"]
    hrefs = [c.attrs["href"] for c in children if c.type == "link_open"]
    assert hrefs == ["https://news.example/lisbon?a=%281%29"]  # the one http(s) source, and nothing else
    headings = ["".join(c.content for c in tokens[i + 1].children if c.type == "text")
                for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == f"Briefing for {DATE}" and headings[-1] == "Inputs not briefed"
    assert sorted(h[3:] for h in headings[1:3]) == sorted([one_line(TITLE), "Porto opens metro line"])  # as text
    text = "".join(c.content for c in children if c.type in ("text", "code_inline"))
    assert one_line(TITLE) in text and one_line(BAD_NAME) in text  # the same characters, shown as text
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
