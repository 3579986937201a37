"""Cross-lingual story clustering on real news: NTREX-128 (en/pt/ru) mixed with Multi-News clusters.

Run: python bench/cluster.py [--multinews 80] [--subset tune|check] [--threshold T] [--raw]

Gold stories are the NTREX document id (its English, Portuguese and Russian versions are one
story) and the Multi-News row (its articles are one story). Multi-News texts go through
summarise.clean as the pipeline's ingest does (--raw: not). Clustering runs offline on
untranslated Documents, without the gold labels, at Settings' default threshold unless given.
Prints B-cubed precision/recall/F1 (overall and per source), how many NTREX documents keep all
three languages in one cluster, the time taken, the clusters that join several gold stories (to
judge by eye: NTREX has several reports of one event from different outlets) and a threshold sweep.
The default threshold was picked on the `tune` slice; `check` is the disjoint robustness slice.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarise.config import Settings  # noqa: E402
from summarise.types import AlignedSentence, Article, Document, Language, Translation  # noqa: E402

DEVDATA = ROOT.parent / "shared" / "devdata"
NTREX = DEVDATA / "ntrex128" / "ntrex128_docs.jsonl"
MULTINEWS = DEVDATA / "multinews_val" / "multinews_val_250.csv"
NTREX_LANGS = {"eng": "en", "por": "pt", "rus": "ru"}
SEED = 2024  # fixes the shuffle of Multi-News rows; `tune` and `check` are disjoint slices of it


def document(doc_id: str, title: str, text: str, lang: str) -> Document:
    """An untranslated Document as the pipeline hands it to clustering when no model is available."""
    from summarise.text import paragraphs, sentences

    paras = tuple(tuple(AlignedSentence(s, s) for s in sentences(p, lang)) for p in paragraphs(text))
    article = Article(id=doc_id, path=f"{doc_id}.txt", title=title, text=text)
    return Document(article=article, language=Language(lang, 1.0), title_en=title,
                    body=Translation(lang, None, paras), translated=False,
                    untranslated_reason=None if lang == "en" else "no translation model (benchmark)")


def ntrex(limit: int | None = None) -> tuple[list[Document], list[str]]:
    """NTREX documents in English, Portuguese and Russian, with their doc_id as gold label."""
    rows = [json.loads(line) for line in NTREX.read_text(encoding="utf-8").splitlines()]
    ids = set(sorted({r["doc_id"] for r in rows})[:limit])
    keep = [r for r in rows if r["lang"] in NTREX_LANGS and r["doc_id"] in ids]
    # NTREX holds one segment per line; the pipeline's articles separate paragraphs by blank lines.
    docs = [document(f"ntrex:{r['doc_id']}:{r['lang']}", r["title"], r["text"].replace("\n", "\n\n"),
                     NTREX_LANGS[r["lang"]]) for r in keep]
    return docs, [f"ntrex:{r['doc_id']}" for r in keep]


def multinews_rows(count: int, subset: str = "tune") -> list[int]:
    """Row numbers of the Multi-News slice: `tune` is the first `count` after a fixed shuffle, `check` the next."""
    with MULTINEWS.open(encoding="utf-8", newline="") as fh:
        total = sum(1 for _ in csv.DictReader(fh))
    order = random.Random(SEED).sample(range(total), total)
    start = {"tune": 0, "check": count}[subset]
    if start + count > total:
        raise SystemExit(f"{MULTINEWS}: only {total} rows, cannot take {count} for '{subset}'")
    return sorted(order[start:start + count])


def multinews(rows: Sequence[int], clean: bool = True) -> tuple[list[Document], list[str]]:
    """The articles of the given Multi-News rows (empty texts skipped), with the row as gold label."""
    csv.field_size_limit(1 << 30)
    with MULTINEWS.open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    cleaner = _cleaner() if clean else None
    docs, gold = [], []
    for row in rows:
        for k, raw in enumerate(ast.literal_eval(table[row]["documents"])):
            # Multi-News has no title field: the cleaner recovers a headline where the page has one.
            title, text = cleaner(raw) if cleaner else ("", raw)
            if text.strip():
                docs.append(document(f"multinews:{row}:{k}", title, text, "en"))
                gold.append(f"multinews:{row}")
    return docs, gold


def _cleaner() -> Callable[[str], tuple[str, str]] | None:
    """clean.py's boilerplate removal, as the pipeline applies it, when that module exists."""
    try:
        from summarise.clean import clean
    except ImportError:
        return None

    def run(raw: str) -> tuple[str, str]:
        cleaned = clean(raw)
        return cleaned.title or "", cleaned.text

    return run


