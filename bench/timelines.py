"""The Timeline17 developing stories for bench/developing.py: the data on a synthetic calendar, and scoring helpers.

Articles (`../shared/devdata/timelines/articles/<topic>.csv`) are tokenized one sentence a line; `detokenise`
undoes it. The k-th publication day of every topic becomes synthetic day k (BASE + k days), so each day folder
holds several topics and linking them is tested. Annotations (`annotations/<event>/annotator{1,2,3}.tsv`) give
each real day three people's Update and Background; a real day maps to the synthetic day of its articles.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

TIMELINES = Path(__file__).resolve().parent.parent.parent / "shared" / "devdata" / "timelines"
TOPICS = {"finan": "financial_crisis", "h1n1": "swine_flu", "haiti": "haitian_earthquake", "iraq": "iraq_war",
          "mj": "mj_death"}  # article topic -> annotated event (bp_oil_spill has no articles)
BASE = date(2030, 1, 1)
_MARKER = re.compile(r"\s*\[\d+\]")
# A timeline paragraph's date label ("7 Jan 2025: ", "Undated: "), a background's ("25 Jan: ") and a short's
# dateline ("4 Feb 2025 — "): synthetic dates, which no annotator could have written.
_DATE_LABEL = re.compile(r"(?m)(^|(?<=; ))(\d{1,2} [A-Z][a-z]{2}(?: \d{4})?|Undated)(?:: | — )")


@dataclass(frozen=True)
class Item:
    """One article on the synthetic calendar."""

    topic: str
    name: str  # file stem, e.g. haiti-003
    title: str
    text: str  # detokenised, one sentence a line, headline line included


@dataclass(frozen=True)
class Story:
    """One cluster of a day's briefing.json, as the bench reads it."""

    id: str
    short: str
    update: str  # the `update`, else the short
    background: str  # "" when absent
    continues: Mapping[str, Any] | None
    topics: Counter[str]  # articles per topic
    earlier: tuple[str, ...] = ()  # ids of the earlier days' articles its background cites

    @property
    def majority(self) -> str:
        return self.topics.most_common(1)[0][0] if self.topics else ""


def detokenise(line: str) -> str:
    """A Penn-Treebank-tokenized line as prose: `Egypt 's -LRB- AP -RRB- ,` -> `Egypt's (AP),`."""
    from nltk.tokenize.treebank import TreebankWordDetokenizer

    return str(TreebankWordDetokenizer().detokenize(line.split(), convert_parentheses=True))


