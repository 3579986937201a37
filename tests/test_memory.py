"""Developing stories (issue 17): the story memory, linking across days, the update and its background, and what
survives re-runs, going back in time, a damaged memory, `cache clear` and two runs at once."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from summarise import memory
from summarise.cli import app
from summarise.store import default_path

from .test_digest import cert  # noqa: F401

runner = CliRunner()

FLOOD = {
    1: ("Ohm River floods Riverton after record rain",
        ["The Ohm River burst its banks in Riverton on Monday after three days of record rain, flooding the old town.",
         "Mayor Clara Diaz said hundreds of homes in Riverton were under water and schools were closed.",
         "Forecasters in Riverton expect more rain over the Ohm valley before the weekend."]),
    2: ("Riverton evacuates thousands as Ohm River keeps rising",
        ["Riverton ordered the evacuation of four thousand residents on Tuesday as the Ohm River kept rising.",
         "Mayor Clara Diaz said army boats had rescued 120 people from flooded homes in the old town of Riverton.",
         "Shelters in Riverton schools and churches took in families who left the Ohm valley overnight."]),
    3: ("Riverton counts the cost as Ohm River flood recedes",
        ["The Ohm River fell below its banks in Riverton on Wednesday, and residents began returning to the old town.",
         "Mayor Clara Diaz put the damage in Riverton at 40 million euros and asked the government for help.",
         "Engineers will inspect the Ohm bridges of Riverton before traffic is allowed back."]),
}
VOTE = {
    1: ("Norland votes in tight presidential election",
        ["Voters in Norland went to the polls on Monday in a presidential election between Ivar Holm and Sara Lind.",
         "Polling stations across Norland stayed open late as turnout reached its highest level in twenty years.",
         "Ivar Holm promised lower fuel taxes while Sara Lind campaigned on new railways for northern Norland."]),
    2: ("Sara Lind wins Norland presidency",
        ["Sara Lind won the presidential election in Norland with 52 percent of the vote, officials said on Tuesday.",
         "Ivar Holm conceded defeat in a speech to supporters in the Norland capital of Vesterby.",
         "Sara Lind said her first law would fund the northern railway she promised during the Norland campaign."]),
}


def write_day(folder: Path, day: int, date: str, stories: dict[str, dict[int, tuple[str, list[str]]]]) -> Path:
    """A day's folder: two outlets' articles for each story that has news on `day`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, days in stories.items():
        if day not in days:
            continue
        title, lines = days[day]
        for outlet, order in (("a", lines), ("b", [*lines[1:], lines[0]])):
            (folder / f"{name}-{outlet}.json").write_text(json.dumps(
                {"title": title, "text": "\n\n".join(order), "date": date, "source": f"{outlet}.example",
                 "url": f"https://{outlet}.example/{name}/{day}"}), encoding="utf-8")
    return folder


DATES = {1: "2030-03-04", 2: "2030-03-05", 3: "2030-03-06"}


def brief_day(tmp_path: Path, day: int, *extra: str, stories: Any = None) -> dict[str, Any]:
    folder = write_day(tmp_path / f"in{day}", day, DATES[day], stories or {"flood": FLOOD, "vote": VOTE})
    out = tmp_path / "out"
    res = runner.invoke(app, ["brief", str(folder), "--out", str(out), "--date", DATES[day], "-q", *extra])
    assert res.exit_code == 0, res.output
    return dict(json.loads((out / DATES[day] / "briefing.json").read_text(encoding="utf-8")))


def story_of(result: dict[str, Any], word: str) -> dict[str, Any]:
    (found,) = [c for c in result["clusters"] if word in c["title"]]
    return found


