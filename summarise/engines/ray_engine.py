"""The per-article stages on a Ray cluster, as Ray Data batches; the driver keeps the store.

Each stage sends units of work through `ray.data` and gets results back here:
- ingest (read, decode, extract, clean): files, FILES_PER_UNIT at a time, on tasks; the inputs must be readable at
  the same path on every node (a shared or synced folder). Duplicates are dropped here, in file order.
- detect: the texts the language cache lacks, DETECT_PER_UNIT at a time, on an actor pool (one actor per CPU).
- translate: exactly the batches of sentences the local engine would translate (one unit per round of
  ARTICLES_PER_ROUND articles of a language, less what the cache or an earlier round holds), on an actor pool that
  holds the models, loaded once per actor: one actor per GPU (float16 with CTranslate2) when the cluster has GPUs,
  else one per node, using all its cores.
- embed: the pieces the embedding cache lacks, in the encoder's batches, on one actor per node.
Sending the same units the local engine computes makes the results, and so briefing.json, the same.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import pickle
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..errors import ConfigError, ModelUnavailableError
from ..types import Article, Document, InputIssue, Language
from . import base
from .base import Counted, Progress, Warn

FILES_PER_UNIT = 16
DETECT_PER_UNIT = 64
log = logging.getLogger("summarise")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("engine 'ray' needs Ray: run `pip install 'summarise[ray]'`, or set engine = "
                          "\"local\"") from None
    return ray


# --- what runs on the workers ---------------------------------------------------------------------------------

def _read_unit(unit: tuple[list[tuple[str, str]], int]) -> list[tuple[list[Article], list[InputIssue]]]:
    from .. import ingest

    files, max_bytes = unit
    return [ingest.read_records(Path(path), Path(root), max_bytes) for path, root in files]


class _Detector:
    """Detects languages; lingua's models load once per actor, on first use."""

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from .. import detect

        return _each(batch, detect.detect_many)


class _Translator:
    """Translates units of sentences; each model loads once per actor, on its first unit."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return _each(batch, self._unit)

    def _unit(self, unit: tuple[str, list[str]]) -> tuple[str, Any]:
        from .. import translation

        model, sentences = unit
        try:
            translator = translation.load_translator(model, self.settings)
            return "ok", translation.translate_sentences(sentences, translator, self.settings.batch_size,
                                                         self.settings.max_batch_tokens)
        except ModelUnavailableError as exc:  # said once by the driver, as the local engine says it
            return "unavailable", str(exc)


class _Encoder:
    """Embeds units of texts; the encoder loads once per actor."""

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from .. import embed

        return _each(batch, embed._encode)  # one unit is one of the encoder's batches


def _each(batch: dict[str, np.ndarray], work: Callable[[Any], Any]) -> dict[str, np.ndarray]:
    """Apply `work` to each pickled unit of a Ray Data batch, keeping each unit's number beside its result."""
    results = [pickle.dumps(work(pickle.loads(payload))) for payload in batch["unit"]]
    return {"n": np.asarray(batch["n"]), "result": np.asarray(results, dtype=object)}


# --- the driver -----------------------------------------------------------------------------------------------

