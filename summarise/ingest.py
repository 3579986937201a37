"""Reading article files: find them, decode them, pull out the article text and its metadata.

Formats, chosen by file suffix (case-insensitive):

- `.txt`: a page pasted as text; boilerplate is removed by `clean.clean`.
- `.md` / `.markdown`: Markdown reduced to text (headings, emphasis, links, images, quotes),
  with optional `---` front matter (`title`, `date`, `url`, `source`), then cleaned like text.
- `.html` / `.htm`: main text and metadata (title, date, canonical URL, site name) by trafilatura;
  its text is cleaned too, for leftovers such as share prompts.
- `.json`: one object, a list of objects, or an object holding such a list under `articles` or
  `items`; `.jsonl` / `.ndjson`: one object per line. Keys: `title`/`headline`,
  `text`/`content`/`body`/`article`, `url`/`link`, `date`/`published`/`published_at`/`pubDate`,
  `source`/`site`/`publisher` (a `{"name": ...}` object is fine). Each object becomes one Article
  whose path is the file's path plus `#n`: the 1-based line number in a `.jsonl`, the 1-based
  position in a `.json` list (`day.jsonl#3`, `day.json#1`).

Encodings are detected, not assumed (see `decoding`). Every file yields articles or an
`InputIssue`; problems are reported as `summarise.errors.InputError(path, reason, status)` with the
path relative to the input folder. The same article (same `Article.id`) read twice is reported
once as "same article as ...".
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .clean import Cleaned, clean
from .dates import find_date, headline
from .decoding import read_bytes, text_of
from .errors import InputError
from .markdown import front_matter, markdown_to_text
from .markup import visible
from .types import Article, InputIssue

__all__ = ["article_id", "discover", "extract_html", "first_copies", "read_file", "read_inputs", "read_records",
           "read_text"]

_FORMATS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
            ".html": "html", ".htm": "html", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


# --- finding files -----------------------------------------------------------------------

def _walk(folder: Path) -> Iterator[Path]:
    """Files under `folder`, recursively, skipping dotfiles and dot-folders; follows links once."""
    visited: set[str] = set()
    for current, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(current)
        if real in visited:  # a link back up the tree
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        yield from (Path(current) / name for name in files if not name.startswith("."))


def discover(inputs: Sequence[Path]) -> list[tuple[Path, Path]]:
    """(file, root) pairs: files under each folder (sorted), or a file given directly with its parent."""
    pairs: list[tuple[Path, Path]] = []
    seen: set[str] = set()
    for given in map(Path, inputs):
        if given.is_dir():
            found = sorted(_walk(given), key=lambda p: p.relative_to(given).as_posix())
            root = given
        else:  # a file, or a path that does not exist: reading it will say so
            found, root = [given], given.parent
        for path in found:
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                pairs.append((path, root))
    return pairs


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- articles -----------------------------------------------------------------------------

def article_id(title: str, text: str) -> str:
    """Stable id: first 12 hex digits of SHA-256 over the title and body, whitespace collapsed."""
    normal = " ".join(unicodedata.normalize("NFC", f"{title} {text}").split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:12]


def _title_from(text: str) -> str:
    """The body's first sentence, cut at a word boundary to at most 14 words."""
    from .text import paragraphs, sentences

    first = paragraphs(text)[0]
    words = next(iter(sentences(first)), first).split()
    return " ".join(words[:14]) + ("…" if len(words) > 14 else "")


def _same(a: str, b: str) -> bool:
    a, b = (" ".join(s.lower().split()) for s in (a, b))
    return a in b or b in a  # "Headline | Site" against "Headline"


def url_date(url: str | None) -> str | None:
    """The publication day a news URL carries (/2025/01/07/, /2025-01-07-slug), by htmldate's URL rules."""
    if not url:
        return None
    from htmldate.extractors import extract_url_date  # installed with trafilatura
    from htmldate.utils import Extractor

    latest = datetime.now() + timedelta(days=2)  # a URL dated in the future is not a publication date
    return extract_url_date(url, Extractor(False, latest, datetime(1995, 1, 1), True, "%Y-%m-%d"))


def _article(rel: str, cleaned: Cleaned, encoding: str, meta: dict[str, str | None]) -> Article:
    """An Article from cleaned text; metadata given by the file wins over what clean() found; the URL's date is
    the last resort."""
    text, title = visible(cleaned.text), visible(meta.get("title") or cleaned.title or "")  # no bidi overrides
    if meta.get("title") and cleaned.title and not _same(meta["title"] or "", cleaned.title):
        text = f"{cleaned.title}\n\n{text}".strip()  # clean() took a body line for the headline
    if not text:
        raise InputError(rel, "no article text after removing boilerplate", "skipped")
    title, url = title or _title_from(text), meta.get("url") or cleaned.url
    shown = headline(title)  # "Headline Thursday 13 January 2005 03.10 GMT The…": "Headline"; the id as it was
    return Article(id=article_id(title, text), path=rel, title=shown, text=text, url=url and visible(url),
                   source=meta.get("source") or cleaned.source,
                   published=meta.get("published") or cleaned.published or url_date(url),
                   encoding=encoding,
                   removed_lines=cleaned.removed)


