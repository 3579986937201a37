"""The Ray engine on a real local Ray runtime (2 CPUs, 127.0.0.1): the same briefing.json as the local engine."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pytest

from summarise import cache, store
from summarise.config import Settings
from summarise.pipeline import brief
from summarise.text import paragraphs, sentences

from .test_cluster import STORIES
from .tiny_models import build_tiny_marian, russian_article

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> object:
    """One Ray runtime for the module; its workers see the hub offline, as the tests do."""
    home = tmp_path_factory.mktemp("ray-env")
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(home / "hf"),
           "SUMMARISE_CACHE_DIR": str(home / "summarise-cache")}
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             runtime_env={"env_vars": env}, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small mixed day: three stories in en/pt/ru, 18 Russian articles sharing sentences, a copy, a stray file."""
    folder = tmp_path_factory.mktemp("day")
    for story, versions in STORIES.items():
        for lang, (title, text) in versions.items():
            (folder / lang).mkdir(exist_ok=True)
            (folder / lang / f"{story}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    # More than one translation round of Russian (16 articles a round), with sentences that recur across rounds.
    records = [{"title": f"Новости дня {k}", "text": russian_article(40, seed=k, distinct=12)} for k in range(18)]
    (folder / "ru" / "wire.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records),
                                              encoding="utf-8")
    (folder / "en" / "quake-copy.txt").write_text((folder / "en" / "quake.txt").read_text(encoding="utf-8"),
                                                  encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    return folder, build_tiny_marian(tmp_path_factory.mktemp("tiny-marian"))


def _run(folder: Path, out: Path, model: Path, engine: str) -> dict:
    # Portuguese has no model offline: its articles stay untranslated, with one warning, on both engines.
    models = {"ru": str(model), "pt": str(folder.parent / "no-model")}
    settings = Settings(out=out, date="2025-06-20", engine=engine, models=models)
    result = brief([folder], settings)
    assert result.exit_code == 3  # the stray file and the copy are skipped
    return json.loads((out / "2025-06-20" / "briefing.json").read_text(encoding="utf-8"))


def _rows(out: Path, kind: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(store.default_path(out))) as conn:
        return conn.execute(f"SELECT * FROM cache_{kind} ORDER BY key").fetchall()


def test_ray_engine_briefs_the_day_as_the_local_engine_does(runtime: object, day: tuple[Path, Path],
                                                            tmp_path: Path) -> None:
    folder, model = day
    local = _run(folder, tmp_path / "local", model, "local")
    remote = _run(folder, tmp_path / "ray", model, "ray")
    assert remote == local
    assert sum(a["translated"] for a in local["articles"]) == 3  # the Russian stories; pt has no model
    assert any("no-model" in w for w in local["warnings"])
    assert {"ok", "skipped"} <= {a["status"] for a in local["articles"]}
    # Every translation, embedding and language, briefed or not (the tiny model's English of the wire records
    # makes no briefing sentence), is the same, bit for bit: the stores hold identical rows.
    for kind in cache.KINDS:
        rows = [_rows(tmp_path / engine, kind) for engine in ("local", "ray")]
        assert rows[0] == rows[1] and rows[0], kind
    assert len(_rows(tmp_path / "ray", "translations")) > 12  # the wire's 12 distinct sentences and more

    # Again on the warm store: only misses travel, so nothing is detected, embedded or translated anew, except
    # the Portuguese sentences, which no model could translate (the local engine asks for them again too).
    before = {row.kind: row.misses for row in cache.stats(store.default_path(tmp_path / "ray"))}
    assert _run(folder, tmp_path / "ray", model, "ray") == local
    after = {row.kind: row.misses for row in cache.stats(store.default_path(tmp_path / "ray"))}
    portuguese = {s for title, text in (v["pt"] for v in STORIES.values()) for part in (title, text)
                  for p in paragraphs(part) for s in sentences(p, "pt")}
    assert after == {**before, "translations": before["translations"] + len(portuguese)}