class RayEngine:
    """Ingest, detect, translate and embed on Ray; the caches are looked up and filled here."""

    def __init__(self, settings: Settings, ray: Any) -> None:
        self.settings = settings
        self.ray = ray
        resources = ray.cluster_resources()
        self.gpus = int(resources.get("GPU", 0))
        cpus = [int(node["Resources"].get("CPU", 0)) for node in ray.nodes() if node.get("Alive")]
        self.cpus, self.nodes, self.node_cpus = max(1, sum(cpus)), max(1, len(cpus)), max(1, min(cpus or [1]))
        # Translation on GPUs when the cluster has them: the driver keys the cache by the device that translates.
        self.translate_settings = (dataclasses.replace(settings, device="cuda")
                                   if self.gpus and settings.device == "cpu" else settings)

    @classmethod
    @contextlib.contextmanager
    def connect(cls, settings: Settings) -> Iterator[RayEngine]:
        """Connect to `settings.ray_address` (none: start Ray here), unless this process is connected already."""
        ray = _import_ray()
        started = not ray.is_initialized()
        if started:
            ray.init(address=settings.ray_address or None, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.WARNING)
        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # one line per dataset run is noise here
        try:
            yield cls(settings, ray)
        finally:
            if started:
                ray.shutdown()

    def _run(self, units: Sequence[Any], work: Any, done: Progress | None = None, **options: Any) -> list[Any]:
        """Each unit's result, in order: one Ray Data row per unit, one unit per batch; `done(n)` as the first n
        units are finished."""
        if not units:
            return []
        rows = [{"n": n, "unit": pickle.dumps(unit)} for n, unit in enumerate(units)]
        data = self.ray.data.from_items(rows, override_num_blocks=len(rows))
        if isinstance(work, type):
            size = options.pop("actors")
            options["compute"] = self.ray.data.ActorPoolStrategy(min_size=1, max_size=max(1, min(size, len(units))))
        results: list[Any] = [None] * len(units)
        finished = [False] * len(units)
        first = 0  # units before it are finished
        for row in data.map_batches(work, batch_size=1, batch_format="numpy", **options).iter_rows():
            results[int(row["n"])], finished[int(row["n"])] = pickle.loads(row["result"]), True
            while first < len(units) and finished[first]:
                first += 1
            if done:
                done(first)
        return results

    def read(self, inputs: Sequence[Path], max_bytes: int, progress: Counted | None = None
             ) -> tuple[list[Article], list[InputIssue]]:
        """As `ingest.read_inputs`, each file read and cleaned on the cluster."""
        from .. import ingest

        files = [(str(path), str(root)) for path, root in ingest.discover(inputs)]
        units = [(files[i:i + FILES_PER_UNIT], max_bytes) for i in range(0, len(files), FILES_PER_UNIT)]
        report = progress or (lambda done, total: None)
        report(0, len(files))
        done = self._run(units, lambda batch: _each(batch, _read_unit),
                         lambda n: report(min(n * FILES_PER_UNIT, len(files)), len(files)), num_cpus=1)
        return ingest.first_copies(pair for unit in done for pair in unit)  # dropped in file order, as locally

    def languages(self, articles: Sequence[Article]) -> list[Language]:
        """Each article's language: the cache is asked first, only the texts it lacks go to the cluster."""

        def detect_remote(texts: Sequence[str]) -> list[Language]:
            units = [list(texts[i:i + DETECT_PER_UNIT]) for i in range(0, len(texts), DETECT_PER_UNIT)]
            return [lang for unit in self._run(units, _Detector, actors=self.cpus, num_cpus=1) for lang in unit]

        return base.languages(articles, detect_remote)

    def represent(self, docs: Sequence[Document], progress: Progress | None = None) -> np.ndarray:
        """The clustering vectors; the pieces the embedding cache lacks are embedded on the cluster, in the
        encoder's batches; `progress(n)` with documents embedded so far."""
        from .. import embed

        def encode_remote(texts: Sequence[str], done: Progress) -> np.ndarray:
            units = embed.batches(texts)
            vectors = self._run(units, _Encoder, lambda n: done(sum(map(len, units[:n]))), actors=self.nodes,
                                num_cpus=self.node_cpus)
            return np.concatenate(vectors) if vectors else np.empty((0, embed.DIM), np.float32)

        return base.represent(docs, encode_remote, progress)

    def translate(self, articles: Sequence[Article], languages: Sequence[Language], warn: Warn,
                  progress: Progress) -> list[Document]:
        """As `translation.prepare`, with the sentences the cache lacks translated on the cluster."""
        from .. import translation

        documents, planned = translation.plan(articles, languages, self.settings)
        progress(len(documents))
        rounds = _Rounds(articles, self.translate_settings)
        for lang, indices in planned:
            rounds.plan(lang, indices)
        options: dict[str, Any] = ({"actors": self.gpus, "num_gpus": 1} if self.gpus else
                                   {"actors": self.nodes, "num_cpus": self.node_cpus})
        done = self._run(list(rounds.units), _Translator, fn_constructor_args=(self.translate_settings,),
                         **options)
        for indices, docs in rounds.finish(done, languages, warn):
            documents.update(zip(indices, docs, strict=True))
            progress(len(documents))
        return [documents[i] for i in range(len(articles))]