def read_text(text: str, rel: str, encoding: str = "utf-8") -> list[Article]:
    """Articles from decoded plain text (a saved HTML page is read as HTML); `rel` becomes their path."""
    if re.match(r"\s*<(?:!doctype html|html)\b", text, re.IGNORECASE):
        return _read_html(text, rel, encoding)  # a saved page with the wrong suffix
    return [_article(rel, clean(text), encoding, {})]


# --- Markdown -----------------------------------------------------------------------------

def _read_markdown(text: str, rel: str, encoding: str) -> list[Article]:
    fields, body = front_matter(text)
    meta = {"title": fields.get("title"), "url": fields.get("url") or fields.get("link"),
            "source": fields.get("source"), "published": _iso(fields.get("date") or fields.get("published"))}
    return [_article(rel, clean(markdown_to_text(body)), encoding, meta)]


# --- HTML ---------------------------------------------------------------------------------

def extract_html(html: str, url: str | None = None) -> dict[str, Any]:
    """trafilatura's main text and metadata (`text`, `title`, `date`, `url`, `sitename`, `hostname`) of a page,
    {} when it finds none: the one extraction, for HTML files and fetched pages (whose `url` is known) alike.
    The date comes from the page's metadata and URL, not from a search of its text (which picks up any date)."""
    from trafilatura import bare_extraction  # heavy (lxml); only for HTML

    found = bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=True,
                            date_extraction_params={"extensive_search": False, "original_date": True})
    # trafilatura 1.x returns a dict, 2.x a Document
    return found if isinstance(found, dict) else found.as_dict() if found is not None else {}


def _read_html(text: str, rel: str, encoding: str) -> list[Article]:
    doc = extract_html(text)
    if not (doc.get("text") or "").strip():
        raise InputError(rel, "no article text after removing boilerplate", "skipped")
    cleaned = clean(doc["text"])
    published = doc.get("date")
    if cleaned.published and published and cleaned.published.startswith(published):
        published = cleaned.published  # the page's own line also gives the time of day
    meta = {"title": doc.get("title"), "url": doc.get("url"), "source": doc.get("sitename") or doc.get("hostname"),
            "published": published or cleaned.published}
    return [_article(rel, cleaned, encoding, meta)]


# --- JSON ---------------------------------------------------------------------------------

_TOO_DEEP = "JSON nested too deeply to read (an article is a flat object)"
_KEYS = {
    "title": ("title", "headline"),
    "text": ("text", "content", "body", "article", "maintext", "full_text", "description"),
    "url": ("url", "link", "href", "canonical_url", "source_url"),
    "published": ("published", "date", "published_at", "publishedAt", "pubDate", "datetime", "date_publish",
                  "created_at", "time"),
    "source": ("source", "site", "sitename", "publisher", "outlet", "domain", "source_name"),
}


def _pick(record: dict[str, Any], field: str) -> str | None:
    for key in _KEYS[field]:
        value = record.get(key)
        if isinstance(value, dict):  # {"source": {"id": "bbc", "name": "BBC News"}}
            value = value.get("name") or value.get("title")
        if isinstance(value, (int, float)) and field == "published":  # a Unix time, in s or ms
            moment = datetime.fromtimestamp(value / (1000 if value > 1e11 else 1), timezone.utc)
            return moment.strftime("%Y-%m-%dT%H:%M")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _iso(value: str | None) -> str | None:
    return find_date(value) if value else None


def _html_fragment(text: str) -> str:
    """Paragraph tags to lines and other tags dropped, for `content` fields that hold HTML."""
    if not re.search(r"<(?:p|br|div|a|span|li)\b", text, re.IGNORECASE):
        return text
    text = re.sub(r"<(?:br\s*/?|/p|/div|/li|/h\d)>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^<>]+>", "", text))  # [^<>]: linear on "<<<<..."


def _record(record: Any, rel: str, encoding: str) -> Article:
    if not isinstance(record, dict):
        raise InputError(rel, f"expected a JSON object, found {type(record).__name__}", "skipped")
    body = _pick(record, "text")
    if body is None:
        raise InputError(rel, "no text field (expected one of text, content, body)", "skipped")
    meta = {"title": _pick(record, "title"), "url": _pick(record, "url"), "source": _pick(record, "source"),
            "published": _iso(_pick(record, "published"))}
    return _article(rel, clean(_html_fragment(body)), encoding, meta)


def _records(items: list[tuple[int, Any]], rel: str, encoding: str) -> tuple[list[Article], list[InputIssue]]:
    articles: list[Article] = []
    issues: list[InputIssue] = []
    for n, item in items:
        try:
            articles.append(_record(item, f"{rel}#{n}", encoding))
        except InputError as exc:
            issues.append(_issue(exc))
    if not items:
        issues.append(InputIssue(rel, "skipped", "no articles in the file"))
    return articles, issues


