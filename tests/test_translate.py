"""Translation: alignment, batching, no truncation, model resolution and document preparation, on tiny models."""

from __future__ import annotations

import math
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

import summarise
from summarise import translation
from summarise.config import Settings, check
from summarise.errors import ConfigError, ModelUnavailableError
from summarise.text import paragraphs, sentences, word_count
from summarise.translation import hub
from summarise.translation.transformers_backend import TransformersTranslator
from summarise.types import Article, Language

from .conftest import ROOT
from .tiny_models import RecordingTranslator, batched, build_tiny_marian, russian_article, russian_sentences

MISSING = "Helsinki-NLP/opus-mt-xx-en"


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    import torch

    # Tiny models only lose to threading overhead, and badly so when other processes share the cores.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_marian(tmp_path_factory.mktemp("tiny-marian"))


@pytest.fixture
def settings(tiny_dir: Path) -> Settings:
    # The transformers backend here; tests/test_ctranslate2.py runs the same checks through CTranslate2.
    return Settings(models={"ru": str(tiny_dir), "pt": MISSING, "es": MISSING}, batch_size=16,
                    translate_backend="transformers")


@pytest.fixture
def spy(tiny_dir: Path, settings: Settings) -> RecordingTranslator:
    return RecordingTranslator(translation.load_translator(str(tiny_dir), settings))


def _article(n: int, text: str, title: str = "Заголовок статьи") -> Article:
    return Article(id=f"a{n}", path=f"a{n}.txt", title=title, text=text)


RU = Language("ru", 0.99)


# --- translate_text: alignment, batching, no truncation -----------------------------------------------------


def test_sentences_stay_aligned_in_order_and_paragraphs_are_kept(spy: RecordingTranslator, tiny_dir: Path) -> None:
    first, second = russian_sentences(3, seed=1), russian_sentences(2, seed=2)
    result = translation.translate_text(" ".join(first) + "\n\n" + " ".join(second), "ru", batched(spy))
    assert [[s.source for s in p] for p in result.paragraphs] == [first, second]
    assert all(s.english for s in result.sentences)
    assert result.model == str(tiny_dir) and result.language == "ru"


def test_duplicates_are_translated_once_in_length_sorted_batches(spy: RecordingTranslator) -> None:
    distinct = list(dict.fromkeys(russian_sentences(40, seed=3)))
    text = " ".join(distinct + distinct[:10]) + "\n\n" + " ".join(distinct[5:15])
    result = translation.translate_text(text, "ru", batched(spy, 8))
    sent = [s for batch in spy.batches for s in batch]
    assert sorted(sent) == sorted(distinct)  # each distinct sentence exactly once
    assert len(spy.batches) == math.ceil(len(distinct) / 8) and all(len(b) <= 8 for b in spy.batches)
    assert [spy.count_tokens(s) for s in sent] == sorted(spy.count_tokens(s) for s in sent)
    assert len(result.sentences) == len(distinct) + 20
    english = {s.source: s.english for s in result.sentences}
    assert all(s.english == english[s.source] for s in result.sentences)


def test_a_3000_word_article_comes_back_whole(spy: RecordingTranslator) -> None:
    article = russian_article(3000, seed=4)
    result = translation.translate_text(article, "ru", batched(spy, 32))
    expected = [sentences(p, "ru") for p in paragraphs(article)]
    assert [[s.source for s in p] for p in result.paragraphs] == expected
    assert sum(word_count(s.source) for s in result.sentences) == word_count(article) >= 3000
    assert all(s.english for s in result.sentences)


def test_a_sentence_longer_than_the_model_takes_is_split_but_stays_one_sentence(spy: RecordingTranslator) -> None:
    words = " ".join(f"слово{i % 13}" for i in range(300))  # no punctuation at all
    assert spy.count_tokens(words) > 2 * spy.max_input_tokens
    pieces = translation.fit(words, spy.count_tokens, spy.max_input_tokens)
    assert len(pieces) > 1 and " ".join(pieces) == words
    assert all(spy.count_tokens(p) <= spy.max_input_tokens for p in pieces)
    result = translation.translate_text(words, "ru", batched(spy))
    assert sorted(s for batch in spy.batches for s in batch) == sorted(set(pieces))
    assert len(result.sentences) == 1 and result.sentences[0].source == words and result.sentences[0].english


