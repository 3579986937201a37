"""Quality gate: long briefings against classic summarisers, story clustering, language identification.

Run: python bench/quality.py [--clusters N] [--check | --update-floors [--allow-lower]]

1. ROUGE-1/2/L F (rouge-score, Porter stemming) of the extractive long briefings (default settings) on
   Multi-News validation clusters against the human summaries, side by side with sumy's LexRank and TextRank
   and a lead baseline (sentence 1 of every article in turn, then sentence 2, ...). Every system sees the same
   articles, cleaned by summarise.clean and split into sentences by summarise.text (sumy's own tokenizer needs
   nltk data that cannot be downloaded offline, so it gets these sentences and a regex word tokenizer; its
   Porter stemmer and stopword list are its own). Each baseline is cut to exactly the word count of our
   briefing for that cluster. The gate uses the first 100 clusters (the file is itself a random draw);
   `--clusters 250` measures all of them.
2. Cluster B-cubed F1 on NTREX-128 + Multi-News (bench/cluster.py: of the facets, and of the stories a reader
   sees) and language accuracy on the Leipzig test sets (bench/langid.py), read from the `RESULT` line each
   prints.

`--check` exits 1 when a figure falls below its floor in bench/floors.json. `--update-floors` pins the
measured figures, less a small allowance for numerical noise (see `noise`), as floors; a floor only goes
down with `--allow-lower` too (as trafilatura's eval gate).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import math
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarise.types import AlignedSentence, Article, Document, Language, Translation  # noqa: E402

DEVDATA = ROOT.parent / "shared" / "devdata"
MULTINEWS = DEVDATA / "multinews_val" / "multinews_val_250.csv"
FLOORS = Path(__file__).resolve().parent / "floors.json"
GATE_CLUSTERS = 100  # the gate's Multi-News sample (the file's rows are a random draw): ~2 minutes of ROUGE
SYSTEMS = ("ours", "lexrank", "textrank", "lead")
METRICS = ("rouge1", "rouge2", "rougeL")
_SENTENCE_END = re.compile(r"(?:\[\d+\])+\s*")  # a briefing sentence ends with its citation markers
_RESULT = re.compile(r"^RESULT (.*)$", re.MULTILINE)


def multinews(limit: int) -> list[tuple[list[str], str]]:
    """(article texts, human summary) of the first `limit` Multi-News clusters, in file order."""
    csv.field_size_limit(1 << 30)
    with MULTINEWS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:limit]
    return [(ast.literal_eval(r["documents"]), r["summary"]) for r in rows]


def _cleaner() -> Callable[[str], tuple[str, str]]:
    """(title, body) by clean.py's boilerplate removal, as ingest does."""
    from summarise.clean import clean

    return lambda text: (lambda c: (c.title or "", c.text))(clean(text))


def documents(texts: Sequence[str], clean: Callable[[str], tuple[str, str]]) -> list[Document]:
    """English Documents as the pipeline hands them to briefing, one per non-empty article."""
    from summarise.text import paragraphs, sentences

    docs = []
    for k, raw in enumerate(texts):
        title, text = clean(raw)
        paras = tuple(tuple(AlignedSentence(s, s) for s in sentences(p)) for p in paragraphs(text))
        if paras:
            article = Article(id=f"doc{k}", path=f"doc{k}.txt", title=title, text=text)
            docs.append(Document(article, Language("en", 1.0), title, Translation("en", None, paras), False))
    return docs


def _cut(sentences: Sequence[str], words: int) -> str:
    """The sentences joined and cut to exactly `words` words (fewer only when they hold fewer)."""
    return " ".join(" ".join(sentences).split()[:words])


def lead(docs: Sequence[Document], words: int) -> str:
    """Lead baseline: sentence 1 of every article in turn, then sentence 2, ..., cut to `words` words."""
    sents = [[s.english for s in d.body.sentences] for d in docs]
    order = [s[i] for i in range(max(map(len, sents), default=0)) for s in sents if i < len(s)]
    return _cut(order, words)


class _SentenceTokenizer:
    """sumy's word tokenizer without nltk's punkt data (not downloadable here): words by regex."""

    _WORD = re.compile(r"\w+(?:['’]\w+)*")

    def to_words(self, sentence: str) -> list[str]:
        return self._WORD.findall(sentence)