def test_a_story_keeps_its_id_says_what_is_new_and_carries_a_dated_cited_background(tmp_path: Path) -> None:
    day1 = brief_day(tmp_path, 1)
    assert len(day1["clusters"]) == 2 and all(c["continues"] is None and c["background"] == ""
                                              for c in day1["clusters"])
    day2 = brief_day(tmp_path, 2)
    flood1, flood2 = story_of(day1, "Riverton"), story_of(day2, "Riverton")
    vote1, vote2 = story_of(day1, "Norland"), story_of(day2, "Norland")
    assert flood2["id"] == flood1["id"] and vote2["id"] == vote1["id"] and flood1["id"] != vote1["id"]
    assert flood2["continues"] == {"first_seen": DATES[1], "last_seen": DATES[1], "day": 2}
    assert flood2["title"] == FLOOD[2][0] and "evacuat" in flood2["update"]  # today's headline and news
    assert flood2["update"] == flood2["short"]
    background = flood2["background"]
    assert background.startswith("4 Mar 2030: ") and "Ohm River burst its banks" in background
    earlier = {c["n"]: c for c in flood2["citations"] if c["earlier"]}
    cited = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", background)}
    assert cited and cited <= set(earlier) and all(earlier[n]["published"] == DATES[1] for n in cited)
    assert not any(word in background for word in ("Norland", "Sara Lind"))  # never another story's past
    day3 = brief_day(tmp_path, 3)
    flood3 = story_of(day3, "Riverton")
    assert flood3["id"] == flood1["id"] and flood3["continues"]["day"] == 3
    assert flood3["continues"]["first_seen"] == DATES[1] and flood3["continues"]["last_seen"] == DATES[2]
    assert all(c["continues"] is None for c in day3["clusters"] if c is not flood3) or len(day3["clusters"]) == 1


def test_markdown_html_and_text_show_update_status_and_background(tmp_path: Path) -> None:
    brief_day(tmp_path, 1)
    brief_day(tmp_path, 2)
    md = (tmp_path / "out" / DATES[2] / "briefing.md").read_text(encoding="utf-8")
    assert "*Update · day 2 · first reported 4 Mar 2030*" in md and "**Background:**" in md
    assert "- 4 Mar 2030: " in md and "Earlier sources:" in md
    one = (tmp_path / "out" / DATES[1] / "briefing.md").read_text(encoding="utf-8")
    assert one.count("*New today*") == 2 and "Background" not in one
    from summarise.html import render_html
    from summarise.mail import render_text

    result = _result(tmp_path, 2)
    html = render_html(result)
    assert "Update · day 2 · first reported 4 Mar 2030" in html and ">Background</p>" in html
    assert "color:#616e7c" in html.split(">Background</p>")[1].split("</div>")[0]  # secondary: muted
    text = render_text(result)
    assert "Background:" in text and "Earlier sources:" in text


def _result(tmp_path: Path, day: int) -> Any:
    from summarise import pipeline
    from summarise.config import Settings

    folder = tmp_path / f"in{day}"
    return pipeline.brief([folder], Settings(out=tmp_path / "out", date=DATES[day]))


def test_rerun_replaces_the_day_and_never_links_a_story_to_itself(tmp_path: Path) -> None:
    first = brief_day(tmp_path, 1)
    again = brief_day(tmp_path, 1)
    assert {c["id"] for c in again["clusters"]} == {c["id"] for c in first["clusters"]}
    assert all(c["continues"] is None for c in again["clusters"])
    brief_day(tmp_path, 2)
    day2 = brief_day(tmp_path, 2)
    flood = story_of(day2, "Riverton")
    assert flood["continues"] == {"first_seen": DATES[1], "last_seen": DATES[1], "day": 2}
    remembered = memory.history(default_path(tmp_path / "out"))
    assert sorted(len(r.days) for r in remembered) == [2, 2]


def test_an_earlier_date_uses_older_memory_only_and_damages_nothing(tmp_path: Path) -> None:
    brief_day(tmp_path, 1)
    brief_day(tmp_path, 2)
    before = {(r.id, e.day, e.short) for r in memory.history(default_path(tmp_path / "out")) for e in r.days}
    back = brief_day(tmp_path, 1)  # going back: day 1 again, after day 2
    assert all(c["continues"] is None for c in back["clusters"])  # nothing of day 2 leaks into day 1
    after = {(r.id, e.day, e.short) for r in memory.history(default_path(tmp_path / "out")) for e in r.days}
    assert after == before
    assert story_of(brief_day(tmp_path, 2), "Riverton")["continues"]["day"] == 2


def test_a_damaged_memory_is_one_line_and_the_day_is_briefed_without_it(tmp_path: Path) -> None:
    brief_day(tmp_path, 1)
    store = default_path(tmp_path / "out")
    import sqlite3

    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE memory_day SET entry = 'not json'")
    folder = write_day(tmp_path / "in2", 2, DATES[2], {"flood": FLOOD, "vote": VOTE})
    res = runner.invoke(app, ["brief", str(folder), "--out", str(tmp_path / "out"), "--date", DATES[2], "-q"])
    assert res.exit_code == 0 and "Traceback" not in res.output
    warned = [line for line in res.output.splitlines() if "story memory" in line]
    assert len(warned) == 1 and str(store) in warned[0] and "--no-memory" in warned[0]
    day2 = json.loads((tmp_path / "out" / DATES[2] / "briefing.json").read_text(encoding="utf-8"))
    assert len(day2["clusters"]) == 2 and all(c["continues"] is None for c in day2["clusters"])
    with sqlite3.connect(store) as conn:  # left as it was: nothing thrown away
        assert conn.execute("SELECT count(*) FROM memory_day WHERE entry = 'not json'").fetchone()[0] == 2