def _read_json(text: str, rel: str, encoding: str) -> tuple[list[Article], list[InputIssue]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(rel, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", "failed") from None
    except RecursionError:  # "[" * 100_000: the parser gives up, and so does this file (only this one)
        raise InputError(rel, _TOO_DEEP, "failed") from None
    if isinstance(data, dict):
        listed = next((data[k] for k in ("articles", "items") if isinstance(data.get(k), list)), None)
        data = listed if listed is not None else [data]
    if not isinstance(data, list):
        raise InputError(rel, f"expected a JSON object or a list of objects, found {type(data).__name__}", "failed")
    return _records(list(enumerate(data, 1)), rel, encoding)


def _read_jsonl(text: str, rel: str, encoding: str) -> tuple[list[Article], list[InputIssue]]:
    """One object per line; a bad line is reported by its number and the good lines around it are kept."""
    items: list[tuple[int, Any]] = []
    bad: list[InputIssue] = []
    for n, line in enumerate(text.split("\n"), 1):  # only \n ends a record: U+2028 may sit inside a string
        if not line.strip():
            continue
        try:
            items.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            bad.append(InputIssue(f"{rel}#{n}", "failed", f"invalid JSON on line {n}, column {exc.colno}: {exc.msg}"))
        except RecursionError:
            bad.append(InputIssue(f"{rel}#{n}", "failed", f"line {n}: {_TOO_DEEP}"))
    if bad and not items:
        return [], bad
    articles, issues = _records(items, rel, encoding)
    return articles, sorted(bad + issues, key=lambda i: _line_number(i.path))


def _line_number(path: str) -> int:
    return int(path.rpartition("#")[2]) if path.rpartition("#")[2].isdigit() else 0


# --- entry points -------------------------------------------------------------------------

def _issue(exc: InputError) -> InputIssue:
    return InputIssue(exc.path, "skipped" if exc.status == "skipped" else "failed", exc.reason)


_READERS: dict[str, Callable[[str, str, str], list[Article] | tuple[list[Article], list[InputIssue]]]] = {
    "text": read_text, "markdown": _read_markdown, "html": _read_html, "json": _read_json, "jsonl": _read_jsonl}


def read_records(path: Path, root: Path, max_bytes: int) -> tuple[list[Article], list[InputIssue]]:
    """Every article in one file, and an issue for the file or for each record that could not be used."""
    rel = _relative(Path(path), Path(root))
    kind = _FORMATS.get(Path(path).suffix.lower())
    try:
        if not os.path.lexists(path):
            raise InputError(rel, "no such file or folder", "failed")
        if kind is None:
            suffix = Path(path).suffix.lower() or "no suffix"
            raise InputError(rel, f"not an article file ({suffix})", "skipped")
        text, encoding = text_of(read_bytes(Path(path), rel, max_bytes), rel, kind == "html")
        found = _READERS[kind](text, rel, encoding)  # a list of articles, or with it the records' issues
        return found if isinstance(found, tuple) else (found, [])
    except InputError as exc:
        return [], [_issue(exc)]


def read_file(path: Path, root: Path, max_bytes: int) -> list[Article]:
    """The articles in one file; raises InputError when it yields none (see read_records for per-record issues)."""
    articles, issues = read_records(path, root, max_bytes)
    if articles:
        return articles
    first = issues[0]
    rel = _relative(Path(path), Path(root))
    if first.path == rel:
        raise InputError(rel, first.reason, first.status)
    raise InputError(rel, f"no usable article in {len(issues)} records; first: {first.path}: {first.reason}",
                     first.status)


def read_inputs(inputs: Sequence[Path], max_bytes: int, progress: Callable[[int, int], None] | None = None
                ) -> tuple[list[Article], list[InputIssue]]:
    """All articles under the inputs, and an issue for every file or record not used; `progress(done, total)`
    as files are read."""
    pairs = discover(inputs)
    report = progress or (lambda done, total: None)

    def each() -> Iterator[tuple[list[Article], list[InputIssue]]]:
        report(0, len(pairs))
        for k, (path, root) in enumerate(pairs):
            yield read_records(path, root, max_bytes)
            report(k + 1, len(pairs))

    return first_copies(each())


def first_copies(read: Iterable[tuple[list[Article], list[InputIssue]]]) -> tuple[list[Article], list[InputIssue]]:
    """The articles of each file in turn, each content once (a later copy is a skipped issue), and every issue."""
    articles: list[Article] = []
    issues: list[InputIssue] = []
    first_seen: dict[str, str] = {}
    for found, problems in read:
        issues.extend(problems)
        for article in found:
            if article.id in first_seen:
                issues.append(InputIssue(article.path, "skipped", f"same article as {first_seen[article.id]}"))
            else:
                first_seen[article.id] = article.path
                articles.append(article)
    return articles, issues