def articles(topic: str) -> list[tuple[str, list[str]]]:
    """(real day, tokenized texts) of a topic, days in order."""
    csv.field_size_limit(1 << 30)
    days: dict[str, list[str]] = {}
    with (TIMELINES / "articles" / f"{topic}.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            days.setdefault(row["date"], []).append(row["text"])
    return sorted(days.items())


def item(topic: str, number: int, tokenized: str) -> Item:
    """An article as written to a day folder: its first line is the headline."""
    lines = [detokenise(line) for line in tokenized.splitlines() if line.strip()]
    return Item(topic, f"{topic}-{number:03d}", lines[0] if lines else "", "\n".join(lines))


def calendar(topics: Iterable[str] = TOPICS) -> tuple[list[list[Item]], dict[tuple[str, str], int]]:
    """Synthetic days (day k: the k-th publication day of every topic) and (topic, real day) -> k."""
    days: list[list[Item]] = []
    where: dict[tuple[str, str], int] = {}
    for topic in topics:
        number = 0
        for k, (real, texts) in enumerate(articles(topic)):
            where[(topic, real)] = k
            days.extend([] for _ in range(k + 1 - len(days)))
            for text in texts:
                days[k].append(item(topic, number, text))
                number += 1
    return days, where


def synthetic(k: int) -> str:
    """The date of synthetic day k, YYYY-MM-DD."""
    return (BASE + timedelta(days=k)).isoformat()


def write_day(folder: Path, items: Sequence[Item], k: int) -> None:
    """One .json file per article (`title`, `text`, `date`), named by topic."""
    folder.mkdir(parents=True, exist_ok=True)
    for it in items:
        record = {"title": it.title, "text": it.text, "date": synthetic(k)}
        (folder / f"{it.name}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def notes(event: str) -> dict[str, list[tuple[str, str]]]:
    """Real day -> [(update, background)] of the three annotators."""
    out: dict[str, list[tuple[str, str]]] = {}
    for n in (1, 2, 3):
        with (TIMELINES / "annotations" / event / f"annotator{n}.tsv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                day = row["Date"].strip().strip("[]")
                out.setdefault(day, []).append(((row["Update"] or "").strip(), (row["Background"] or "").strip()))
    return out


def plain(text: str) -> str:
    """A briefing text to score: citation markers and synthetic date labels dropped, whitespace collapsed."""
    return " ".join(_DATE_LABEL.sub(r"\1", _MARKER.sub("", text or "")).split())


def read_day(path: Path) -> list[Story]:
    """The stories of one briefing.json; a missing `update` is the short, a missing `background` is ""."""
    data = json.loads(path.read_text(encoding="utf-8"))
    topic_of = _topics(data)
    stories = []
    for c in data.get("clusters", []):
        short = c.get("short") or ""
        update = c.get("update")
        stories.append(Story(c["id"], short, short if update is None else update, c.get("background") or "",
                             c.get("continues"), Counter(topic_of.get(a, "?") for a in c.get("articles", [])),
                             tuple(x["article"] for x in c.get("citations", []) if x.get("earlier"))))
    return stories


def topic_story(stories: Sequence[Story], topic: str) -> Story | None:
    """The story holding most of the topic's articles (the first, most covered, on a tie); None if none does."""
    best = max(stories, key=lambda s: s.topics[topic], default=None)
    return best if best is not None and best.topics[topic] > 0 else None


def link_recall(days: Sequence[Sequence[Story]], topics: Iterable[str], least: int = 1) -> tuple[float, int]:
    """Share of a topic's next days (its story holds at least `least` of its articles on day k-1 and on day k) on
    which its story keeps its id; and how many such days there are."""
    kept = total = 0
    for topic in topics:
        for before, today in itertools.pairwise(days):
            a, b = topic_story(before, topic), topic_story(today, topic)
            if a is not None and b is not None and min(a.topics[topic], b.topics[topic]) >= least:
                total += 1
                kept += a.id == b.id
    return kept / total if total else float("nan"), total


def link_precision(days: Sequence[Sequence[Story]]) -> tuple[float, int]:
    """Share of reused ids (seen on an earlier day) whose story's majority topic is the one it had when first
    seen; and how many reused ids there are (NaN share when none)."""
    first: dict[str, str] = {}
    right = reused = 0
    for stories in days:
        for s in stories:
            if s.id in first:
                reused += 1
                right += s.majority == first[s.id]
        for s in stories:
            first.setdefault(s.id, s.majority)
    return right / reused if reused else float("nan"), reused


def topic_share(days: Sequence[Sequence[Story]], given: Sequence[Counter[str]], least: int = 3) -> float:
    """Mean share of a topic's articles of the day that its story holds, over days with >= `least` of them
    (`given`: articles written per topic and day, so that an article left out counts as not held)."""
    shares = []
    for stories, counts in zip(days, given, strict=True):
        for topic, n in counts.items():
            if n >= least:
                story = topic_story(stories, topic)
                shares.append(story.topics[topic] / n if story else 0.0)
    return sum(shares) / len(shares) if shares else float("nan")


def related_elsewhere(days: Sequence[Sequence[Story]], topic_of: Mapping[str, str]) -> tuple[int, int]:
    """(new stories whose background, drawn from related remembered stories, cites an earlier article of another
    topic than the story's, new stories with such a background); `topic_of`: article id -> topic, all days."""
    related = [s for day in days for s in day if s.continues is None and s.background]
    return sum(1 for s in related if any(topic_of.get(a) != s.majority for a in s.earlier)), len(related)


def article_topics(path: Path) -> dict[str, str]:
    """Article id -> topic, of one briefing.json."""
    return _topics(json.loads(path.read_text(encoding="utf-8")))


def _topics(data: Mapping[str, Any]) -> dict[str, str]:
    """Article id -> topic (the file name's prefix, e.g. haiti-003), of a briefing.json's data."""
    return {a["id"]: Path(a["path"]).name.split("-", 1)[0] for a in data.get("articles", [])}


def mixed(days: Sequence[Sequence[Story]]) -> tuple[int, int]:
    """(stories holding articles of two or more topics, stories), over all days."""
    stories = [s for day in days for s in day]
    return sum(1 for s in stories if len(+s.topics) > 1), len(stories)
