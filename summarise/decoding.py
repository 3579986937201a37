"""Bytes to text: a file read within a size cap, and bytes decoded without assuming an encoding.

The order: a byte-order mark, strict UTF-8, a declared charset (an HTML meta tag; for a fetched page
first its HTTP header's), then the best of charset-normalizer's guess and the usual single-byte code
pages, by how much the result looks like en/pt/ru prose. Binary and undecodable bytes are an
`InputError` with a one-line reason.
"""

from __future__ import annotations

import codecs
import re
import stat
from pathlib import Path

from .errors import InputError

MB = 1_000_000  # sizes are reported in decimal megabytes, as `max_file_mb` counts them


def _os_reason(exc: OSError) -> str:
    reason = (exc.strerror or str(exc)).lower()
    return reason + (" (a broken link?)" if isinstance(exc, FileNotFoundError) else "")


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= 100_000 else f"{n / 1000:.1f} kB"


def _too_big(rel: str, size: int, max_bytes: int) -> InputError:
    return InputError(rel, f"file is {_size(size)}, over the {_size(max_bytes)} limit; raise max_file_mb to read it",
                      "skipped")


def read_bytes(path: Path, rel: str, max_bytes: int) -> bytes:
    """The file's bytes; its size is checked before reading, and a FIFO is never opened."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(rel, f"cannot read: {_os_reason(exc)}", "failed") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(rel, "cannot read: not a regular file (a FIFO, socket or device)", "failed")
    if info.st_size > max_bytes:
        raise _too_big(rel, info.st_size, max_bytes)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(rel, f"cannot read: {_os_reason(exc)}", "failed") from None
    if len(data) > max_bytes:  # it grew since stat()
        raise _too_big(rel, len(data), max_bytes)
    return data


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE starts like UTF-16 LE
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# Non-ASCII characters expected in English, Portuguese and Russian news (and their neighbours).
_EXPECTED = set("áàâãäéèêëíìîïóòôõöúùûüçñºªÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑ«»—–“”‘’„…№°€£§©®™\u00a0·•") | {
    chr(c) for c in range(0x410, 0x450)} | {"ё", "Ё"}


def _plausibility(text: str) -> float:
    """How much `text` looks like en/pt/ru prose: expected characters, lowercase, one script per word."""
    sample = text[:100_000]
    unusual = [c for c in sample if ord(c) > 127]
    if not unusual:
        return 1.0
    odd = sum(c not in _EXPECTED for c in unusual) / len(unusual)
    letters = [c for c in unusual if c.isalpha()]
    lower = sum(c.islower() for c in letters) / len(letters) if letters else 1.0
    words = [w for w in re.findall(r"[^\W\d_]+", sample) if any(ord(c) > 127 for c in w)]
    mixed = sum((bool(_CYRILLIC.search(w)) and bool(re.search(r"[a-zA-Z]", w)))  # "aзгo": Latin-1 read as cp1251
                or bool(re.search(r"[a-zа-яё][A-ZА-ЯЁ]", w)) for w in words) / max(len(words), 1)
    return 1.0 - 3 * odd - 2 * mixed + 0.5 * lower


def _guess_single_byte(data: bytes, rel: str) -> tuple[str, str]:
    """Best of charset-normalizer's guess and the usual single-byte code pages, by plausibility."""
    from charset_normalizer import from_bytes  # imported here: only needed for non-UTF-8 files

    best = from_bytes(data[:200_000]).best()
    candidates = ([best.encoding] if best is not None else []) + ["cp1251", "koi8_r", "cp1252", "latin_1"]
    scored: list[tuple[float, int, str, str]] = []
    for order, name in enumerate(dict.fromkeys(candidates)):
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((_plausibility(text), -order, text, codecs.lookup(name).name))
    score, _, text, name = max(scored)
    if score < 0:
        tried = ", ".join(dict.fromkeys(candidates))
        raise InputError(rel, f"undecodable bytes: no text encoding fits (tried UTF-8, {tried})", "failed")
    return text, name


def _mostly_utf8(data: bytes) -> bool:
    """Valid multi-byte UTF-8 sequences far outnumber broken ones: a damaged UTF-8 file, not a code page."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 127) - bad
    return good >= 3 and good > 4 * bad


def _decode(data: bytes, rel: str, html_page: bool) -> tuple[str, str]:
    """Text and encoding name: BOM, strict UTF-8, an HTML meta charset, then a plausibility-checked guess."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise InputError(rel, f"undecodable bytes: not valid {name.upper()} despite its byte-order mark "
                                      f"(byte {exc.start})", "failed") from None
    if b"\x00" in data:
        raise InputError(rel, "binary file, not text", "failed")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    declared = _META_CHARSET.search(data[:4096]) if html_page else None
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; fall back to detection
    if _mostly_utf8(data):
        raise InputError(rel, f"undecodable bytes: invalid UTF-8 at byte {first_bad} of an otherwise UTF-8 file",
                         "failed")
    return _guess_single_byte(data, rel)


def text_of(data: bytes, rel: str, html_page: bool) -> tuple[str, str]:
    """Decoded text, or an InputError saying why not (binary, undecodable, empty)."""
    text, encoding = _decode(data, rel, html_page)
    if len(_CONTROL.findall(text[:100_000])) > 0.01 * min(len(text), 100_000):
        raise InputError(rel, "binary file, not text", "failed")
    if not text.strip():
        raise InputError(rel, "empty file", "skipped")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str]:
    """The page as text and the encoding used: the HTTP header's charset, then as for files (BOM, UTF-8,
    the meta tag, a checked guess); ValueError with a one-line reason for binary or undecodable bytes."""
    header = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    declared = _codec(header.group(1)) if header else None
    if declared and not body.startswith(tuple(bom for bom, _ in _BOMS)):  # a byte-order mark outranks the header
        try:
            return body.decode(declared), declared
        except UnicodeDecodeError:
            pass  # a header the bytes contradict: let the page itself decide
    try:
        return text_of(body, "", html_page=True)
    except InputError as exc:
        raise ValueError(exc.reason) from None


def _codec(label: str) -> str | None:
    try:
        return codecs.lookup(label.strip()).name
    except LookupError:
        return None
