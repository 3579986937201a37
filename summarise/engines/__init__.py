"""Where the per-article stages run: ingest (with clean) → detect → translate → embed.

`local` runs them in this process (the default; it imports no Ray). `ray` runs them as Ray Data batches on a Ray
cluster (`ray_address`), with models held by actor pools; the driver keeps the store, looks the caches up before
dispatching (only misses travel) and writes the results back. Clustering and briefing stay in this process.
Both give the same results: the Ray engine sends the same batches the local engine would translate or embed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import Settings
from ..types import Article, Document, InputIssue, Language
from . import base
from .base import Counted, Progress, Warn, texts_to_detect

__all__ = ["ENGINES", "Engine", "LocalEngine", "Progress", "Warn", "start", "texts_to_detect"]


class Engine(Protocol):
    """The per-article stages; the caches of `summarise.cache.session` are looked up on the driver (see `base`)."""

    def read(self, inputs: Sequence[Path], max_bytes: int, progress: Counted | None = None
             ) -> tuple[list[Article], list[InputIssue]]: ...

    def languages(self, articles: Sequence[Article]) -> list[Language]: ...

    def translate(self, articles: Sequence[Article], languages: Sequence[Language], warn: Warn,
                  progress: Progress) -> list[Document]: ...

    def represent(self, docs: Sequence[Document], progress: Progress | None = None) -> np.ndarray: ...


class LocalEngine:
    """Every stage in this process, one after the other."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def read(self, inputs: Sequence[Path], max_bytes: int, progress: Counted | None = None
             ) -> tuple[list[Article], list[InputIssue]]:
        """All articles under the inputs, read and cleaned, and an issue for each file or record not used;
        `progress(done, total)` as files are read."""
        from .. import ingest

        return ingest.read_inputs(inputs, max_bytes, progress)

    def languages(self, articles: Sequence[Article]) -> list[Language]:
        """Each article's language, through the language cache."""
        from .. import detect

        return base.languages(articles, detect.detect_many)

    def translate(self, articles: Sequence[Article], languages: Sequence[Language], warn: Warn,
                  progress: Progress) -> list[Document]:
        """One Document per article, in English where a model allows, through the translation cache."""
        from .. import translation

        return translation.prepare(articles, languages, self.settings, warn, progress)

    def represent(self, docs: Sequence[Document], progress: Progress | None = None) -> np.ndarray:
        """The clustering vectors, through the embedding cache; `progress(n)` with documents embedded so far."""
        from .. import embed

        return base.represent(docs, embed.encode_batches, progress)


def _ray(settings: Settings) -> contextlib.AbstractContextManager[Engine]:
    from .ray_engine import RayEngine  # Ray is imported only here

    return RayEngine.connect(settings)


@contextlib.contextmanager
def _local(settings: Settings) -> Iterator[Engine]:
    yield LocalEngine(settings)


ENGINES: dict[str, Callable[[Settings], contextlib.AbstractContextManager[Engine]]] = {"local": _local, "ray": _ray}


def start(settings: Settings) -> contextlib.AbstractContextManager[Engine]:
    """The engine `settings.engine` names (checked by config.check), ready inside a `with` block (Ray: connected,
    then disconnected)."""
    return ENGINES[settings.engine](settings)
