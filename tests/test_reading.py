"""What a reader sees, end to end: the seeds' briefing (a committed fixture), and a mixed en/pt/ru folder with
no translation model, where nothing foreign may pass for English."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarise
from summarise.cli import app
from summarise.config import Settings
from summarise.html import render_html
from summarise.mail import subject as mail_subject
from summarise.render import details, to_markdown
from summarise.text import paragraphs, sentences
from summarise.types import Briefing, Result

from .conftest import DEVDATA, ROOT, SEEDS
from .test_pipeline import GOOD_ARTICLE

SEEDS_FIXTURE = ROOT / "tests" / "data" / "seeds_briefing.md"
SEEDS_DATE = "2025-11-01"


def test_the_seeds_briefing_is_the_committed_one(tmp_path: Path) -> None:
    """tests/data/seeds_briefing.md is what `summarise brief seeds --date 2025-11-01` writes; to accept a change,
    run the tests with SUMMARISE_UPDATE_FIXTURES=1 and read the diff as a reader would."""
    res = CliRunner().invoke(app, ["brief", str(SEEDS), "--out", str(tmp_path), "--date", SEEDS_DATE, "-q"])
    assert res.exit_code == 0, res.output
    md = (tmp_path / SEEDS_DATE / "briefing.md").read_text(encoding="utf-8")
    if os.environ.get("SUMMARISE_UPDATE_FIXTURES") == "1":
        SEEDS_FIXTURE.write_text(md, encoding="utf-8")
    assert md == SEEDS_FIXTURE.read_text(encoding="utf-8")


def test_the_seeds_story_is_dated_in_order_titled_by_its_lede_and_cites_every_source() -> None:
    md = SEEDS_FIXTURE.read_text(encoding="utf-8")
    story = md.split("\n## ")[1]
    heading, rest = story.split("\n", 1)
    short = re.search(r"\*\*In short:\*\* (.*)", rest)
    assert short is not None and short.group(1).startswith("4 Feb 2025 — Japanese Prime Minister Shigeru Ishiba")
    assert heading.endswith("Japanese, US leaders gear up for crucial talks on regional security and economic "
                            "relations")  # the headline of the article the short leads with
    labels = re.findall(r"(?m)^\*\*(\d{1,2} \w{3} \d{4}|Undated):\*\*", rest)
    assert labels == ["7 Jan 2025", "Undated"]  # 4 Feb 2025 is the short's development: not told again under a label
    assert rest.count(short.group(1).split(" — ", 1)[1]) == 1  # what goes on from the short follows it, no repeat
    sources = rest.split("\nSources:\n", 1)[1]
    assert "observador.pt, 7 Jan 2025 (English)" in sources and "4 Feb 2025 (English)" in sources
    assert "undated (English)" in sources
    numbered = re.findall(r"(?m)^(\d+)\. ", sources)
    cited = set(re.findall(r"\[(\d+)\]", rest.split("\nSources:\n", 1)[0]))
    assert set(numbered) == cited  # every numbered source is cited; any other is under "Also reported by"


def _ntrex() -> dict[tuple[str, str], dict[str, str]]:
    rows = [json.loads(line) for line in (DEVDATA / "ntrex128" / "ntrex128_docs.jsonl").open(encoding="utf-8")]
    return {(r["doc_id"], r["lang"]): r for r in rows}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[summarise.types.Result, Path]:
    """One NTREX-128 story in English, Portuguese and Russian; one other only in Portuguese, one only in Russian."""
    if not (DEVDATA / "ntrex128").is_dir():
        pytest.skip("../shared/devdata is not there")
    docs = _ntrex()
    folder = tmp_path_factory.mktemp("mixed")
    picks = [("bbc.381790", "eng"), ("bbc.381790", "por"), ("bbc.381790", "rus"), ("rt.com.91337", "por"),
             ("nytimes.184853", "rus")]
    for doc_id, lang in picks:
        row = docs[(doc_id, lang)]
        text = row["title"] + "\n\n" + "\n\n".join(row["text"].splitlines())
        (folder / f"{doc_id}.{lang}.txt").write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    missing = {"pt": "Helsinki-NLP/opus-mt-ROMANCE-en", "ru": "Helsinki-NLP/opus-mt-ru-en"}  # not cached: offline
    result = summarise.brief([folder], Settings(out=out, date="2025-01-01", models=missing))
    return result, folder


def test_with_no_model_the_english_story_is_english_and_the_others_carry_the_banner(
        mixed: tuple[summarise.types.Result, Path]) -> None:
    result, folder = mixed
    assert result.exit_code == 3  # not everything was processed
    by_size = sorted(result.briefings, key=lambda b: -len(b.article_ids))
    assert [len(b.article_ids) for b in by_size] == [3, 1, 1]
    english = by_size[0]
    assert english.english and english.notice is None
    original = (folder / "bbc.381790.eng.txt").read_text(encoding="utf-8")
    said = [s for s in re.split(r"(?:\[\d+\])+\s*", english.short + " " + english.long) if s.strip()]
    assert said and all(s.strip() in original for s in said)  # every sentence is the English source's
    assert {c.language: c.cited for c in english.citations} == {"en": True, "pt": False, "ru": False}
    foreign = {b.language: b for b in by_size[1:]}
    assert set(foreign) == {"pt", "ru"} and not any(b.english for b in foreign.values())
    assert foreign["pt"].notice and foreign["pt"].notice.startswith(
        "Portuguese original, not translated: `hf download Helsinki-NLP/opus-mt-ROMANCE-en`")
    assert foreign["ru"].notice and foreign["ru"].notice.startswith("Russian original, not translated")


def test_the_banner_shows_in_markdown_html_and_json(mixed: tuple[summarise.types.Result, Path]) -> None:
    result, _ = mixed
    md = to_markdown(result)
    assert md.count("> **Not in English.**") == 2 and md.count("> **Note:**") == 2  # a note per missing model
    assert "(Portuguese, not translated)\n" in md and "(Russian, not translated)\n" in md
    assert "Also reported by:" in md
    page = render_html(result)
    assert '<p lang="pt"' in page and '<p lang="ru"' in page and "Not in English." in page
    data = json.loads(Path(result.outputs[1]).read_text(encoding="utf-8"))
    flags = sorted((c["language"], c["english"], c["notice"] is not None) for c in data["clusters"])
    assert flags == [("en", True, False), ("pt", False, True), ("ru", False, True)]
    assert len(data["notices"]) == 2


def test_no_translate_is_a_choice_that_exits_0_and_still_says_so(mixed: tuple[summarise.types.Result, Path],
                                                                  tmp_path: Path) -> None:
    _, folder = mixed
    result = summarise.brief([folder], Settings(out=tmp_path, date="2025-01-01", translate=False))
    assert result.exit_code == 0 and not result.notices
    foreign = [b for b in result.briefings if not b.english]
    assert len(foreign) == 2 and all(b.notice and "translation is off" in b.notice for b in foreign)


def test_a_story_kept_in_its_language_is_titled_by_its_own_headline(
        mixed: tuple[summarise.types.Result, Path]) -> None:
    result, _ = mixed
    russian = next(b for b in result.briefings if b.language == "ru")
    assert russian.title == "Кризис в гарлемских приходах: навсегда замолкли колокола Св. Мартина"


def test_the_long_goes_on_from_the_short_instead_of_repeating_it() -> None:
    """A story's long opens with its lede (the JSON's `long` stands alone), but under the short in briefing.md the
    reader does not meet that sentence a second time (test_details_never_say_the_short_again: how)."""
    md = SEEDS_FIXTURE.read_text(encoding="utf-8")
    for story in md.split("\n## ")[1:]:
        short = re.search(r"\*\*In short:\*\* (.*)\n\n(.*)\n", story)
        assert short is not None
        assert not short.group(2).startswith(short.group(1).split(" — ")[-1])


def test_details_never_say_the_short_again() -> None:
    same = Briefing("id", "t", "A did B.[1]", "A did B.[1] Then C.[1]", (), ())
    assert details(same) == "Then C.[1]"
    held = Briefing("id", "t", "A did B.[1]", "To be precise, X.[1] A did B.[1] Then C.[1]", (), ())
    assert details(held) == "To be precise, X.[1] Then C.[1]"  # after its source's sentences before it
    part = Briefing("id", "t", "B did C.[1]", "Then A said B did C.[1]", (), ())
    assert details(part) == part.long  # the end of another sentence is not the short
    other = Briefing("id", "t", "4 Feb 2025 — A did B.[1]", "7 Jan 2025: X.[2]\n\n4 Feb 2025: A did B.[1]", (), ())
    assert details(other) == "7 Jan 2025: X.[2]"  # nothing of 4 Feb but the short: the short stands for it
    timeline = Briefing("id", "t", "4 Feb 2025 — A did B.[1]",
                        "7 Jan 2025: X.[2]\n\n4 Feb 2025: A did B.[1] During it, C.[1]\n\nUndated: Y.[3]", (), ())
    assert details(timeline) == "During it, C.[1]\n\n7 Jan 2025: X.[2]\n\nUndated: Y.[3]"  # right under the short
    elsewhere = Briefing("id", "t", "4 Feb 2025 — A did B.[1]", "7 Jan 2025: A did B.[1]\n\n4 Feb 2025: Z.[2]",
                         (), ())
    assert details(elsewhere) == elsewhere.long  # only the development the short dates goes on from it


def _said(text: str) -> list[str]:
    """The sentences a reader meets, without citation markers, date labels and datelines."""
    plain = re.sub(r"\[\d+\]|\*\*[^*\n]+:\*\*|^\d{1,2} \w{3} \d{4} — ", " ", text, flags=re.M)
    return [s for p in paragraphs(plain) for s in sentences(p)]


def test_no_sentence_is_read_twice_in_the_seeds_briefing() -> None:
    """Issue 18 part 4: in the timeline story too, the short is not met again as its development's first sentence."""
    md = SEEDS_FIXTURE.read_text(encoding="utf-8")
    for story in md.split("\n## ")[1:]:
        text = story.split("\nSources:\n")[0].split("\n", 1)[1].replace("**In short:**", "")
        said = _said(text)
        assert len(said) > 3 and len(said) == len(set(said)), [s for s in said if said.count(s) > 1]