def sumy_summary(method: str, docs: Sequence[Document], words: int) -> str:
    """LexRank or TextRank over the same sentences, best first until `words`, in document order, then cut."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = _SentenceTokenizer()
    document = ObjectDocumentModel([Paragraph([Sentence(s.english, tokenizer) for s in d.body.sentences])
                                    for d in docs])
    summarizer = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}[method](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def enough(infos: Sequence) -> list:  # sumy hands its sentences best-rated first
        chosen, total = [], 0
        for info in infos:
            if total >= words:
                break
            chosen.append(info)
            total += len(str(info.sentence).split())
        return chosen

    return _cut([str(s) for s in summarizer(document, enough)], words)


def reference_lede(summary: str) -> str:
    """The opening of a human summary: its first sentence, plus the second when the first is under 20 words."""
    from summarise.text import sentences

    sents = sentences(re.sub(r"^\W+", "", summary.strip()))
    if len(sents) > 1 and len(sents[0].split()) < 20:
        return f"{sents[0]} {sents[1]}"
    return sents[0] if sents else ""


def briefing_sentences(text: str) -> list[str]:
    """A briefing's sentences, each as written in its source (markers and timeline date labels dropped)."""
    from summarise.render import DATE_LABEL

    return [s.strip() for s in _SENTENCE_END.split(DATE_LABEL.sub("", text)) if s.strip()]


def dangling_count(docs: Sequence[Document], long: str) -> tuple[int, int]:
    """(sentences that lean on one before them, not right before them here, and sentences) of a briefing.

    Each briefing sentence is found in its source; it dangles when it leans back (summarise.coherence: opens on a
    back-reference, or closes a quotation opened before it) and the sentence before it in that source is not the
    one before it in the briefing."""
    from summarise.coherence import dangling, leans_back, previous_sentences
    from summarise.story_model import shown

    where: dict[str, tuple[int, int]] = {}
    previous = []
    for i, d in enumerate(docs):
        texts = [shown(s.english) for s in d.body.sentences]
        previous.append(previous_sentences(texts))
        for j, text in enumerate(texts):
            where.setdefault(text, (i, j))
    found = [(where[s], leans_back(s)) for s in briefing_sentences(long) if s in where]
    flags = dangling([f[0] for f in found], [f[1] for f in found], previous)
    return sum(flags), len(flags)


def summaries(docs: Sequence[Document]) -> tuple[dict[str, str], dict[str, str], tuple[int, int]]:
    """Long and short: ours (markers removed) and each baseline cut to its length; and the long's dangling count."""
    from summarise.briefing import brief_cluster

    story = brief_cluster(docs)
    out = []
    for text in (story.long, story.short):
        ours = " ".join(briefing_sentences(text))
        words = len(ours.split())
        out.append({"ours": ours, "lexrank": sumy_summary("lexrank", docs, words),
                    "textrank": sumy_summary("textrank", docs, words), "lead": lead(docs, words)})
    return out[0], out[1], dangling_count(docs, story.long)


def rouge(limit: int) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]], float]:
    """Mean ROUGE F (in points) per system and metric over the first `limit` Multi-News clusters: long briefings
    against the whole human summary, shorts against its opening (`reference_lede`); and the share of long-briefing
    sentences that dangle."""
    from rouge_score.rouge_scorer import RougeScorer

    scorer = RougeScorer(list(METRICS), use_stemmer=True)
    clean = _cleaner()
    totals = [{s: dict.fromkeys(METRICS, 0.0) for s in SYSTEMS} for _ in range(2)]
    dangling, sentences = 0, 0
    data = multinews(limit)
    for texts, reference in data:
        longs, shorts, (bad, count) = summaries(documents(texts, clean))
        dangling, sentences = dangling + bad, sentences + count
        for table, found, ref in ((totals[0], longs, reference), (totals[1], shorts, reference_lede(reference))):
            for system, text in found.items():
                scores = scorer.score(ref, text)
                for m in METRICS:
                    table[system][m] += 100 * scores[m].fmeasure
    long_table, short_table = ({s: {m: v / len(data) for m, v in row.items()} for s, row in t.items()}
                               for t in totals)
    return long_table, short_table, dangling / max(sentences, 1)


