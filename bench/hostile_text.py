"""How long reading one hostile article takes, against a normal article of the same size (issue 19, part 1).

Every pattern that runs on article text must take time linear in its length. An article here is a headline,
two normal sentences and one hostile line: a long "word" of one shape (letters, "a@a@...", "<a<a...", ...).
The `read` stage (ingest: decoding, page-line judging, dates, Markdown) and language detection run on it,
and on a normal article of the same size (prose); the ratio of the two times is what a loaded machine
cannot skew much.

    python bench/hostile_text.py                  # every shape at 20k, 80k and 160k characters
    python bench/hostile_text.py --sizes 20000 --shapes letters
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarise.detect import detect_language
from summarise.ingest import read_inputs

PROSE = ("The council approved the budget on Tuesday after a long debate about schools and roads. "
         "Residents can comment on the proposal online until the end of the week. ")
# name: (file suffix, the unit repeated into one long line)
SHAPES = {
    "letters": (".txt", "a"),  # pageline's e-mail pattern: quadratic before
    "at-signs": (".txt", "a@"),  # detect's URL pattern: cubic before
    "tags": (".json", "<a"),  # a JSON `text` holding HTML: tag stripping, quadratic before
    "brackets": (".md", "[a"),  # Markdown links: quadratic before
    "emphasis": (".md", "*a "),  # Markdown emphasis
    "quotes": (".txt", "«"),  # quoted passages
    "hashes": (".md", "#"),  # a heading "# a ####...#### x": the heading pattern, quadratic before
}
FRAMES = {"hashes": ("# a ", " x")}  # what goes before and after the repeated unit


def article(shape: str, size: int) -> tuple[str, str]:
    """(suffix, text): a headline, two sentences and a hostile line of about `size` characters."""
    suffix, unit = SHAPES[shape]
    before, after = FRAMES.get(shape, ("", ""))
    line = before + (unit * (size // len(unit) + 1))[:size] + after
    if suffix == ".json":
        import json

        return suffix, json.dumps({"title": "Budget passes", "text": f"<p>{PROSE}</p><p>{line}</p>"})
    return suffix, f"Budget passes\n\n{PROSE}\n\n{line}\n"


def normal(suffix: str, size: int) -> tuple[str, str]:
    """The same form, the hostile line replaced by prose of the same length."""
    said = (f"The council of district {i} approved a budget of {i * 7} million on Tuesday after a long debate. "
            for i in range(size // 40 + 1))
    line = "".join(said)[:size]
    if suffix == ".json":
        import json

        return suffix, json.dumps({"title": "Budget passes", "text": f"<p>{PROSE}</p><p>{line}</p>"})
    return suffix, f"Budget passes\n\n{PROSE}\n\n{line}\n"


def seconds(suffix: str, text: str) -> float:
    """Wall time to read the article (the `read` stage) and detect its language."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"article{suffix}"
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        articles, _ = read_inputs([path], 10_000_000)
        for a in articles:
            detect_language(a.text)
        return time.perf_counter() - start


def ratio(shape: str, size: int, repeat: int = 1) -> tuple[float, float, float]:
    """(hostile seconds, normal seconds, ratio), each the best of `repeat` runs."""
    suffix, text = article(shape, size)
    hostile = min(seconds(suffix, text) for _ in range(repeat))
    base = min(seconds(*normal(suffix, size)) for _ in range(repeat))
    return hostile, base, hostile / base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 80_000, 160_000])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    args = parser.parse_args()
    seconds(*normal(".txt", 1000))  # load what reading loads once (the detector, the date rules)
    print(f"{'shape':<10}{'chars':>9}{'hostile s':>11}{'normal s':>10}{'ratio':>8}")
    for shape in args.shapes:
        for size in args.sizes:
            hostile, base, r = ratio(shape, size)
            print(f"{shape:<10}{size:>9}{hostile:>11.3f}{base:>10.3f}{r:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