def bcubed(pred: Sequence[Sequence[int]], gold: Sequence[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering against gold labels, averaged over items."""
    gold_size = Counter(gold)
    precision = recall = 0.0
    for cluster in pred:
        labels = Counter(gold[i] for i in cluster)
        for i in cluster:
            precision += labels[gold[i]] / len(cluster)
            recall += labels[gold[i]] / gold_size[gold[i]]
    precision, recall = precision / len(gold), recall / len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


def together(pred: Sequence[Sequence[int]], gold: Sequence[str], prefix: str = "ntrex:") -> float:
    """Fraction of the gold stories under `prefix` whose articles all land in one cluster."""
    where = {i: c for c, cluster in enumerate(pred) for i in cluster}
    stories: dict[str, set[int]] = {}
    for i, label in enumerate(gold):
        if label.startswith(prefix):
            stories.setdefault(label, set()).add(where[i])
    return sum(len(c) == 1 for c in stories.values()) / len(stories) if stories else 1.0


def mixed(pred: Sequence[Sequence[int]], gold: Sequence[str], docs: Sequence[Document]) -> list[str]:
    """One line per cluster that joins several gold stories, with a title from each, to judge by eye."""
    lines = []
    for cluster in pred:
        first: dict[str, int] = {}
        for i in cluster:
            first.setdefault(gold[i], i)
        if len(first) > 1:
            lines.append(" + ".join(f"{label} '{_headline(docs[i])}'" for label, i in first.items()))
    return lines


def _headline(doc: Document) -> str:
    return " ".join((doc.article.title or doc.article.text).split())[:50]


def by_source(pred: Sequence[Sequence[int]], gold: Sequence[str], prefix: str) -> tuple[float, float, float]:
    """B-cubed over the articles whose gold label starts with `prefix` (the clusters restricted to them)."""
    keep = {i: k for k, i in enumerate(i for i, label in enumerate(gold) if label.startswith(prefix))}
    sub = [[keep[i] for i in cluster if i in keep] for cluster in pred]
    return bcubed([c for c in sub if c], [gold[i] for i in keep])


def main(argv: Sequence[str] | None = None) -> None:
    """Cluster the mix, print the figures, the sweep, and a RESULT line."""
    from summarise import events
    from summarise.cluster import doc_text, group_similarities, represent, similarities

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--multinews", type=int, default=80, help="Multi-News clusters to mix in (default 80)")
    parser.add_argument("--subset", choices=("tune", "check"), default="tune",
                        help="which disjoint slice of Multi-News rows (the default was tuned on 'tune')")
    parser.add_argument("--threshold", type=float, default=Settings().cluster_threshold)
    parser.add_argument("--raw", action="store_true", help="skip summarise.clean on Multi-News texts")
    args = parser.parse_args(argv)

    n_docs, n_gold = ntrex()
    m_docs, m_gold = multinews(multinews_rows(args.multinews, args.subset), clean=not args.raw)
    docs, gold = n_docs + m_docs, n_gold + m_gold
    cleaned = "raw" if args.raw or _cleaner() is None else "summarise.clean"
    print(f"{len(docs)} articles in {len(set(gold))} stories: {len(n_docs)} NTREX (en/pt/ru, "
          f"{len(set(n_gold))} documents) + {len(m_docs)} Multi-News ({args.multinews} '{args.subset}' rows, "
          f"{cleaned} text); untranslated")

    start = time.perf_counter()
    sims = similarities(docs)
    pred = group_similarities(sims, args.threshold)
    seconds = time.perf_counter() - start
    p, r, f = bcubed(pred, gold)
    kept = together(pred, gold)
    print(f"threshold {args.threshold:.2f}: {len(pred)} clusters; B-cubed P={p:.3f} R={r:.3f} F1={f:.3f}; "
          f"NTREX documents with en+pt+ru together: {kept:.1%}; {seconds:.1f} s")
    defaults = Settings()
    stories = [events.members(s) for s in events.stories(
        represent(docs), [doc_text(d) for d in docs], pred, event_threshold=defaults.event_threshold,
        attach_threshold=defaults.attach_threshold)]
    story_p, story_r, story_f = bcubed(stories, gold)
    print(f"stories (events: facets joined at {defaults.event_threshold}, lone articles attached at "
          f"{defaults.attach_threshold}): {len(stories)}; B-cubed P={story_p:.3f} R={story_r:.3f} F1={story_f:.3f}")
    for line in mixed(stories, gold, docs):
        if line not in mixed(pred, gold, docs):
            print("  joined as one event: " + line)
    for name, prefix in (("NTREX", "ntrex:"), ("Multi-News", "multinews:")):
        print(f"  {name} articles only: P=%.3f R=%.3f F1=%.3f" % by_source(pred, gold, prefix))
    joined = mixed(pred, gold, docs)
    print(f"\nclusters joining several gold stories ({len(joined)}):")
    for line in joined:
        print("  " + line)

    print("\nthreshold  clusters  precision  recall  F1     ntrex_together")
    for step in range(30, 85, 5):
        sweep = group_similarities(sims, step / 100)
        sp, sr, sf = bcubed(sweep, gold)
        print(f"  {step / 100:.2f}     {len(sweep):5d}     {sp:.3f}    {sr:.3f}   {sf:.3f}  "
              f"{together(sweep, gold):.3f}")
    print(f"RESULT bcubed_f1={f:.4f} story_bcubed_f1={story_f:.4f} ntrex_together={kept:.4f} n_articles={len(docs)}")


if __name__ == "__main__":
    main()