def start(script: str) -> subprocess.Popen[str]:
    """Start another bench script in the background (they run while ROUGE is measured)."""
    return subprocess.Popen([sys.executable, str(ROOT / "bench" / script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


def result_line(script: str, process: subprocess.Popen[str]) -> dict[str, float]:
    """The `RESULT key=value ...` line a bench script ends with, once it has finished."""
    out, err = process.communicate()
    found = _RESULT.findall(out)
    if process.returncode != 0 or not found:
        raise SystemExit(f"bench/{script} failed (exit {process.returncode}): {err.strip()[-500:]}")
    return {k: float(v) for k, v in (pair.split("=", 1) for pair in found[-1].split())}


def figures(limit: int) -> dict[str, float]:
    """Every gated figure, named as in floors.json."""
    others = {script: start(script) for script in ("cluster.py", "langid.py")}
    long_table, short_table, dangling = rouge(limit)
    out: dict[str, float] = {}
    for name, table, against in (("long", long_table, "the human summary"),
                                 ("short", short_table, "its opening sentence(s)")):
        print(f"ROUGE F of {name} briefings on the first {limit} Multi-News validation clusters against {against}, "
              "every system cut to our length:")
        for system in SYSTEMS:
            print(f"  {system:<9} " + "  ".join(f"{m}={table[system][m]:6.2f}" for m in METRICS))
        prefix = "" if name == "long" else "short_"
        out.update({f"{prefix}{m}_ours": table["ours"][m] for m in METRICS})
        out[f"{prefix}rouge2_margin"] = table["ours"]["rouge2"] - max(table[s]["rouge2"] for s in SYSTEMS[1:])
    print("Long-briefing sentences leaning on one not right before them (a reference back, a quotation closed): "
          f"{100 * dangling:.2f}%")
    out["standalone_share"] = 1.0 - dangling
    clusters = result_line("cluster.py", others["cluster.py"])
    out["cluster_bcubed_f1"], out["cluster_story_bcubed_f1"] = clusters["bcubed_f1"], clusters["story_bcubed_f1"]
    langid = result_line("langid.py", others["langid.py"])
    out.update({f"langid_{k}": v for k, v in langid.items()})
    return out


def noise(name: str) -> float:
    """How far a figure may move on another machine with the code unchanged: float differences in the
    embeddings can flip a near-tie between two sentences, worth up to ~0.05 ROUGE points over 100 clusters;
    clustering and language figures are fractions, far steadier."""
    return 0.05 if "rouge" in name else 0.002


def check(measured: dict[str, float], floors: dict[str, float]) -> list[str]:
    """One line per figure below its floor (or missing)."""
    return [f"{name}: {measured.get(name, math.nan):.4f} < floor {floor:.4f}"
            for name, floor in floors.items() if not measured.get(name, -math.inf) >= floor]


def update(measured: dict[str, float], floors: dict[str, float], allow_lower: bool) -> dict[str, float]:
    """New floors: the measured figures less their noise, never lower than before without `allow_lower`."""
    new = {name: math.floor((value - noise(name)) * 1000 + 1e-6) / 1000 for name, value in measured.items()}
    lowered = [name for name, value in new.items() if value < floors.get(name, -math.inf)]
    if lowered and not allow_lower:
        raise SystemExit(f"would lower {', '.join(lowered)}; pass --allow-lower to do that on purpose")
    return {**floors, **new}


def main() -> None:
    """Measure, print, and check or update the floors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=GATE_CLUSTERS,
                        help=f"first N Multi-News clusters (default {GATE_CLUSTERS}; all: 250)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 when a figure is below its floor")
    mode.add_argument("--update-floors", action="store_true", help="pin the measured figures as floors")
    parser.add_argument("--allow-lower", action="store_true", help="with --update-floors: allow lowering")
    args = parser.parse_args()
    if (args.check or args.update_floors) and args.clusters != GATE_CLUSTERS:
        parser.error(f"floors are pinned on the first {GATE_CLUSTERS} clusters: drop --clusters")
    start = time.time()
    measured = figures(args.clusters)
    floors = json.loads(FLOORS.read_text()) if FLOORS.exists() else {}
    print_result(measured, start)
    if args.update_floors:
        FLOORS.write_text(json.dumps(update(measured, floors, args.allow_lower), indent=2, sort_keys=True) + "\n")
    elif args.check:
        exit_on(check(measured, floors))


def print_result(measured: dict[str, float], start: float) -> None:
    """The `RESULT key=value ...` line a bench script ends with (also bench/developing.py's)."""
    print("RESULT " + " ".join(f"{k}={v:.4f}" for k, v in measured.items()) + f" seconds={time.time() - start:.0f}")


def exit_on(failures: list[str]) -> None:
    """Name each figure past its floor on stderr; exit 1 when there is one, else 0."""
    for line in failures:
        print(f"below floor: {line}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