def test_a_newer_memory_is_refused_clearly(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite3"
    memory.remember(store, DATES[1], 14, [])
    import sqlite3

    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE memory_meta SET value = '99' WHERE key = 'version'")
    with pytest.raises(memory.MemoryUnreadable, match="newer summarise"):
        memory.recall(store, DATES[2], 14)


def test_cache_clear_and_no_memory_leave_the_memory_alone(tmp_path: Path) -> None:
    brief_day(tmp_path, 1)
    res = runner.invoke(app, ["cache", "clear", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0
    alone = brief_day(tmp_path, 2, "--no-memory")
    assert all(c["continues"] is None and c["background"] == "" for c in alone["clusters"])
    assert [len(r.days) for r in memory.history(default_path(tmp_path / "out"))] == [1, 1]  # not remembered
    assert story_of(brief_day(tmp_path, 2), "Riverton")["continues"]["day"] == 2  # cache clear kept it


def test_stories_lists_and_shows_the_followed_stories(tmp_path: Path) -> None:
    brief_day(tmp_path, 1)
    flood_id = story_of(brief_day(tmp_path, 2), "Riverton")["id"]
    listed = runner.invoke(app, ["stories", "--out", str(tmp_path / "out")])
    assert listed.exit_code == 0
    row = next(line.split("\t") for line in listed.stdout.splitlines() if line.startswith(flood_id))
    assert row[1:4] == [DATES[1], DATES[2], "2"] and row[4] == FLOOD[2][0]
    shown = runner.invoke(app, ["stories", "show", flood_id, "--out", str(tmp_path / "out")])
    assert shown.exit_code == 0 and shown.stdout.index(DATES[1]) < shown.stdout.index(DATES[2])
    missing = runner.invoke(app, ["stories", "show", "nope", "--out", str(tmp_path / "out")])
    assert missing.exit_code == 2 and "summarise stories" in missing.output and "Traceback" not in missing.output


def test_stories_older_than_the_window_are_forgotten(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite3"
    sig = memory.Signature(np.ones(4) / 2, {"riverton": 1.0})
    entry = memory.Entry("old", "2030-01-01", "t", "s[1]", "l[1]", (), ("a",), sig)
    memory.remember(store, "2030-01-01", 14, [entry])
    memory.remember(store, "2030-01-10", 14, [memory.Entry("new", "2030-01-10", "t", "s", "l", (), ("b",), sig)])
    assert {r.id for r in memory.history(store)} == {"old", "new"}
    memory.remember(store, "2030-01-20", 14, [])
    assert {r.id for r in memory.history(store)} == {"new"}
    memory.remember(store, "2030-01-02", 14, [])  # going back forgets nothing that is recent
    assert {r.id for r in memory.history(store)} == {"new"}


def test_linking_is_one_to_one_and_needs_the_threshold() -> None:
    a, b = np.eye(3)[0], np.eye(3)[1]
    past = [memory.Remembered("A", (memory.Entry("A", "2030-01-01", "", "", "", (), (), memory.Signature(a, {})),)),
            memory.Remembered("B", (memory.Entry("B", "2030-01-01", "", "", "", (), (), memory.Signature(b, {})),))]
    today = [memory.Signature(a, {}), memory.Signature(a * 0.99 + b * 0.14, {}), memory.Signature(np.eye(3)[2], {})]
    found, _ = memory.match(today, past, 0.6, 1.0)
    assert [f.id if f else None for f in found] == ["A", None, None]  # A once; nothing is B; the third is new


def test_the_main_thread_keeps_its_id() -> None:
    """Of two remembered stories alike enough, today's story continues the one with more articles, not the one
    a shade more alike (a smaller facet or sideline of the same event)."""
    a, b = np.eye(3)[0], np.eye(3)[1]
    main = memory.Entry("M", "2030-01-01", "", "", "", (), ("1", "2", "3"), memory.Signature(a * 0.9 + b * 0.44, {}))
    side = memory.Entry("S", "2030-01-01", "", "", "", (), ("4",), memory.Signature(a, {}))
    past = [memory.Remembered("S", (side,)), memory.Remembered("M", (main,))]
    today = [memory.Signature(a, {}), memory.Signature(a, {})]
    found, _ = memory.match(today, past, 0.8, 1.0)
    assert [f.id if f else None for f in found] == ["M", "S"]  # the larger first; the other still links
    first = memory.match(today, past, 0.95, 1.0)[0][0]
    assert first is not None and first.id == "S"  # the larger is not alike enough: never below the threshold


def test_the_background_takes_only_sentences_that_stand_alone() -> None:
    """In yesterday's long a sentence may lean on the one before it; alone in a background it would dangle."""
    from summarise.background import background
    from summarise.coherence import stands_alone

    long = ("The Ohm River burst its banks near Lindau on Monday, flooding 300 homes.[1] "
            "He said the water would keep rising for two more days.[1] "
            "\"We have never seen anything like it,\" she said.[1] "
            "Rescue crews from three provinces evacuated 1,200 people from the valley overnight.[1]")
    citation = {"n": 1, "article": "a1", "title": "Flood", "published": "2030-03-04"}
    entry = memory.Entry("S", "2030-03-04", "Flood", "", long, (citation,), ("a1",),
                         memory.Signature(np.eye(3)[0], {}))
    text, cited = background(memory.Remembered("S", (entry,)), "Water levels fell on Tuesday.[1]", 120)
    assert "burst its banks" in text and "evacuated 1,200 people" in text and len(cited) == 1
    assert "He said" not in text and "she said" not in text
    assert stands_alone("Officials said the dam held.") and not stands_alone("But the dam held.")
    assert not stands_alone("\"The dam held,\" he said.") and stands_alone("\"The dam held,\" the mayor said.")
    assert not stands_alone("We will rebuild the town before the winter comes.\"")  # a quotation opened before it


def test_the_background_does_not_retell_today_in_other_words() -> None:
    """Today's long says yesterday's news again, reworded: the background does not tell it a third time."""
    from summarise.background import background

    long = ("The Ohm River burst its banks near Lindau on Monday, flooding 300 homes.[1] "
            "Rescue crews from three provinces evacuated 1,200 people from the valley overnight.[1]")
    citation = {"n": 1, "article": "a1", "title": "Flood", "published": "2030-03-04"}
    entry = memory.Entry("S", "2030-03-04", "Flood", "", long, (citation,), ("a1",),
                         memory.Signature(np.eye(3)[0], {}))
    past = memory.Remembered("S", (entry,))
    today = "Floodwater swept into 300 houses in Lindau after the Ohm overflowed on Monday.[2]"  # 4 of 10 words
    assert "burst its banks" in background(past, "Water levels fell on Tuesday.[1]", 120)[0]
    text, _ = background(past, "Water levels fell on Tuesday.[1]", 120, today=today)
    assert "burst its banks" not in text and "evacuated 1,200 people" in text


def test_two_runs_at_once_keep_the_memory_whole(tmp_path: Path) -> None:
    brief_day(tmp_path, 1)
    folders = {d: write_day(tmp_path / f"in{d}", d, DATES[d], {"flood": FLOOD, "vote": VOTE}) for d in (2, 3)}
    codes: dict[int, int] = {}

    def run(day: int) -> None:
        from summarise import pipeline
        from summarise.config import Settings

        result = pipeline.brief([folders[day]], Settings(out=tmp_path / "out", date=DATES[day]))
        codes[day] = int(result.exit_code)

    threads = [threading.Thread(target=run, args=(d,)) for d in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert codes == {2: 0, 3: 0}
    days = {e.day for r in memory.history(default_path(tmp_path / "out")) for e in r.days}
    assert days == {DATES[1], DATES[2], DATES[3]}


def test_the_digest_sends_news_then_an_update_then_nothing(tmp_path: Path, cert: tuple[Path, Path]) -> None:
    from dataclasses import replace

    from summarise.config import Settings
    from summarise.digest import run_digest

    from .test_digest import Handler, parse, parts, serve

    handler = Handler()
    base = Settings(out=tmp_path / "out")
    day1 = write_day(tmp_path / "in1", 1, DATES[1], {"flood": FLOOD})
    day2 = write_day(tmp_path / "in2", 2, DATES[2], {"flood": FLOOD})
    with serve(handler, cert) as mail:
        first = run_digest([day1], replace(base, date=DATES[1], mail=mail))
        second = run_digest([day2], replace(base, date=DATES[2], mail=mail))
        third = run_digest([day2], replace(base, date=DATES[3], mail=mail))  # nothing new for the story
    assert (bool(first.sent), bool(second.sent), third.stories, len(handler.received)) == (True, True, 0, 2)
    text1, _ = parts(parse(handler.received[0][2]))
    text2, html2 = parts(parse(handler.received[1][2]))
    assert "New today" in text1 and "Background" not in text1
    assert "Update · day 2 · first reported 4 Mar 2030" in text2 and "Background:" in text2
    assert "evacuation" in text2.split("Background:")[0]  # the update comes first
    assert "burst its banks" in text2.split("Background:")[1]  # what came before, after it
    assert ">Background</p>" in html2
    assert "Riverton evacuates" in parse(handler.received[1][2])["Subject"]  # the top story's title


def test_a_new_story_takes_its_background_from_related_stories_and_keeps_its_own_id(tmp_path: Path) -> None:
    """A story of today that continues none (here nothing links: link_threshold 1.0) but is alike enough to a
    remembered one (`related_threshold`) carries that story's past as related background, cited and dated, and
    says it is new; another story's past never comes into it."""
    from summarise import pipeline
    from summarise.config import Settings
    from summarise.html import render_html
    from summarise.mail import render_text

    out = tmp_path / "out"
    for day in (1, 2):
        folder = write_day(tmp_path / f"in{day}", day, DATES[day], {"flood": FLOOD, "vote": VOTE})
        result = pipeline.brief([folder], Settings(out=out, date=DATES[day], link_threshold=1.0,
                                                   related_threshold=0.5))
    day1 = json.loads((out / DATES[1] / "briefing.json").read_text(encoding="utf-8"))
    day2 = json.loads((out / DATES[2] / "briefing.json").read_text(encoding="utf-8"))
    flood1, flood2 = story_of(day1, "Riverton"), story_of(day2, "Riverton")
    assert flood2["continues"] is None and flood2["id"] != flood1["id"] and flood2["related"] == [flood1["id"]]
    background = flood2["background"]
    assert background.startswith("4 Mar 2030: ") and "Ohm River burst its banks" in background
    assert not any(word in background for word in ("Norland", "Sara Lind"))
    earlier = {c["n"]: c for c in flood2["citations"] if c["earlier"]}
    cited = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", background)}
    assert cited and cited <= set(earlier) and all(earlier[n]["published"] == DATES[1] for n in cited)
    md = (out / DATES[2] / "briefing.md").read_text(encoding="utf-8")
    assert md.count("*New today*") == 2 and "**Background from related stories:**" in md
    assert ">Background from related stories</p>" in render_html(result)
    assert "Background from related stories:" in render_text(result)
    alone = pipeline.brief([tmp_path / "in2"], Settings(out=out, date=DATES[2], link_threshold=1.0,
                                                        related_threshold=1.0), write=False)
    assert all(b.background == "" and b.related == () for b in alone.briefings)  # 1.0: off


def test_only_a_story_that_continues_none_has_related_stories() -> None:
    a, b = np.eye(3)[0], np.eye(3)[1]
    war = {"iraq": 2.0, "baghdad": 1.0}
    past = [memory.Remembered("A", (memory.Entry("A", "2030-01-01", "", "", "", (), (), memory.Signature(a, war)),)),
            memory.Remembered("B", (memory.Entry("B", "2030-01-01", "", "", "", (), (),
                                                  memory.Signature(b, {**war, "mosul": 1.0})),))]
    today = [memory.Signature(a, war), memory.Signature(a * 0.8 + b * 0.6, {"iraq": 1.0, "basra": 1.0}),
             memory.Signature(np.eye(3)[2], {"oslo": 1.0}),
             memory.Signature(a * 0.8 + b * 0.6, {"fed": 1.0, "lehman": 1.0})]
    linked, related = memory.match(today, past, 0.9, 0.5)
    assert [f.id if f else None for f in linked] == ["A", None, None, None]
    assert [[r.id for r in rs] for rs in related] == [[], ["A", "B"], [], ["A", "B"]]  # most alike first
    assert [r.id for r in memory.match(today, past, 0.9, 0.7)[1][3]] == ["A"]  # 0.8 alike to A, 0.6 to B
    # Less alike than the threshold, a story is related only when it shares the war's names: the second (Iraq,
    # Basra) is, the fourth (the Fed, Lehman) is not; the third is unlike in meaning. 1.0 turns relating off.
    assert [[r.id for r in rs] for rs in memory.match(today, past, 0.9, 0.95)[1]] == [[], ["A", "B"], [], []]
    assert memory.match(today, past, 0.9, 1.0)[1] == [[], [], [], []]
