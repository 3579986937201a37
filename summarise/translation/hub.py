"""Where a model comes from: a local directory, the standard Hugging Face cache, or (when reachable) the hub.

The environment is read at call time, not at import: `huggingface_hub` freezes HF_HOME / HF_HUB_OFFLINE when it
is first imported, and a process (or a test) may change them afterwards.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from urllib.request import getproxies

from ..errors import ConfigError, ModelUnavailableError
from ..files import write_atomic

T = TypeVar("T")
Loader = Callable[[str, dict[str, Any]], T]

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT_S = 2.5
CACHE_ENV = "SUMMARISE_CACHE_DIR"


def to_device(model: Any, setting: str) -> Any:
    """A torch model moved to the device `setting` names (torch_device); ConfigError when it cannot be used."""
    try:
        return model.to(torch_device(setting))
    except (RuntimeError, AssertionError, ValueError) as exc:  # unknown device, or no CUDA build
        raise ConfigError(f"device {setting!r} cannot be used ({exc}); set device to 'cpu'") from exc


def torch_device(setting: str) -> str:
    """The torch device for a `device` setting: "auto" is the first CUDA GPU when there is one, else Apple's MPS,
    else the CPU; any other setting as it is."""
    if setting.strip().lower() != "auto":
        return setting
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


def offline() -> bool:
    """True when HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE asks for no network."""
    return any(os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
               for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _xdg_cache() -> str:
    """$XDG_CACHE_HOME, else ~/.cache."""
    return os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")


def cache_dir() -> str:
    """The standard hub cache as the environment names it now (HF_HUB_CACHE, else $HF_HOME/hub)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.path.expanduser(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(_xdg_cache(), "huggingface")
    return os.path.join(os.path.expanduser(home), "hub")


def cache_root() -> Path:
    """Our own cache (conversions, digests): $SUMMARISE_CACHE_DIR, else $XDG_CACHE_HOME/summarise."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return Path(_xdg_cache()) / "summarise"


def snapshot(model: str) -> Path | None:
    """The cached snapshot of a hub id (the layout huggingface_hub writes), read without importing it."""
    repo = Path(cache_dir()) / ("models--" + model.replace("/", "--"))
    try:
        commit = (repo / "refs" / "main").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    found = repo / "snapshots" / commit
    return found if (found / "config.json").is_file() else None


def digest(directory: Path) -> str:
    """A content hash of a local model directory, remembered by the files' sizes and times (hashing is slow)."""
    files = sorted(p for p in directory.iterdir() if p.is_file())
    stamp = hashlib.sha256(str(directory.resolve()).encode())
    for path in files:
        info = path.stat()
        stamp.update(f"\0{path.name}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    memo = cache_root() / "digests" / stamp.hexdigest()[:32]
    if memo.is_file():
        return memo.read_text(encoding="utf-8")
    content = hashlib.sha256()
    for path in files:
        content.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                content.update(block)
    found = f"sha256:{content.hexdigest()}"
    write_atomic(memo, found)
    return found


def revision(model: str) -> str:
    """The revision of `model` on disk without loading or downloading anything ("" when not on disk)."""
    path = Path(model).expanduser()
    if path.is_dir():
        return digest(path)
    found = snapshot(model)
    return found.name if found else ""


def hub_address() -> tuple[str, int]:
    """Host and port a download would connect to first: the HTTPS proxy if one is set, else HF_ENDPOINT."""
    url = getproxies().get("https") or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    parts = urlsplit(url if "://" in url else f"http://{url}")
    default_port = 443 if parts.scheme == "https" else 80
    return parts.hostname or "", parts.port or default_port


@cache
def reachable(host: str, port: int, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to host:port opens within `timeout` seconds (asked once per process)."""
    answer: list[bool] = []

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            answer.append(True)
        except OSError:
            answer.append(False)

    # A thread, because name resolution ignores socket timeouts and can hang far longer.
    probe = threading.Thread(target=attempt, daemon=True)
    probe.start()
    probe.join(timeout)
    return bool(answer and answer[0])


def fetch(model: str, load: Loader[T]) -> T:
    """Call `load(source, from_pretrained_kwargs)` on a local directory, the cache, or the hub, in that order.

    Raises ModelUnavailableError, fast, when the model is in none of them or cannot be read. Loaders report
    missing or unreadable files as OSError, ValueError, KeyError, RuntimeError, SafetensorError..., hence the
    broad `except`: each one becomes that typed error, its message kept.
    """
    if Path(model).expanduser().is_dir():
        try:
            return load(str(Path(model).expanduser()), {})
        except Exception as exc:
            raise ModelUnavailableError(model, f"the directory holds no readable model: {_line(exc)}") from exc
    options: dict[str, Any] = {"cache_dir": cache_dir()}
    try:
        return load(model, {**options, "local_files_only": True})
    except Exception:
        pass  # not (completely) in the cache: download it below if we may
    if offline():
        reason = "it is not in the local cache and HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE forbids downloads"
        raise ModelUnavailableError(model, reason)
    host, port = hub_address()
    # Without this probe, from_pretrained spends most of a minute in retries before failing.
    if not reachable(host, port):
        raise ModelUnavailableError(model, f"it is not in the local cache and {host} cannot be reached")
    try:
        return load(model, options)
    except Exception as exc:
        raise ModelUnavailableError(model, _line(exc)) from exc


def _line(exc: BaseException) -> str:
    """The first line of an exception's message (transformers' messages run to paragraphs)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