def test_fit_cuts_at_clause_punctuation_before_spaces() -> None:
    def words(text: str) -> int:
        return len(text.split())

    text = "one two, three four; five six — seven eight nine"
    assert translation.fit(text, words, 4) == ["one two, three four;", "five six", "— seven eight nine"]
    assert translation.fit(text, words, 3) == ["one two,", "three four;", "five six", "— seven eight", "nine"]
    assert translation.fit(text, words, 20) == [text]


def test_fit_halves_an_unbroken_run_rather_than_dropping_it() -> None:
    run = "я" * 100
    pieces = translation.fit(run, len, 16)
    assert "".join(pieces) == run and all(len(p) <= 16 for p in pieces)


def test_translation_is_deterministic(tiny_dir: Path) -> None:
    beams = Settings(beam_size=4)
    text = " ".join(russian_sentences(6, seed=5))
    once = translation.translate_text(text, "ru", batched(TransformersTranslator(str(tiny_dir), beams)))
    again = translation.translate_text(text, "ru", batched(TransformersTranslator(str(tiny_dir), beams)))
    assert once == again


# --- translate(): the public API ---------------------------------------------------------------------------


def test_english_comes_back_as_it_is_without_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(translation, "load_translator", _must_not_load)
    result = summarise.translate("One sentence. Another one.\n\nA second paragraph.", "en")
    assert result.model is None and result.text == "One sentence. Another one.\n\nA second paragraph."
    assert all(s.source == s.english for s in result.sentences)


def test_translate_loads_the_model_configured_for_the_language(settings: Settings, tiny_dir: Path) -> None:
    text = " ".join(russian_sentences(3, seed=6))
    result = summarise.translate(text, "ru", settings)
    assert result.model == str(tiny_dir) and len(result.sentences) == 3


def test_importing_the_package_leaves_torch_unloaded() -> None:
    code = "import sys, summarise.translation; print('torch' in sys.modules or 'transformers' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert run.stdout.strip() == "False"


# --- model resolution ------------------------------------------------------------------------------------


def test_a_translator_is_loaded_once_per_model(settings: Settings, tiny_dir: Path) -> None:
    assert translation.load_translator(str(tiny_dir), settings) is translation.load_translator(str(tiny_dir), settings)


def test_a_hub_id_loads_offline_from_the_standard_cache(tiny_dir: Path, settings: Settings) -> None:
    # The layout huggingface_hub writes; conftest points HF_HOME at an empty folder for this test.
    snapshot = Path(hub.cache_dir()) / "models--tiny-org--tiny-marian" / "snapshots" / ("0" * 40)
    shutil.copytree(tiny_dir, snapshot)
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("0" * 40)
    translator = translation.load_translator("tiny-org/tiny-marian", settings)
    assert translator.model == "tiny-org/tiny-marian" and translator.translate_batch(["Суд."])[0]


def test_a_missing_model_offline_fails_fast_and_says_how_to_get_it(settings: Settings) -> None:
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError) as caught:
        translation.load_translator(MISSING, settings)
    assert time.monotonic() - started < 5
    assert MISSING in str(caught.value) and "download" in str(caught.value)
    assert "HF_HUB_OFFLINE" in caught.value.reason


def test_an_unreachable_hub_fails_fast(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError, match="cannot be reached"):
        translation.load_translator(MISSING, settings)
    assert time.monotonic() - started < 5


def test_the_hub_probe_tells_open_from_closed_ports() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        assert hub.reachable("127.0.0.1", server.getsockname()[1])
    assert not hub.reachable("127.0.0.1", _closed_port())


def test_a_directory_without_a_model_is_reported(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ModelUnavailableError, match="no readable model") as caught:
        translation.load_translator(str(tmp_path), settings)
    assert str(tmp_path) in str(caught.value)


