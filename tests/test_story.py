"""`brief_story`: a str is always article text, a Path always a file; what cannot be briefed is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarise
from summarise.cli import app
from summarise.errors import InputError, NoArticlesError

from .test_briefing import BUS_A, BUS_B

BOILERPLATE = "Share\nTwitter\nFacebook\nSubscribe\nCookie settings\nAccept all\nPrivacy policy\n"


def test_a_boilerplate_only_text_is_skipped_with_a_warning_and_the_rest_briefed() -> None:
    warnings: list[str] = []
    story = summarise.brief_story(["Porto approves 40 electric buses\n\n" + BUS_A, BOILERPLATE, "", BUS_B],
                                  warn=warnings.append)
    assert len(story.article_ids) == 2 and story.short and story.long
    assert len(warnings) == 2 and warnings[0].startswith("text 2:") and warnings[1].startswith("text 3:")


def test_a_long_text_is_text_and_never_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    long_text = ((" ".join(BUS_A.split()) + " ") * 9)[:5000]
    assert len(long_text) == 5000 and "\n" not in long_text
    (tmp_path / "a.txt").write_text("Secret file\n\nThis file must never be read as an article.", encoding="utf-8")
    story = summarise.brief_story([long_text, "a.txt"], warn=lambda m: None)
    assert len(story.article_ids) >= 1 and "Porto" in story.long
    assert "never be read" not in story.long + story.short  # "a.txt" is text, not the file of that name


def test_paths_are_files_and_a_missing_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Porto approves 40 electric buses\n\n" + BUS_A, encoding="utf-8")
    story = summarise.brief_story([tmp_path / "a.txt", BUS_B])
    assert len(story.citations) == 2
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        summarise.brief_story([tmp_path / "nope.txt", BUS_B])


def test_nothing_left_raises_and_the_cli_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NoArticlesError, match="every input was empty or only boilerplate"):
        summarise.brief_story([BOILERPLATE, "   "], warn=lambda m: None)
    (tmp_path / "junk.txt").write_text(BOILERPLATE, encoding="utf-8")
    res = CliRunner().invoke(app, ["story", str(tmp_path / "junk.txt")])
    assert res.exit_code == 4 and "junk.txt" in res.output and "Traceback" not in res.output