class _Rounds:
    """The local engine's translation rounds, planned ahead: what each would find in the cache, and what it sends."""

    def __init__(self, articles: Sequence[Article], settings: Settings) -> None:
        from .. import cache

        self.articles, self.settings, self.store = articles, settings, cache.active()
        self.planned: list[tuple[str, str, str, list[int], int | None]] = []  # lang, model, key, articles, unit
        self.units: list[tuple[str, list[str]]] = []
        self.known: dict[str, dict[str, str]] = defaultdict(dict)  # by translator key: cached or sent earlier
        self.keys: dict[str, tuple[str, str]] = {}  # by language: its model and translator key

    def plan(self, lang: str, indices: list[int]) -> None:
        """One round: its content sentences the cache lacks (and no earlier round sends) become one unit."""
        from .. import translation

        if lang not in self.keys:  # as the local engine, which makes a language's translator once
            model = self.settings.model_for(lang)
            self.keys[lang] = model, translation.translator_key(model, self.settings) if self.store else model
        model, key = self.keys[lang]
        content = translation.content_sentences(translation.articles_texts([self.articles[i] for i in indices]),
                                                lang)
        known = self.known[key] if self.store else {}  # without a store every round translates all it has
        if self.store:
            known.update(self.store.get("translations", key, [s for s in content if s not in known]))
        missing = [s for s in content if s not in known]
        unit = None
        if missing:
            unit = len(self.units)
            self.units.append((model, missing))
            if self.store:
                known.update(dict.fromkeys(missing, ""))  # sent by this round: a later one finds it "cached"
        self.planned.append((lang, model, key, indices, unit))

    def finish(self, done: Sequence[tuple[str, Any]], languages: Sequence[Language],
               warn: Warn) -> Iterator[tuple[list[int], list[Document]]]:
        """Each round's Documents, in order; results are stored, a model that could not be had is warned about once
        (as `translation.round_documents` does locally)."""
        from .. import translation

        failures: dict[str | None, ModelUnavailableError] = {}
        sent: dict[str, dict[str, str]] = defaultdict(dict)  # by key: English of the units finished so far
        for lang, model, key, indices, unit in self.planned:
            status, value = done[unit] if unit is not None else ("ok", {})
            english: dict[str, str] = {}
            if status == "ok" and model not in failures:
                if self.store and value:
                    self.store.put("translations", key, value)
                english = {**self.known[key], **sent[key], **value} if self.store else dict(value)
                sent[key].update(value)
            translator = _Known(model, english, None if status == "ok" else str(value))
            yield indices, translation.round_documents([self.articles[i] for i in indices],
                                                       [languages[i] for i in indices], lang, translator,
                                                       failures, warn)


class _Known:
    """A translator that knows the English of every sentence it is given: what the cluster translated and the store
    held; or, when the cluster could not load the model, what it said then (raised as the local engine would)."""

    def __init__(self, model: str, english: dict[str, str], unavailable: str | None) -> None:
        self.model, self.english, self.unavailable = model, english, unavailable

    def translate(self, distinct: Collection[str]) -> dict[str, str]:
        """The English given for each sentence."""
        if self.unavailable is not None:
            raise _Unavailable(self.model, self.unavailable)
        return {s: self.english[s] for s in distinct}


class _Unavailable(ModelUnavailableError):
    """A model the cluster could not load, with the message its worker gave."""

    def __init__(self, model: str, message: str) -> None:
        Exception.__init__(self, message)
        self.model, self.reason = model, message
