"""Language identification accuracy on the Leipzig test texts (pemistahl/lingua-py language-testdata).

Run: python bench/langid.py [--method combined|langdetect|lingua] [--limit N]

For en, pt and ru, at each level (sentences, word pairs, single words), prints the share of texts
given their true language ("und" counts as wrong), and how often the look-alikes' texts (es, it,
fr, de, uk, bg, be) are labelled en, pt or ru (false positives). `langdetect` and `lingua` are the
single detectors (seeded langdetect over its 55 languages; lingua over summarise.detect's ten),
for comparison with the default combination. Ends with `RESULT sentences=.. word_pairs=.. single_words=..`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarise import detect  # noqa: E402

DATA = ROOT.parent / "shared" / "devdata" / "langid"
LEVELS = ("sentences", "word-pairs", "single-words")
MAIN = ("en", "pt", "ru")
LOOKALIKES = ("es", "it", "fr", "de", "uk", "bg", "be")


def _top(probs: dict[str, float]) -> str:
    return max(probs, key=lambda c: probs[c]) if probs else "und"


METHODS: dict[str, Callable[[str], str]] = {
    "combined": lambda text: detect.detect_language(text).code,
    "langdetect": lambda text: _top(detect._langdetect_probs(text)),
    "lingua": lambda text: _top({c: v for c, v in detect._lingua_confidences(text).items() if v > 0}),
}


def read_lines(level: str, lang: str, limit: int) -> list[str]:
    """The first `limit` lines of one test file (split on newlines only: some lines hold U+2028)."""
    text = (DATA / level / f"{lang}.txt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line.strip()][:limit]


def run_level(level: str, label: Callable[[str], str], limit: int) -> tuple[float, dict[str, float], float]:
    """Print one level's figures; return en/pt/ru accuracy, false-positive rates and seconds per text."""
    correct = total = 0
    false_pos: dict[str, float] = {}
    seconds = 0.0
    for lang in MAIN + LOOKALIKES:
        lines = read_lines(level, lang, limit)
        start = time.perf_counter()
        codes = [label(line) for line in lines]
        seconds += time.perf_counter() - start
        if lang in MAIN:
            hits = sum(code == lang for code in codes)
            correct, total = correct + hits, total + len(lines)
            print(f"{level:13s} {lang}  accuracy {hits / len(lines):.4f}  (n={len(lines)})")
        else:
            false_pos[lang] = sum(code in MAIN for code in codes) / len(lines)
    per_text = seconds / (limit * len(MAIN + LOOKALIKES))
    fp = "  ".join(f"{lang} {rate:.3f}" for lang, rate in false_pos.items())
    print(f"{level:13s} en+pt+ru accuracy {correct / total:.4f}  time/text {per_text * 1000:.2f} ms")
    mean = sum(false_pos.values()) / len(false_pos)
    print(f"{level:13s} look-alikes labelled en/pt/ru: {fp}  (mean {mean:.3f})")
    return correct / total, false_pos, per_text


def main() -> None:
    """Evaluate one method at every level and print the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=sorted(METHODS), default="combined")
    parser.add_argument("--limit", type=int, default=1000, help="lines per language and level")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA}: not found; the Leipzig test texts live in ../shared/devdata/langid")
    start = time.perf_counter()
    METHODS[args.method]("warm up: load the detectors")  # so load time is not charged to one text
    print(f"method {args.method}: detectors loaded in {time.perf_counter() - start:.2f} s")
    acc = {level: run_level(level, METHODS[args.method], args.limit)[0] for level in LEVELS}
    print(f"RESULT sentences={acc['sentences']:.4f} word_pairs={acc['word-pairs']:.4f} "
          f"single_words={acc['single-words']:.4f}")


if __name__ == "__main__":
    main()