def test_the_seeds_read_as_english_counts() -> None:
    counts = re.search(r"\n(\d+) (story|stories) from (\d+) (article|articles)\.\n", SEEDS_FIXTURE.read_text("utf-8"))
    assert counts is not None and (counts[1] == "1") == (counts[2] == "story")
    assert counts.groups()[2:] == ("5", "articles")
    one = Result(date=SEEDS_DATE, documents=(), issues=(), briefings=(Briefing("b", "T", "S.[1]", "L.[1]", (), ()),))
    assert "\n1 story from 0 articles.\n" in to_markdown(one)  # not "1 stories"


RUSSIAN = ("Правительство утвердило бюджет\n\nПравительство утвердило бюджет страны на следующий год в среду. "
           "Министр финансов заявил, что расходы на образование вырастут на десять процентов. "
           "Депутаты обсудят документ на следующей неделе, сообщили в парламенте.\n")


def test_stories_a_reader_can_read_come_first(tmp_path: Path) -> None:
    """Issue 18 part 4: a Russian story of two articles, untranslated for want of a model, goes after an English one
    of one article in briefing.md, the JSON, the HTML, the email, and the subject names the English story."""
    from summarise.config import MailSettings
    from summarise.mail import build_message

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.ru.txt").write_text(RUSSIAN, encoding="utf-8")
    (tmp_path / "in" / "b.ru.txt").write_text(RUSSIAN.replace("в среду", "во вторник"), encoding="utf-8")
    (tmp_path / "in" / "c.en.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    missing = {"ru": "Helsinki-NLP/opus-mt-ru-en"}  # not cached: the hub is offline in tests
    result = summarise.brief([tmp_path / "in"], Settings(out=tmp_path / "out", date="2025-01-01", models=missing))
    assert result.exit_code == 3 and [(b.english, len(b.article_ids)) for b in result.briefings] == [(True, 1),
                                                                                                      (False, 2)]
    english, russian = result.briefings
    md = Path(result.outputs[0]).read_text(encoding="utf-8")
    assert md.index(english.title) < md.index("(Russian, not translated)")
    data = json.loads(Path(result.outputs[1]).read_text(encoding="utf-8"))
    assert [c["english"] for c in data["clusters"]] == [True, False]
    page = render_html(result)
    assert page.index(english.title) < page.index(russian.title)
    msg = build_message(result, MailSettings(sender="n@example.org", to=("a@example.org",)))
    assert msg["Subject"] == f"Briefing 2025-01-01, 2 stories: {english.title}"


def test_the_subject_is_cut_at_a_word() -> None:
    title = "Japanese, US leaders gear up for crucial talks on regional security and economic relations"
    cited = Briefing("b", title, "S.[1]", "L.[1]", ("a",), ())
    subject = mail_subject(Result(date="2025-01-01", documents=(), issues=(), briefings=(cited,)))
    lead = subject.split(": ", 1)[1]
    assert lead.endswith("…") and len(lead) <= 70 and title.startswith(lead[:-1])
    assert title[len(lead) - 1] == " "  # the next character of the title is a space: no word was cut
    word = Briefing("b", "x" * 100, "S.[1]", "L.[1]", ("a",), ())  # one word longer than the room: cut in it
    assert mail_subject(Result("2025-01-01", (), (), (word,))).endswith(": " + "x" * 69 + "…")


def test_banners_show_backticks_as_code() -> None:
    notice = ("Russian original, not translated: `hf download Helsinki-NLP/opus-mt-ru-en` once with network, "
              'or set `[models] ru = "/path"`')
    russian = Briefing("b", "Бюджет", "Текст.[1]", "Ещё.[1]", ("a",), (), english=False, language="ru",
                       notice=notice)
    page = render_html(Result(date="2025-01-01", documents=(), issues=(), briefings=(russian,)))
    assert "`" not in page and page.count("<code ") == 2
    codes = re.findall(r"<code [^>]*>(.*?)</code>", page)
    assert codes == ["hf download Helsinki-NLP/opus-mt-ru-en", "[models] ru = &quot;/path&quot;"]
    ET.fromstring(page.split("\n", 1)[1])  # still well-formed
    odd = Briefing("b", "T", "S.[1]", "L.[1]", ("a",), (), english=False, language="ru", notice="a ` b")
    assert "a ` b" in render_html(Result(date="2025-01-01", documents=(), issues=(), briefings=(odd,)))
