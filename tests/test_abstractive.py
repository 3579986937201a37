"""Abstractive mode end to end with tiny BART and T5 models built in temp dirs; templates; the offline fallback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarise.abstractive import Seq2SeqWriter, load_template, tidy
from summarise.cli import app
from summarise.config import Settings
from summarise.errors import ConfigError
from summarise.pipeline import brief
from summarise.story import brief_story
from summarise.text import sentences, word_count

from .test_briefing import BUS_A, BUS_B, WEATHER
from .tiny_models import english_sentences
from .tiny_seq2seq import build_tiny_bart, build_tiny_t5

BART_WINDOW, T5_WINDOW = 64, 128


@pytest.fixture(scope="module")
def bart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bart(tmp_path_factory.mktemp("bart"), window=BART_WINDOW)


@pytest.fixture(scope="module")
def t5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_t5(tmp_path_factory.mktemp("t5"), window=T5_WINDOW)


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, title, text in (("a", "Porto approves 40 electric buses", BUS_A),
                              ("b", "Council backs electric bus purchase in Porto", BUS_B),
                              ("c", "Rain floods Lisbon", WEATHER)):
        (folder / f"{name}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    return folder


LONG_TEXT = " ".join(english_sentences(25, seed=3))


def test_shipped_templates_render_with_every_variable() -> None:
    for kind in ("short", "long"):
        template = load_template(kind)
        text = template.format(text="ARTICLES", max_words=60, n_sources=3, language="English")
        assert "ARTICLES" in text and "60 words" in text and "3 articles" in text


@pytest.mark.parametrize("body, named", [("Summarise in {max_words} words.", "{text}"),
                                         ("Summarise:\n{text}", "{max_words}"),
                                         ("In {max_words} words, for {audience}:\n{text}", "{audience}")])
def test_template_missing_or_unknown_variable_is_named(tmp_path: Path, body: str, named: str) -> None:
    (tmp_path / "long.txt").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(named)) as caught:
        load_template("long", tmp_path)
    assert "long.txt" in str(caught.value)


def test_tidy_keeps_whole_sentences_once_within_the_budget() -> None:
    text = "The mayor spoke. The mayor spoke. Buses will run at night from May. The plan was appro"
    assert tidy(text, 100) == "The mayor spoke. Buses will run at night from May."
    assert tidy(text, 5) == "The mayor spoke."


def test_bart_map_reduce_reads_every_sentence_within_the_window(bart: Path) -> None:
    writer = Seq2SeqWriter(str(bart), device="cpu", beams=1)
    assert not writer.prompted and writer.window == BART_WINDOW
    assert writer.count_tokens(LONG_TEXT) > 3 * BART_WINDOW  # needs several chunks
    out = writer.write(LONG_TEXT, "long", max_words=40)
    assert all(writer.count_tokens(call) <= BART_WINDOW for call in writer.calls)
    chunks = len(writer._chunks(LONG_TEXT, BART_WINDOW))
    assert len(writer.calls) > chunks > 1  # the map calls, then at least one reduce call
    assert " ".join(writer.calls[:chunks]).split() == LONG_TEXT.split()  # nothing dropped, nothing cut
    assert word_count(out) <= 40 and all(s.endswith((".", "!", "?")) for s in sentences(out) if s)


def test_t5_is_prompted_with_the_templates_and_map_reduces(t5: Path) -> None:
    writer = Seq2SeqWriter(str(t5), device="cpu", beams=1)
    assert writer.prompted and writer.window == T5_WINDOW
    writer.write(LONG_TEXT, "short", max_words=20, n_sources=3)
    assert len(writer.calls) > 2 and all(writer.count_tokens(call) <= T5_WINDOW for call in writer.calls)
    final = "Summarize in English, in at most 20 words, the news story that these 3 articles"
    assert writer.calls[-1].startswith(final)
    assert writer.calls[0].startswith("Write a news briefing in English, at most ")  # chunks get the long template
    assert LONG_TEXT.split(".")[0] in writer.calls[0]


def test_pipeline_briefs_every_story_with_a_summarisation_model(bart: Path, articles: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    inputs: list[str] = []
    generate = Seq2SeqWriter._generate

    def spy(self: Seq2SeqWriter, text: str, *args: Any) -> str:
        inputs.append(text)
        return generate(self, text, *args)

    monkeypatch.setattr(Seq2SeqWriter, "_generate", spy)
    settings = Settings(out=tmp_path / "out", date="2025-06-01", translate=False, cache=False,
                        summariser="abstractive", summary_model=str(bart), beam_size=1)
    result = brief([articles], settings)
    data = json.loads((tmp_path / "out" / "2025-06-01" / "briefing.json").read_text(encoding="utf-8"))
    assert len(result.briefings) == 2 and not result.warnings
    assert all(c["long"] and c["short"] and c["citations"] and c["guard_replacements"] >= 0 for c in data["clusters"])
    assert len(inputs) > 4  # a short and a long briefing per story; the bus story needs map-reduce
    assert any("Porto" in text for text in inputs) and any("Lisbon" in text for text in inputs)


def test_brief_story_with_an_instruction_model(t5: Path) -> None:
    settings = Settings(translate=False, cache=False, summariser="abstractive", summary_model=str(t5), beam_size=1)
    story = brief_story([BUS_A, BUS_B], settings)
    assert story.title and story.short and story.long and len(story.citations) == 2


def test_missing_model_offline_names_it_and_falls_back_to_extractive(articles: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    common = ["brief", str(articles), "--out", str(out), "--date", "2025-06-01", "-q", "--no-translate"]
    res = runner.invoke(app, [*common, "--summariser", "abstractive"])
    assert res.exit_code == 0, res.output
    warnings = [line for line in res.output.splitlines() if "distilbart" in line]
    assert len(warnings) == 1  # once, not once per story
    assert "sshleifer/distilbart-cnn-12-6" in warnings[0] and "download" in warnings[0]
    assert "extractively" in warnings[0]
    abstractive_run = json.loads((out / "2025-06-01" / "briefing.json").read_text(encoding="utf-8"))
    runner.invoke(app, [*common, "--summariser", "extractive"])
    extractive_run = json.loads((out / "2025-06-01" / "briefing.json").read_text(encoding="utf-8"))
    assert abstractive_run["clusters"] == extractive_run["clusters"] and len(extractive_run["clusters"]) == 2


def test_story_command_prints_markdown_or_json(articles: Path) -> None:
    runner = CliRunner()
    files = [str(articles / "a.txt"), str(articles / "b.txt")]
    md = runner.invoke(app, ["story", *files])
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# ") and "**In short:**" in md.output and "Sources:" in md.output
    js = runner.invoke(app, ["story", *files, "--json"])
    data = json.loads(js.output)
    assert {"title", "short", "long", "citations", "guard_replacements"} <= set(data)
    assert len(data["citations"]) == 2 and data["articles"] and data["guard_replacements"] == 0
