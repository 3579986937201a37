"""The store's caches: re-runs redo nothing, hits are counted, a killed run and a concurrent run leave it sound."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest
from typer.testing import CliRunner

from summarise import cache, embed, store, translation
from summarise.cli import app
from summarise.config import Settings
from summarise.engines import base
from summarise.types import Article, Document, Language

from .conftest import ROOT
from .tiny_models import russian_sentences

RU = Language("ru", 0.99)


class FakeTranslator:
    """Marks each sentence as translated; sleeps per batch when asked, so that a run can be caught mid-way."""

    def __init__(self, delay: float = 0.0) -> None:
        self.model = "fake-ru-en"
        self.max_input_tokens = 512
        self.delay = delay
        self.sent: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        time.sleep(self.delay)
        self.sent += sentences
        return [f"EN:{s}" for s in sentences]


def _articles(first: int, last: int) -> list[Article]:
    return [Article(id=f"a{k}", path=f"a{k}.txt", title=f"Статья номер {k}.",
                    text=" ".join(russian_sentences(8, seed=k))) for k in range(first, last)]


def _settings(out: Path) -> Settings:
    return Settings(out=out, models={"ru": "fake-ru-en"}, translate_backend="transformers")


def _prepare(articles: list[Article], settings: Settings) -> list[Document]:
    with cache.session(settings):
        return translation.prepare(articles, [RU] * len(articles), settings, _no_warning)


def _translations(out: Path) -> int:
    with sqlite3.connect(store.default_path(out)) as conn:
        return int(conn.execute("SELECT count(*) FROM cache_translations").fetchone()[0])


# --- the caches ----------------------------------------------------------------------------------------------


def test_entries_round_trip_and_hits_and_misses_are_counted(tmp_path: Path) -> None:
    store_ = cache.Cache(tmp_path / "store.sqlite3")
    store_.put("translations", "m1", {"Да.": "Yes.", "Нет.": "No."})
    assert store_.get("translations", "m1", ["Да.", "Нет.", "Может быть."]) == {"Да.": "Yes.", "Нет.": "No."}
    assert store_.get("translations", "m2", ["Да."]) == {}  # another model's translations are not this one's
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    store_.put("embeddings", "enc", dict(zip(["a", "b"], vectors, strict=True)))
    assert np.array_equal(store_.get("embeddings", "enc", ["b", "c"])["b"], vectors[1])
    store_.put("languages", "det", {"Olá.": Language("pt", 0.9)})
    assert store_.get("languages", "det", ["Olá.", "Hi."]) == {"Olá.": Language("pt", 0.9)}
    assert (store_.hits["translations"], store_.misses["translations"]) == (2, 2)
    assert (store_.hits["embeddings"], store_.misses["embeddings"]) == (1, 1)
    store_.close()
    assert [(s.kind, s.entries, s.hits, s.misses) for s in cache.stats(tmp_path / "store.sqlite3")] == [
        ("translations", 2, 2, 2), ("embeddings", 2, 1, 1), ("languages", 1, 1, 1)]


def test_a_rerun_loads_no_model_and_gives_the_same_documents(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTranslator()
    monkeypatch.setattr(translation, "load_translator", lambda model, settings: fake)
    articles, settings = _articles(0, 20), _settings(tmp_path)
    first = _prepare(articles, settings)
    assert all(doc.translated and s.english == f"EN:{s.source}" for doc in first for s in doc.body.sentences)
    monkeypatch.setattr(translation, "load_translator", _must_not_load)
    assert _prepare(articles, settings) == first
    stats = {s.kind: s for s in cache.stats(store.default_path(tmp_path))}["translations"]
    assert stats.entries == len(set(fake.sent)) == len(fake.sent)
    assert stats.hits == stats.misses == stats.entries  # run 1: all misses; run 2: all hits


def test_the_next_day_translates_only_what_is_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTranslator()
    monkeypatch.setattr(translation, "load_translator", lambda model, settings: fake)
    _prepare(_articles(0, 20), _settings(tmp_path))
    known = set(fake.sent)
    fake.sent.clear()
    docs = _prepare(_articles(10, 30), _settings(tmp_path))
    day_two = {s for d in docs for s in (d.article.title, *(x.source for x in d.body.sentences))}
    assert fake.sent and sorted(fake.sent) == sorted(day_two - known)
    assert all(s.english == f"EN:{s.source}" for d in docs for s in d.body.sentences)


def test_non_content_is_never_translated_and_needs_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(translation, "load_translator", _must_not_load)
    noise = "***\n\n12:30 — 14:45.\n\nhttps://example.com/news/1?id=3\n\n(1/3)"
    article = Article(id="n", path="n.txt", title="2025", text=noise)
    (doc,) = _prepare([article], _settings(tmp_path))
    assert doc.translated and doc.body.text == noise and doc.title_en == "2025"
    fake = FakeTranslator()
    monkeypatch.setattr(translation, "load_translator", lambda model, settings: fake)
    mixed = Article(id="m", path="m.txt", title="Новости", text=f"Суд открыт. {noise}")
    (doc,) = _prepare([mixed], _settings(tmp_path))
    assert sorted(fake.sent) == ["Новости", "Суд открыт."]


def test_embeddings_are_encoded_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: list[str] = []

    def fake_encode(texts: Sequence[str]) -> np.ndarray:
        encoded.extend(texts)
        return np.array([[len(t), 1.0] + [0.0] * (embed.DIM - 2) for t in texts], dtype=np.float32)

    monkeypatch.setattr(embed, "_encode", fake_encode)
    with cache.session(_settings(tmp_path)):
        first = embed.embed(["one", "two", "one"])
    with cache.session(_settings(tmp_path)):
        again = embed.embed(["two", "one", "three"])
    assert encoded == ["one", "two", "three"]
    assert np.array_equal(again[:2], first[[1, 0]]) and first.shape == (3, embed.DIM)


def test_languages_are_detected_once(tmp_path: Path) -> None:
    seen: list[str] = []

    def detect_many(texts: Sequence[str]) -> list[Language]:
        seen.extend(texts)
        return [Language("pt" if "ã" in t else "en", 0.9) for t in texts]

    articles = [Article(id=f"a{k}", path=f"a{k}.txt", title=title, text="") for k, title in enumerate(
        ["Não.", "No.", "Não.", "Sim, não."])]
    with cache.session(_settings(tmp_path)):
        assert base.languages(articles[:3], detect_many) == [Language("pt", 0.9), Language("en", 0.9),
                                                             Language("pt", 0.9)]
    with cache.session(_settings(tmp_path)):
        assert base.languages(articles[1:], detect_many)[2] == Language("pt", 0.9)
    assert seen == ["Não.\n", "No.\n", "Sim, não.\n"]


def test_caching_off_writes_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(translation, "load_translator", lambda model, settings: FakeTranslator())
    settings = Settings(out=tmp_path, models={"ru": "fake"}, translate_backend="transformers", cache=False)
    with cache.session(settings) as active:
        assert active is None
        translation.prepare(_articles(0, 2), [RU, RU], settings, _no_warning)
    assert not store.default_path(tmp_path).exists()


# --- crashes and concurrent runs -------------------------------------------------------------------------------


def _worker(out: str, first: int, last: int, delay: float) -> None:
    """Run prepare over articles first..last with a slow fake model, into the store under `out` (a subprocess)."""
    translation.load_translator = lambda model, settings: FakeTranslator(delay)  # type: ignore[assignment]
    docs = _prepare(_articles(first, last), _settings(Path(out)))
    print(json.dumps(sum(s.english == f"EN:{s.source}" for d in docs for s in d.body.sentences)))


def _spawn(out: Path, first: int, last: int, delay: float) -> subprocess.Popen[str]:
    code = f"from tests.test_cache import _worker; _worker({str(out)!r}, {first}, {last}, {delay})"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_the_cache_survives_a_killed_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _spawn(tmp_path, 0, 64, delay=0.05)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and run.poll() is None:
        with contextlib.suppress(sqlite3.OperationalError):  # the store or its tables are not created yet
            if _translations(tmp_path) > 0:
                break  # the first round is committed
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL, run.stderr.read() if run.stderr else ""
    with sqlite3.connect(store.default_path(tmp_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    saved = _translations(tmp_path)
    fake = FakeTranslator()
    monkeypatch.setattr(translation, "load_translator", lambda model, settings: fake)
    docs = _prepare(_articles(0, 64), _settings(tmp_path))
    assert saved > 0 and len(fake.sent) == _translations(tmp_path) - saved > 0  # only what was lost is redone
    assert all(d.translated and s.english == f"EN:{s.source}" for d in docs for s in d.body.sentences)


def test_two_concurrent_runs_share_the_cache(tmp_path: Path) -> None:
    runs = [_spawn(tmp_path, 0, 48, delay=0.01), _spawn(tmp_path, 16, 64, delay=0.01)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    expected = [sum(len(d.body.sentences) for d in translation.prepare(
        _articles(a, b), [RU] * (b - a), Settings(translate=False), _no_warning)) for a, b in ((0, 48), (16, 64))]
    assert [int(out) for out, _ in outputs] == expected  # every sentence of both runs translated
    with sqlite3.connect(store.default_path(tmp_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        keys = conn.execute("SELECT count(*), count(DISTINCT key) FROM cache_translations").fetchone()
    assert keys[0] == keys[1] > 0


# --- the command -------------------------------------------------------------------------------------------


def test_cache_stats_and_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(translation, "load_translator", lambda model, settings: FakeTranslator())
    _prepare(_articles(0, 3), _settings(tmp_path))
    with store.connect(store.default_path(tmp_path)) as conn:  # another feature's state in the same store
        conn.execute("CREATE TABLE sent (id TEXT)")
        conn.execute("INSERT INTO sent VALUES ('x')")
    runner = CliRunner()
    shown = runner.invoke(app, ["cache", "stats", "--out", str(tmp_path)])
    entries = _translations(tmp_path)
    assert shown.exit_code == 0 and f"translations {entries:>10}{0:>12}{entries:>12}" in shown.output
    cleared = runner.invoke(app, ["cache", "clear", "--kind", "translations", "--out", str(tmp_path)])
    assert cleared.exit_code == 0 and f"{entries} translations deleted" in cleared.output
    assert _translations(tmp_path) == 0
    with sqlite3.connect(store.default_path(tmp_path)) as conn:
        assert conn.execute("SELECT id FROM sent").fetchall() == [("x",)]
    wrong = runner.invoke(app, ["cache", "clear", "--kind", "everything", "--out", str(tmp_path)])
    assert wrong.exit_code == 2 and "choose from translations, embeddings, languages" in wrong.output


def _must_not_load(model: str, settings: Settings) -> NoReturn:
    raise AssertionError(f"no model should be loaded, but {model} was")


def _no_warning(message: str) -> None:
    raise AssertionError(f"unexpected warning: {message}")
