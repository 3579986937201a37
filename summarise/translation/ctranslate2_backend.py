"""The CTranslate2 backend: a Marian (opus-mt) model converted once, then int8 on CPU or float16 on a GPU.

The conversion needs torch and transformers, once per model revision and quantisation; it is cached under
`cache_root()/ct2/` and written into a temporary folder that is renamed into place, so a crash or a concurrent
conversion never leaves a half-written model behind. Translating needs only ctranslate2 and sentencepiece.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ConfigError
from . import hub
from .core import cores, model_limit, output_limit
from .hub import cache_root

INSTALL = "pip install 'ctranslate2>=4.4'"  # a default dependency; missing only when removed
META = "summarise.json"  # written beside a converted model: what it was converted from, and its limit
TOKENIZER_FILES = ("source.spm", "target.spm")
WEIGHTS = ("model.safetensors", "pytorch_model.bin")
DOWNLOAD = ["*.json", "*.spm", "model.safetensors", "pytorch_model.bin"]  # not the TF/Rust weights
SPECIAL = frozenset({"</s>", "<unk>", "<pad>"})  # what transformers' skip_special_tokens drops
_DEVICE = re.compile(r"(cpu|cuda)(?::(\d+))?")


def available() -> bool:
    """Whether ctranslate2 is installed (a default dependency)."""
    return importlib.util.find_spec("ctranslate2") is not None


def _snapshot(source: str, options: dict[str, Any]) -> Path:
    """A hub.fetch loader: the directory holding `source`, downloaded only when the options allow it."""
    if not options:  # a local directory
        directory = Path(source)
    elif options.get("local_files_only"):
        cached = hub.snapshot(source)
        if cached is None:
            raise FileNotFoundError(f"{source} is not in the hub cache")
        directory = cached
    else:
        from huggingface_hub import snapshot_download

        directory = Path(snapshot_download(source, cache_dir=options["cache_dir"], allow_patterns=DOWNLOAD))
    if not (directory / "config.json").is_file() or not any((directory / w).is_file() for w in WEIGHTS):
        raise FileNotFoundError(f"no config.json and weights in {directory}")
    return directory


def is_marian(model: str) -> bool:
    """Whether `model` on disk is a Marian model (True when it cannot be told yet: Marian is the default)."""
    path = Path(model).expanduser()
    directory = path if path.is_dir() else hub.snapshot(model)
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8")) if directory else {}
    except (OSError, ValueError):
        return True
    return bool(config.get("model_type", "marian") == "marian")


def _device(settings: Settings) -> tuple[str, int, str]:
    """CTranslate2's device, index and compute type: int8 on CPU, float16 on a GPU (float32 where not); "auto" is
    the first GPU when there is one, else the CPU."""
    import ctranslate2

    name = settings.device.strip().lower()
    if name == "auto":  # the first GPU when CTranslate2 sees one
        name = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    match = _DEVICE.fullmatch(name)
    if match is None:
        raise ConfigError(f"device {settings.device!r} cannot be used by ctranslate2; set device to 'cpu' or 'cuda'")
    device, index = match.group(1), int(match.group(2) or 0)
    try:
        supported = ctranslate2.get_supported_compute_types(device)
    except (RuntimeError, ValueError) as exc:  # no CUDA driver or device
        raise ConfigError(f"device {settings.device!r} cannot be used ({exc}); set device to 'cpu'") from exc
    preferred = "int8" if device == "cpu" else "float16"
    return device, index, preferred if preferred in supported else "float32"


def _limit(directory: Path) -> int:
    """The most tokens the model takes in or puts out (512 for opus-mt), as the transformers backend reads it."""
    limits = []
    for name, key in (("config.json", "max_position_embeddings"), ("tokenizer_config.json", "model_max_length")):
        try:
            limits.append(json.loads((directory / name).read_text(encoding="utf-8")).get(key))
        except (OSError, ValueError):
            continue
    return model_limit(*limits)


def _convert(source: Path, revision: str, target: Path, quantization: str) -> None:
    """Convert `source` into `target`: into a temporary folder first, renamed into place when complete."""
    from ctranslate2.converters import TransformersConverter
    from transformers.utils import logging as hf_logging

    quiet: Callable[[], None] = hf_logging.disable_progress_bar  # untyped in transformers

    quiet()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        files = [name for name in TOKENIZER_FILES if (source / name).is_file()]
        with warnings.catch_warnings():  # MarianTokenizer recommends sacremoses, which conversion never uses
            warnings.simplefilter("ignore")
            TransformersConverter(str(source), copy_files=files).convert(str(work / "model"),
                                                                         quantization=quantization)
        meta = {"source": str(source), "revision": revision, "limit": _limit(source)}
        (work / "model" / META).write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.rename(work / "model", target)
        except OSError:
            if not (target / META).is_file():  # not a concurrent conversion that finished first
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _converter(model: str, quantization: str) -> Callable[[str, dict[str, Any]], Path]:
    """A hub.fetch loader: the conversion of the model found at a source, made when not cached yet."""

    def load(source: str, options: dict[str, Any]) -> Path:
        directory = _snapshot(source, options)
        if not is_marian(str(directory)):
            raise ValueError("it is not a Marian (opus-mt) model; set translate_backend to 'transformers'")
        found = hub.digest(directory) if not options else directory.name  # local content hash, or hub commit
        key = hashlib.sha256(f"{model}\0{found}\0{quantization}".encode()).hexdigest()[:16]
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(model).name or "model")[-48:]
        target = cache_root() / "ct2" / f"{name}-{quantization}-{key}"
        if not (target / META).is_file():
            _convert(directory, found, target, quantization)
        return target

    return load


def _check_marian(model: str) -> None:
    if not is_marian(model):  # told from the files on disk; a model downloaded just now is checked on conversion
        raise ConfigError(f"the ctranslate2 backend takes Marian (opus-mt) models and {model!r} is not one; "
                          f"set translate_backend to 'transformers' (or 'auto')")


def converted(model: str, quantization: str) -> Path:
    """The CTranslate2 conversion of `model` (directory or hub id) at `quantization`, made on first use."""
    _check_marian(model)
    return hub.fetch(model, _converter(model, quantization))


class CTranslate2Translator:
    """Translates batches of sentences with a converted Marian model, deterministically (beam search)."""

    def __init__(self, model: str, settings: Settings) -> None:
        if not available():
            raise ConfigError(f"translate_backend 'ctranslate2' needs ctranslate2: run `{INSTALL}`, "
                              f"or set translate_backend to 'transformers'")
        device, index, compute = _device(settings)
        self._threads = max(0, settings.threads)  # 0: one worker per core
        _check_marian(model)
        convert = _converter(model, compute)
        # Opening the conversion inside hub.fetch too: a damaged file is reported like any unreadable model.
        hub.fetch(model, lambda source, options: self._open(convert(source, options), device, index, compute))
        self.model = model
        self.max_input_tokens = self.limit // 2  # as in the transformers backend: the output needs room too
        self._beams, self._ratio = settings.beam_size, settings.max_output_ratio

    def _open(self, directory: Path, device: str, index: int, compute: str) -> None:
        """Load the tokenizers and the converted model from `directory`."""
        import ctranslate2
        import sentencepiece

        self.limit = int(json.loads((directory / META).read_text(encoding="utf-8"))["limit"])
        self._source = sentencepiece.SentencePieceProcessor(model_file=str(directory / "source.spm"))
        self._target = sentencepiece.SentencePieceProcessor(model_file=str(directory / "target.spm"))
        # On CPU, one single-threaded worker per core, each translating its own part of a batch: on 2 cores
        # this is ~1.9x faster than one two-threaded worker (small matrices do not pay for thread sync).
        self._workers = (self._threads or cores()) if device == "cpu" else 1
        self._translator = ctranslate2.Translator(str(directory), device=device, device_index=index,
                                                  compute_type=compute, inter_threads=self._workers,
                                                  intra_threads=1 if device == "cpu" else 0)

    def _pieces(self, text: str) -> list[str]:
        return [*self._source.encode(text, out_type=str), "</s>"]  # as MarianTokenizer: pieces, then EOS

    def count_tokens(self, text: str) -> int:
        """Input tokens for `text`, the end-of-sentence token included."""
        return len(self._pieces(text))

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """One translation per sentence, in order."""
        if not sentences:
            return []
        tokens = [self._pieces(s) for s in sentences]
        size = math.ceil(len(tokens) / self._workers)  # one part per worker: the parts run side by side
        jobs = [self._submit(tokens[i:i + size]) for i in range(0, len(tokens), size)]
        return [self._target.decode([t for t in job.result().hypotheses[0] if t not in SPECIAL]).strip()
                for part in jobs for job in part]

    def _submit(self, part: list[list[str]]) -> list[Any]:
        """Start translating `part` on a free worker, its output bounded by its own longest input."""
        bound = output_limit(max(map(len, part)), self._ratio, self.limit)
        # max_input_length=0: never truncate (translate_texts already keeps inputs within max_input_tokens).
        pending: list[Any] = self._translator.translate_batch(part, beam_size=self._beams, max_input_length=0,
                                                              max_decoding_length=bound, asynchronous=True)
        return pending
