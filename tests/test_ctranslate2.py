"""The CTranslate2 backend on a tiny Marian model: alignment and no-truncation as in transformers; cached conversion."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarise import translation
from summarise.config import Settings
from summarise.errors import ModelUnavailableError
from summarise.translation import ctranslate2_backend as ct2
from summarise.translation import hub

# The transformers backend's no-truncation and damaged-model contracts, collected here again to run on this
# module's `spy`.
from .test_translate import (  # noqa: F401
    test_a_3000_word_article_comes_back_whole,
    test_a_directory_with_a_damaged_file_is_reported,
    test_a_sentence_longer_than_the_model_takes_is_split_but_stays_one_sentence,
)
from .tiny_models import RecordingTranslator, batched, build_tiny_marian, russian_sentences

pytest.importorskip("ctranslate2")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_marian(tmp_path_factory.mktemp("tiny-marian"))


@pytest.fixture(scope="module")
def conversions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("summarise-cache")  # shared by this module's tests: one conversion


@pytest.fixture(autouse=True)
def _cache_dir(monkeypatch: pytest.MonkeyPatch, conversions: Path) -> Iterator[None]:
    monkeypatch.setenv(hub.CACHE_ENV, str(conversions))
    yield


@pytest.fixture
def settings() -> Settings:
    return Settings(translate_backend="ctranslate2")


@pytest.fixture
def spy(tiny_dir: Path, settings: Settings) -> RecordingTranslator:
    return RecordingTranslator(translation.load_translator(str(tiny_dir), settings))


def test_auto_picks_ctranslate2_for_marian_and_transformers_without_it(tiny_dir: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().translate_backend == "auto"
    assert translation.backend_name(str(tiny_dir), Settings()) == "ctranslate2"
    assert isinstance(translation.load_translator(str(tiny_dir), Settings()), ct2.CTranslate2Translator)
    monkeypatch.setattr(ct2, "available", lambda: False)
    assert translation.backend_name(str(tiny_dir), Settings()) == "transformers"


def test_sentences_stay_aligned_in_order_and_paragraphs_are_kept(spy: RecordingTranslator) -> None:
    first, second = russian_sentences(3, seed=1), russian_sentences(2, seed=2)
    result = translation.translate_text(" ".join(first) + "\n\n" + " ".join(second), "ru", batched(spy))
    assert [[s.source for s in p] for p in result.paragraphs] == [first, second]
    assert all(s.english and s.english != s.source for s in result.sentences)


def test_it_counts_tokens_as_the_transformers_tokenizer_does(tiny_dir: Path, spy: RecordingTranslator) -> None:
    reference = translation.load_translator(str(tiny_dir), Settings(translate_backend="transformers"))
    texts = [*russian_sentences(20, seed=5), "слово " * 70, "Sunday: 42 km, ещё ½."]
    assert [spy.count_tokens(t) for t in texts] == [reference.count_tokens(t) for t in texts]
    assert spy.max_input_tokens == reference.max_input_tokens


def test_batches_are_token_sorted_within_the_token_budget(spy: RecordingTranslator) -> None:
    longer = [" ".join(["слово"] * n) for n in range(2, 15, 2)]
    distinct = list(dict.fromkeys(russian_sentences(60, seed=6) + longer))
    assert max(map(spy.count_tokens, distinct)) <= spy.max_input_tokens  # whole: nothing to split here
    translation.translate_sentences(distinct, spy, batch_size=8, max_tokens=120)
    sent = [s for batch in spy.batches for s in batch]
    assert sorted(sent) == sorted(distinct)  # each once
    assert [spy.count_tokens(s) for s in sent] == sorted(spy.count_tokens(s) for s in sent)
    assert all(len(b) <= 8 and len(b) * max(map(spy.count_tokens, b)) <= 120 for b in spy.batches)
    assert len(spy.batches) > math.ceil(len(distinct) / 8)  # the budget, not only the count, closed batches


def test_output_is_bounded_relative_to_the_input_and_inputs_are_never_truncated(tiny_dir: Path) -> None:
    settings = Settings(translate_backend="ctranslate2", max_output_ratio=0.5)
    translator = translation.load_translator(str(tiny_dir), settings)
    assert isinstance(translator, ct2.CTranslate2Translator)
    calls: list[tuple[list[list[str]], dict, list[list[str]]]] = []
    model = translator._translator

    class Done:  # what an asynchronous call returns, already resolved
        def __init__(self, result: object) -> None:
            self.value = result

        def result(self) -> object:
            return self.value

    class Spy:
        def translate_batch(self, tokens: list[list[str]], **options: object) -> list[Done]:
            results = model.translate_batch(tokens, **{**options, "asynchronous": False})
            calls.append((tokens, options, [r.hypotheses[0] for r in results]))
            return [Done(r) for r in results]

    translator._translator = Spy()
    try:
        batch = [*russian_sentences(6, seed=7), " ".join(["слово"] * 12)]
        english = translator.translate_batch(batch)
    finally:
        translator._translator = model
    assert len(english) == len(batch) and all(english)
    assert sum(len(tokens) for tokens, _, _ in calls) == len(batch)
    for tokens, options, outputs in calls:  # each part a worker takes is bounded by its own longest input
        bound = translation.output_limit(max(map(len, tokens)), 0.5, translator.limit)
        assert options["max_decoding_length"] == bound and options["max_input_length"] == 0
        assert all(0 < len(output) <= bound for output in outputs)


def test_conversion_is_cached_and_keyed_by_the_weights(tiny_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = ct2.converted(str(tiny_dir), "int8")
    assert (first / ct2.META).is_file() and ct2.converted(str(tiny_dir), "int8") == first
    assert ct2.converted(str(tiny_dir), "float32") != first  # the quantisation is part of the key
    changed = shutil.copytree(tiny_dir, tmp_path / "changed")
    (changed / "config.json").write_text((changed / "config.json").read_text() + "\n")
    assert ct2.converted(str(changed), "int8") != first  # new contents: a new conversion
    monkeypatch.setattr(ct2, "_convert", _must_not_convert)
    assert ct2.converted(str(tiny_dir), "int8") == first


def test_a_failed_conversion_leaves_nothing_behind(tiny_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from ctranslate2.converters import TransformersConverter

    monkeypatch.setenv(hub.CACHE_ENV, str(tmp_path / "cache"))

    def crash(self: object, output_dir: str, **options: object) -> None:
        Path(output_dir).mkdir()
        (Path(output_dir) / "model.bin").write_bytes(b"half")  # what a killed conversion leaves
        raise RuntimeError("killed")

    monkeypatch.setattr(TransformersConverter, "convert", crash)
    with pytest.raises(ModelUnavailableError, match="no readable model: killed"):
        ct2.converted(str(tiny_dir), "int8")
    assert list((tmp_path / "cache" / "ct2").iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setenv(hub.CACHE_ENV, str(tmp_path / "cache"))
    assert (ct2.converted(str(tiny_dir), "int8") / "model.bin").stat().st_size > 1000


def test_a_conversion_finished_meanwhile_by_another_run_is_kept(tiny_dir: Path, tmp_path: Path) -> None:
    theirs = ct2.converted(str(tiny_dir), "int8")
    target = tmp_path / "ct2" / theirs.name
    shutil.copytree(theirs, target)
    before = (target / "model.bin").stat().st_mtime_ns
    ct2._convert(tiny_dir, "rev", target, "int8")  # ours finishes second: the rename fails, theirs stays
    assert (target / "model.bin").stat().st_mtime_ns == before
    assert [p.name for p in target.parent.iterdir()] == [theirs.name]


def _must_not_convert(*args: object) -> None:
    raise AssertionError("the conversion should have come from the cache")
