"""Writing outputs: atomic files, a day's files committed together, modes from the umask, the day lock."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from .errors import output_error

MANIFEST = ".commit.json"  # names the staged temp files of a commit in progress (see write_together)
LOCK = ".briefing.lock"  # <out>/<date>/.briefing.lock: one run at a time writes a day's briefing
_UMASK_LOCK = threading.Lock()


def file_mode(private: bool = False) -> int:
    """The mode a new file gets: 0600 when private, else 0666 less the process's umask (as open() gives)."""
    if private:
        return 0o600
    with _UMASK_LOCK:  # reading the umask means setting it: keep other threads out meanwhile
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def _stage(path: Path, data: str | bytes, mode: int) -> Path:
    """`data` (text as UTF-8) in a new temp file beside `path`, flushed to disk, with `mode`; removed again on
    failure."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)  # mkstemp makes 0600; outputs are for the owner's other tools too
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path: Path, data: str | bytes, *, private: bool = False) -> Path:
    """Write `data` to a temp file beside `path`, fsync it, then rename it over `path`.

    The file gets the umask's mode (0600 when `private`, for mail waiting in the outbox)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
    tmp = _stage(path, data, file_mode(private))
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_together(folder: Path, files: Mapping[str, str | bytes], *, kept: str = "") -> list[Path]:
    """Write several files into `folder` so that they change together: all new, or all as they were.

    Every file is staged (written and fsynced) beside its target first; a full disk or any other error
    here removes the staged files and leaves the old ones untouched. Then a manifest naming the staged
    files is written atomically: that is the commit. Then each is renamed over its target (renames
    need no space), and the manifest goes. A crash after the commit is finished by the next writer
    (`recover`), one before it leaves only temp files that the next writer removes. Call it holding
    `day_lock(folder)`. A write error raises OutputError (its one line ends with `kept`)."""
    folder = Path(folder)
    staged: dict[str, Path] = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        recover(folder, files)
        mode = file_mode()
        for name, data in files.items():
            staged[name] = _stage(folder / name, data, mode)
        write_atomic(folder / MANIFEST, json.dumps({tmp.name: name for name, tmp in staged.items()}))
    except OSError as exc:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        raise (output_error(exc, getattr(exc, "filename", None) or folder, kept) or exc) from None
    recover(folder, files)
    return [folder / name for name in files]


def recover(folder: Path, names: Iterable[str] = ()) -> None:
    """Finish a commit that a crash interrupted (rename what the manifest names), and drop the temp
    files of `names` that a run which died before its commit left behind."""
    manifest = Path(folder) / MANIFEST
    if manifest.exists():
        for tmp, name in json.loads(manifest.read_text(encoding="utf-8")).items():
            if (Path(folder) / tmp).exists():
                os.replace(Path(folder) / tmp, Path(folder) / name)
        _sync_dir(folder)
        manifest.unlink()
    for name in names:
        for leftover in Path(folder).glob(f".{name}.*.tmp"):
            leftover.unlink(missing_ok=True)


def _sync_dir(folder: Path) -> None:
    """Make the renames in `folder` durable (not every platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def day_lock(folder: Path, warn: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold `<folder>/.briefing.lock` (an OS lock, released if the process dies); say so when waiting for it."""
    from filelock import FileLock, Timeout

    Path(folder).mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(Path(folder) / LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        start = time.monotonic()
        if warn:
            warn(f"another run is writing {folder}; waiting for it to finish")
        lock.acquire()
        if warn:
            warn(f"waited {time.monotonic() - start:.1f} s for the other run on {folder}")
    try:
        yield
    finally:
        lock.release()
