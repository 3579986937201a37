"""Line-level precision and recall of boilerplate removal on the labelled pages.

Usage: python bench/boilerplate.py [FOLDER] [--errors]

Each page in FOLDER (default tests/data/boilerplate) is one `.tsv` file whose lines read
`B<TAB>text` (article text) or `X<TAB>text` (boilerplate); blank lines stay blank. The cleaner's
`body_mask` sees the text only. Precision = article lines among the kept lines; recall = kept lines
among the article lines. Prints one line per page, then `RESULT precision=... recall=... f1=...`
(micro-averaged over all lines). `--errors` also prints every misjudged line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarise.clean import body_mask  # noqa: E402

DEFAULT = ROOT / "tests" / "data" / "boilerplate"


@dataclass(frozen=True)
class Counts:
    """Kept article lines (tp), kept boilerplate lines (fp), dropped article lines (fn)."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_page(path: Path) -> tuple[list[str], list[bool | None]]:
    """The page's lines and labels (True = article, False = boilerplate, None = blank)."""
    lines: list[str] = []
    labels: list[bool | None] = []
    for number, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not row.strip():
            lines.append("")
            labels.append(None)
            continue
        label, tab, text = row.partition("\t")
        if label not in ("B", "X") or not tab:
            raise ValueError(f"{path}:{number}: expected 'B<TAB>text' or 'X<TAB>text', got {row[:40]!r}")
        lines.append(text)
        labels.append(label == "B")
    return lines, labels


def score_page(path: Path, errors: bool = False) -> Counts:
    """Counts for one labelled page; with `errors`, print each misjudged line."""
    lines, labels = read_page(path)
    kept = body_mask(lines)
    tp = fp = fn = 0
    for text, label, keep in zip(lines, labels, kept, strict=True):
        if label is None:
            continue
        tp += label and keep
        fp += keep and not label
        fn += label and not keep
        if errors and label != keep:
            print(f"    {'kept   ' if keep else 'dropped'} {'B' if label else 'X'}  {text[:100]}")
    return Counts(tp, fp, fn)


def evaluate(folder: Path = DEFAULT, errors: bool = False, verbose: bool = False) -> dict[str, Counts]:
    """Counts per page, keyed by file name."""
    results: dict[str, Counts] = {}
    for path in sorted(folder.glob("*.tsv")):
        results[path.name] = counts = score_page(path, errors)
        if verbose or errors:
            print(f"{path.name:40s} precision={counts.precision:.3f} recall={counts.recall:.3f} "
                  f"f1={counts.f1:.3f} (tp={counts.tp} fp={counts.fp} fn={counts.fn})")
    return results


def total(results: dict[str, Counts]) -> Counts:
    """Micro-averaged counts over all pages."""
    return Counts(*(sum(getattr(c, f) for c in results.values()) for f in ("tp", "fp", "fn")))


def main(argv: list[str]) -> None:
    folder = Path(next((a for a in argv if not a.startswith("--")), DEFAULT))
    overall = total(evaluate(folder, errors="--errors" in argv, verbose=True))
    print(f"RESULT precision={overall.precision:.3f} recall={overall.recall:.3f} f1={overall.f1:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
