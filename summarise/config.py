"""One frozen Settings: flag > environment (SUMMARISE_*) > TOML file > default."""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_MODELS: dict[str, str] = {
    "ru": "Helsinki-NLP/opus-mt-ru-en",
    "pt": "Helsinki-NLP/opus-mt-ROMANCE-en",
    "es": "Helsinki-NLP/opus-mt-ROMANCE-en",
    "fr": "Helsinki-NLP/opus-mt-ROMANCE-en",
    "it": "Helsinki-NLP/opus-mt-ROMANCE-en",
    "*": "Helsinki-NLP/opus-mt-mul-en",  # many-to-English fallback
}

CONFIG_ENV = "SUMMARISE_CONFIG"
CONFIG_CANDIDATES = (Path("summarise.toml"), Path("~/.config/summarise/config.toml"))


@dataclass(frozen=True)
class Settings:
    """Every knob of a run. Build it with `load_settings`; the defaults run offline."""

    out: Path = Path("outputs")
    date: str | None = None  # YYYY-MM-DD; default today
    translate: bool = True
    models: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    translate_backend: str = "auto"  # ctranslate2 when installed (the `fast` extra), else transformers
    batch_size: int = 16  # most sentences in one translation batch
    max_batch_tokens: int = 4096  # most tokens in one batch, padding included
    beam_size: int = 4
    max_output_ratio: float = 2.0  # output tokens at most this many times the input's (plus a few)
    cache: bool = True  # keep translations, embeddings and languages in the store, for re-runs
    device: str = "cpu"
    cluster_threshold: float = 0.65  # similarity every two articles of a story must reach (tuned: bench/cluster.py)
    cluster_exact_max: int = 5000  # more articles than this cluster approximately, in memory linear in n (bench/scale.py)
    engine: str = "local"  # where ingest, detect, translate and embed run: "local", or "ray" (the `ray` extra)
    ray_address: str | None = None  # engine "ray": "auto", "ray://head:10001", ...; none: a Ray started here
    summariser: str = "extractive"  # or "abstractive"
    summary_model: str = "sshleifer/distilbart-cnn-12-6"  # abstractive: hub id or local directory
    short_words: int = 60
    long_min_words: int = 150
    long_max_words: int = 300
    max_file_mb: float = 10.0
    quiet: bool = False

    def model_for(self, lang: str) -> str:
        """The translation model id or directory for a source language."""
        return self.models.get(lang) or self.models.get("*") or DEFAULT_MODELS["*"]


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    default = getattr(Settings(), name)
    try:
        if name == "models":
            if isinstance(value, str):  # env form: "ru=id,pt=id"
                value = dict(part.split("=", 1) for part in value.split(",") if part.strip())
            return {**DEFAULT_MODELS, **{str(k).strip(): str(v).strip() for k, v in dict(value).items()}}
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(value)
                return value.lower() in ("1", "true", "yes", "on")
            return bool(value)
        if isinstance(default, Path):
            return Path(value).expanduser()
        if default is None:
            return str(value)
        return type(default)(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot use {value!r} ({exc}); fix it in the config file, "
                          f"SUMMARISE_{name.upper()} or the flag") from None


def find_config(explicit: Path | None = None) -> Path | None:
    """The config file to read: --config, then $SUMMARISE_CONFIG, then ./summarise.toml, ~/.config/..."""
    if explicit is None and os.environ.get(CONFIG_ENV):
        explicit = Path(os.environ[CONFIG_ENV])
    if explicit is not None:
        explicit = explicit.expanduser()
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist; create it or drop --config")
        return explicit
    for candidate in CONFIG_CANDIDATES:
        if candidate.expanduser().is_file():
            return candidate.expanduser()
    return None


def read_toml(path: Path | None) -> dict[str, Any]:
    """The config file's contents (top-level keys; `[models]` is a table)."""
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path}: {exc}; fix the file or point --config elsewhere") from None


def load_settings(config: Path | None = None, env: Mapping[str, str] | None = None,
                  **flags: Any) -> Settings:
    """Merge flags (None = not given), SUMMARISE_* variables, the TOML file and the defaults."""
    env = os.environ if env is None else env
    toml = read_toml(find_config(config))
    unknown = sorted(set(flags) - set(_FIELDS))
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name in _FIELDS:
        if flags.get(name) is not None:
            values[name] = _coerce(name, flags[name])
        elif f"SUMMARISE_{name.upper()}" in env:
            values[name] = _coerce(name, env[f"SUMMARISE_{name.upper()}"])
        elif name in toml:
            values[name] = _coerce(name, toml[name])
    return Settings(**values)
