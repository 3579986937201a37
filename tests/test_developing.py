"""bench/developing.py's own logic: the data as the tool reads it, the topic's story, links, floors and ceilings."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from .conftest import DEVDATA, ROOT

spec = importlib.util.spec_from_file_location("developing", ROOT / "bench" / "developing.py")
assert spec and spec.loader
developing = importlib.util.module_from_spec(spec)
sys.modules["developing"] = developing
spec.loader.exec_module(developing)
tl = developing.tl


def story(sid: str, **topics: int) -> object:
    return tl.Story(sid, f"short {sid}", f"short {sid}", "", None, Counter(topics))


def test_detokenise_undoes_treebank_tokens() -> None:
    line = "Cairo , Egypt 's -LRB- AP -RRB- - They do n't say `` protest '' ; fees rose 5 % ."
    assert tl.detokenise(line) == "Cairo, Egypt's (AP) - They don't say \"protest\"; fees rose 5%."


def test_an_article_keeps_its_headline_line_and_its_date_is_synthetic(tmp_path: Path) -> None:
    it = tl.item("haiti", 3, "Quake hits Haiti\nThe quake struck at 16:53 , officials said .\n")
    assert (it.name, it.title, it.text) == ("haiti-003", "Quake hits Haiti",
                                            "Quake hits Haiti\nThe quake struck at 16:53, officials said.")
    tl.write_day(tmp_path, [it], 2)
    record = json.loads((tmp_path / "haiti-003.json").read_text(encoding="utf-8"))
    assert record == {"title": it.title, "text": it.text, "date": "2030-01-03"}


def test_plain_drops_markers_and_synthetic_date_labels() -> None:
    assert tl.plain("1 Jan 2030 — Aid arrived.[1][2]") == "Aid arrived."
    assert tl.plain("1 Jan: The quake struck.[3]; 2 Jan: Aid came.[4]") == "The quake struck.; Aid came."
    assert tl.plain("Undated: Rain fell. [5]\n\nIt rained 5 [mm].") == "Rain fell. It rained 5 [mm]."


def test_read_day_treats_main_output_as_new_stories(tmp_path: Path) -> None:
    data = {"articles": [{"id": "a", "path": "haiti-000.json"}, {"id": "b", "path": "sub/mj-004.json"}],
            "clusters": [{"id": "s1", "short": "Old short.[1]", "articles": ["a", "b"]},
                         {"id": "s2", "short": "S.", "update": "U.[1]", "background": "B.", "articles": ["b"],
                          "continues": {"first_seen": "2030-01-01", "last_seen": "2030-01-02", "day": 3}}]}
    (tmp_path / "briefing.json").write_text(json.dumps(data), encoding="utf-8")
    first, second = tl.read_day(tmp_path / "briefing.json")
    assert (first.update, first.background, first.continues) == ("Old short.[1]", "", None)
    assert first.topics == Counter(haiti=1, mj=1) and second.topics == Counter(mj=1)
    assert (second.update, second.background, second.continues["day"]) == ("U.[1]", "B.", 3)


def test_the_topics_story_holds_most_of_its_articles_first_on_a_tie() -> None:
    day = [story("x", haiti=2, mj=1), story("y", haiti=3), story("z", mj=1)]
    assert tl.topic_story(day, "haiti").id == "y"
    assert tl.topic_story(day, "mj").id == "x"
    assert tl.topic_story(day, "iraq") is None


def test_link_recall_counts_next_days_and_precision_counts_reused_ids_in_their_topic() -> None:
    days = [[story("a", haiti=3), story("b", mj=2)],
            [story("a", haiti=2), story("c", mj=2)],  # haiti kept, mj lost
            [story("a", mj=4, haiti=1), story("d", haiti=2)],  # a drifts to mj: a wrong link; haiti lost
            [story("e", iraq=1)]]  # nothing to follow: iraq starts, haiti and mj end
    assert tl.link_recall(days, ["haiti", "mj", "iraq"]) == (1 / 4, 4)
    assert tl.link_precision(days) == (1 / 2, 2)
    assert tl.link_precision(days[:1])[1] == 0
    # Recall where the topic's story holds at least 2 of its articles on both days: one article a day is left out.
    thin = [[story("a", haiti=1)], [story("b", haiti=1)], [story("b", haiti=2)], [story("b", haiti=3)]]
    assert tl.link_recall(thin, ["haiti"]) == (2 / 3, 3)
    assert tl.link_recall(thin, ["haiti"], least=2) == (1.0, 1)


def test_topic_share_counts_unbriefed_articles_and_mixed_stories_are_counted() -> None:
    days = [[story("a", haiti=3), story("b", haiti=1, mj=1)], [story("c", mj=2)]]
    given = [Counter(haiti=5, mj=1), Counter(mj=2)]  # two haiti articles of day 0 were not briefed
    assert tl.topic_share(days, given) == pytest.approx(3 / 5)  # mj never reaches 3 articles
    assert tl.mixed(days) == (1, 3)


def test_floors_and_ceilings() -> None:
    floors = {"update_rouge2": 4.0, "stale_share": 0.05}
    assert developing.check({"update_rouge2": 4.1, "stale_share": 0.04}, floors) == []
    failures = developing.check({"update_rouge2": 3.9, "stale_share": 0.06}, floors)
    assert [f.split(":")[0] for f in failures] == ["update_rouge2", "stale_share"] and "ceiling" in failures[1]
    assert developing.check({}, {"link_recall": 0.8})[0].startswith("link_recall: nan")
    pinned = developing.pin({"update_rouge2": 4.3, "stale_share": 0.02, "topic_share": 0.5}, floors,
                            ["topic_share"], False)
    assert pinned == {"update_rouge2": 4.2, "stale_share": 0.025, "topic_share": 0.495}
    assert developing.pin({"mixed_share": 0.0}, {}, ["mixed_share"], False) == {"mixed_share": 0.0}  # no slack
    # A floor that would loosen stays, and the others are re-pinned; --allow-lower loosens it.
    assert developing.pin({"update_rouge2": 3.0, "stale_share": 0.02}, floors, [], False) == {
        "update_rouge2": 4.0, "stale_share": 0.025}
    assert developing.pin({"update_rouge2": 3.0, "stale_share": 0.02}, floors, [], True)["update_rouge2"] == 2.9
    with pytest.raises(SystemExit, match="not measured"):
        developing.pin({"update_rouge2": 4.3, "stale_share": float("nan")}, floors, [], False)


@pytest.mark.skipif(not (DEVDATA / "timelines").is_dir(), reason="devdata not available")
def test_the_calendar_puts_every_topics_kth_day_on_day_k() -> None:
    days, where = tl.calendar(["haiti", "mj"])
    assert where[("haiti", "2010-01-12")] == 0 and where[("haiti", "2010-01-13")] == 1
    assert {it.topic for it in days[0]} == {"haiti", "mj"}
    assert {it.topic for it in days[-1]} == {"mj"}  # haiti has fewer days than mj
    assert len({it.name for day in days for it in day}) == sum(map(len, days))


def test_earlier_shorts_come_newest_first_within_the_limit() -> None:
    days = [[story("a", haiti=1)], [story("b", mj=1)], [story("c", haiti=2)], [story("d", haiti=1)]]
    assert developing.shorts_before(days, "haiti", 3) == ["short c", "short a"]  # day 1 has no haiti story
    assert developing.shorts_before(days, "haiti", 3, 1) == ["short c"]
    assert developing.shorts_before(days, "haiti", 0) == []
    assert developing.cut("one two three", 2) == "one two"
