"""Choosing the engine: the local one by default, importing no Ray; an unknown one is a usage error."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from summarise import cache, embed, engines
from summarise.cli import app
from summarise.config import Settings
from summarise.translation import identity
from summarise.types import Article, Document, Language

from .conftest import ROOT
from .test_pipeline import GOOD_ARTICLE


def test_unknown_engine_is_a_usage_error_that_lists_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["brief", str(tmp_path), "--out", str(tmp_path), "--engine", "spark"])
    assert result.exit_code == 2
    assert "--engine: 'spark' is not allowed, choose one of: local, ray" in result.output


def test_local_engine_imports_no_ray(tmp_path: Path) -> None:
    (tmp_path / "day").mkdir()
    (tmp_path / "day" / "a.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    code = ("import sys, summarise; from summarise.config import Settings; "
            f"r = summarise.brief([{str(tmp_path / 'day')!r}], Settings(out={str(tmp_path / 'out')!r})); "
            "assert r.exit_code == 0, r; assert 'ray' not in sys.modules, 'ray was imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_represent_tells_the_documents_embedded_as_batches_finish(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: list[list[str]] = []

    def fake_encode(texts: Sequence[str]) -> np.ndarray:
        encoded.append(list(texts))
        return np.array([[len(t), 1.0] + [0.0] * (embed.DIM - 2) for t in texts], dtype=np.float32)

    monkeypatch.setattr(embed, "_encode", fake_encode)
    monkeypatch.setattr(embed, "BATCH", 2)
    docs = [Document(article, Language("en", 0.9), article.title, identity(article.text, "en"), False)
            for article in (Article(id=f"a{k}", path=f"a{k}.txt", title=f"Title {k}", text=f"Body {k}.")
                            for k in range(3))]  # two pieces each: title and paragraph
    settings = Settings(out=tmp_path)
    told: list[int] = []
    with cache.session(settings), engines.start(settings) as engine:
        first = engine.represent(docs, told.append)
    assert [len(batch) for batch in encoded] == [2, 2, 2] and told == [0, 1, 2, 3, 3]
    told.clear()
    with cache.session(settings), engines.start(settings) as engine:  # all cached: nothing to wait for
        assert np.array_equal(engine.represent(docs, told.append), first)
    assert len(encoded) == 3 and told == [3]