@pytest.mark.parametrize("name", ["model.safetensors", "source.spm", "vocab.json"])
def test_a_directory_with_a_damaged_file_is_reported(name: str, tiny_dir: Path, tmp_path: Path,
                                                     settings: Settings) -> None:
    damaged = shutil.copytree(tiny_dir, tmp_path / "damaged")
    (damaged / name).write_bytes(b"{}")
    with pytest.raises(ModelUnavailableError, match="no readable model"):
        translation.load_translator(str(damaged), settings)


def test_an_unusable_device_is_a_config_error(tiny_dir: Path) -> None:
    with pytest.raises(ConfigError, match="device 'quantum'"):
        translation.load_translator(str(tiny_dir), Settings(device="quantum"))


def test_an_unknown_backend_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="choose one of: auto, bergamot, ctranslate2, transformers"):
        check(Settings(translate_backend="marian-cpp"))  # the one check, before any model is looked for


# --- prepare: documents for the pipeline -----------------------------------------------------------------


def test_prepare_translates_with_the_configured_model(settings: Settings) -> None:
    articles = [_article(1, " ".join(russian_sentences(4, seed=7))), _article(2, "The first. The second.")]
    done: list[int] = []
    documents = translation.prepare(articles, [RU, Language("en", 0.9)], settings, _no_warning, done.append)
    russian, english = documents
    assert russian.translated and russian.untranslated_reason is None and russian.title_en
    assert [s.source for s in russian.body.sentences] == russian_sentences(4, seed=7)
    assert not english.translated and english.english and english.title_en == english.article.title
    assert [s.english for s in english.body.sentences] == ["The first.", "The second."]
    assert done[-1] == 2


def test_prepare_shares_batches_across_articles(monkeypatch: pytest.MonkeyPatch, spy: RecordingTranslator,
                                                settings: Settings) -> None:
    monkeypatch.setattr(translation, "load_translator", lambda model, settings: spy)
    texts = [" ".join(russian_sentences(5, seed=seed)) for seed in (8, 9)]
    translation.prepare([_article(1, texts[0], "Один"), _article(2, texts[1], "Два")], [RU, RU], settings,
                        _no_warning)
    distinct = {"Один", "Два", *russian_sentences(5, seed=8), *russian_sentences(5, seed=9)}
    assert len(spy.batches) == math.ceil(len(distinct) / settings.batch_size) == 1


def test_prepare_warns_once_per_missing_model(settings: Settings) -> None:
    text = "O governo aprovou o orçamento. A oposição protestou."
    articles = [_article(1, text), _article(2, text), _article(3, "El gobierno aprobó el presupuesto.")]
    warnings: list[str] = []
    languages = [Language("pt", 0.9), Language("pt", 0.9), Language("es", 0.9)]
    documents = translation.prepare(articles, languages, settings, warnings.append)
    assert len(warnings) == 1 and MISSING in warnings[0]
    for document in documents:
        assert not document.translated and not document.english and document.untranslated_reason == warnings[0]
        assert all(s.english == s.source for s in document.body.sentences)
    assert documents[0].body.text == "O governo aprovou o orçamento. A oposição protestou."


def test_prepare_needs_no_model_for_english_undetermined_or_when_disabled(monkeypatch: pytest.MonkeyPatch,
                                                                         settings: Settings) -> None:
    monkeypatch.setattr(translation, "load_translator", _must_not_load)
    articles = [_article(1, "Plain English."), _article(2, "???"), _article(3, "Правительство уходит.")]
    languages = [Language("en", 0.9), Language("und", 0.0), RU]
    off = Settings(translate=False)
    en, und, ru = translation.prepare(articles, languages, off, _no_warning)
    assert en.untranslated_reason is None and en.english and en.body.text == "Plain English."
    assert und.untranslated_reason == translation.UNDETERMINED_REASON and not und.english
    assert ru.untranslated_reason == translation.DISABLED_REASON and ru.body.text == "Правительство уходит."


# --- helpers -----------------------------------------------------------------------------------------------


def _must_not_load(model: str, settings: Settings) -> NoReturn:
    raise AssertionError(f"no model should be loaded, but {model} was")


def _no_warning(message: str) -> None:
    raise AssertionError(f"unexpected warning: {message}")


def _closed_port() -> int:
    with socket.socket() as probe:  # bind, then release: nothing listens there afterwards
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
