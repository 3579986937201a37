"""Developing stories as a daily cron user meets them: Timeline17 topics briefed day after day into one --out.

Run: python bench/developing.py [--quick] [--subprocess] [--keep DIR]
                                [--check | --update-floors [NAME ...] [--allow-lower]]

The five topics of ../shared/devdata/timelines share one synthetic calendar (bench/timelines.py): day k holds
the k-th publication day of every topic, one .json file per article. Each day runs `summarise brief DAY --out
OUT --date DATE --quiet` in order into one OUT (one store): through the CLI's typer app in this process (the
encoder loads once), or with --subprocess through the console script. --quick stops after 25 days (the CI gate).

For each annotated day, the topic's story is the one holding most of its articles. Scored (ROUGE F, stemmed,
mean over the annotators who wrote something, citation markers and synthetic date labels dropped):
- update: its `update` (the short when there is none) against the Updates; baselines over the day's articles
  of the topic (lead, LexRank, TextRank) and the previous day's short of the topic;
- background: its `background` against the Backgrounds (days where none is written are skipped); baselines
  LexRank over the earlier days of the topic (the last 14 days, at most 15 lead-ordered sentences a day) and
  the earlier shorts of the topic, newest first. Every baseline is cut to the system's word count; when the
  system gives no background, to the annotators' mean length (the bar the feature has to clear);
- stale: share of annotated days whose update repeats one of the topic's last 7 shorts (ROUGE-2 F >= 0.5).
Over all days: link recall (a topic's story keeps yesterday's id; `link_recall_2` only over next days on which
that story holds 2+ of the topic's articles both days, leaving out the lone, often off-topic, articles of a broad
topic) and precision (a reused id stays in the topic it was first seen with), the share of a topic's articles
its story holds (days with >= 3 of them), stories that mix topics, and the share of new stories' backgrounds
(drawn from related remembered stories) that cite another topic's article (`related_elsewhere_share`; the
topics' own labels are loose: a swine-flu file holds articles on the recession). --keep DIR leaves the day folders
(DIR/in) and the briefings and store (DIR/out).

Floors live in bench/developing_floors.json by mode ("full", "quick"); `stale_share`, `mixed_share` and
`related_elsewhere_share` are ceilings. --update-floors re-pins the figures that have a floor, plus the NAMEs
given; a floor that would loosen is kept as it is, unless --allow-lower.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import quality  # noqa: E402
import timelines as tl  # noqa: E402

from summarise.types import Document  # noqa: E402

FLOORS = BENCH / "developing_floors.json"
QUICK_DAYS = 25
WINDOW, PER_DAY = 14, 15  # the background LexRank's input: earlier days, lead-ordered sentences per day
STALE_SHORTS, STALE_R2 = 7, 0.5
CEILINGS = ("stale_share", "mixed_share", "related_elsewhere_share")  # lower is better
METRICS = quality.METRICS
UPDATE_SYSTEMS = ("ours", "lead", "lexrank", "textrank", "previous")
BACKGROUND_SYSTEMS = ("ours", "lexrank", "shorts")
OK_EXITS = (0, 3)  # 3: some input not briefed, counted and reported


def brief(folder: Path, out: Path, day: str, separate: bool) -> tuple[int, str]:
    """(exit code, stderr) of `summarise brief` on one day folder."""
    args = ["brief", str(folder), "--out", str(out), "--date", day, "--quiet"]
    if separate:
        script = shutil.which("summarise", path=str(Path(sys.executable).parent)) or shutil.which("summarise")
        if script is None:
            raise SystemExit("no `summarise` console script next to this Python or on PATH")
        done = subprocess.run([script, *args], capture_output=True, text=True, check=False)
        return done.returncode, done.stderr
    from summarise.cli import app

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = app(args, prog_name="summarise", standalone_mode=False)
    return int(code or 0), err.getvalue()


def run_days(days: Sequence[Sequence[tl.Item]], work: Path, separate: bool) -> tuple[list[float], list[str]]:
    """Brief every day in order into work/out; (seconds per day, the warnings of days that exited 3)."""
    seconds, warnings = [], []
    for k, items in enumerate(days):
        folder = work / "in" / tl.synthetic(k)
        tl.write_day(folder, items, k)
        start = time.time()
        code, err = brief(folder, work / "out", tl.synthetic(k), separate)
        seconds.append(time.time() - start)
        if code not in OK_EXITS:
            raise SystemExit(f"summarise brief failed on day {k} (exit {code}): {err.strip()[-800:]}")
        if code == 3:
            warnings += [f"day {k}: {line}" for line in err.strip().splitlines()[:-1]]  # the last is the summary
    return seconds, warnings


class Rouge:
    """ROUGE F in points, averaged over references."""

    def __init__(self) -> None:
        from rouge_score.rouge_scorer import RougeScorer

        self.scorer = RougeScorer(list(METRICS), use_stemmer=True)

    def mean(self, references: Sequence[str], text: str) -> dict[str, float]:
        scores = [self.scorer.score(ref, text) for ref in references]
        return {m: 100 * sum(s[m].fmeasure for s in scores) / len(scores) for m in METRICS}

    def r2(self, reference: str, text: str) -> float:
        return float(self.scorer.score(reference, text)["rouge2"].fmeasure)


def docs_of(items: Sequence[tl.Item], topic: str) -> list[Document]:
    """The topic's articles of a day as the quality gate's baselines read them (cleaned, split)."""
    return quality.documents([it.text for it in items if it.topic == topic], quality._cleaner())


def lead_order(docs: Sequence[Document]) -> list[str]:
    """Sentence 1 of every article in turn, then sentence 2, ..."""
    sents = [[s.english for s in d.body.sentences] for d in docs]
    return [s[i] for i in range(max(map(len, sents), default=0)) for s in sents if i < len(s)]


def earlier_docs(history: Sequence[list[Document]], k: int) -> list[Document]:
    """The topic's last WINDOW days before k, each as one document of its first PER_DAY lead-ordered sentences."""
    texts = ["\n\n".join(lead_order(history[j])[:PER_DAY]) for j in range(max(0, k - WINDOW), k)]
    return quality.documents([t for t in texts if t], lambda text: ("", text))


def cut(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def update_scores(rouge: Rouge, refs: Sequence[str], ours: str, docs: Sequence[Document],
                  previous: str) -> dict[str, dict[str, float]]:
    """ROUGE of the update and of each baseline at its length (`previous` is "" on a topic's first day)."""
    words = len(ours.split())
    texts = {"ours": ours, "lead": quality.lead(docs, words), "previous": cut(previous, words),
             "lexrank": quality.sumy_summary("lexrank", docs, words),
             "textrank": quality.sumy_summary("textrank", docs, words)}
    return {system: rouge.mean(refs, texts[system]) for system in UPDATE_SYSTEMS}


def background_scores(rouge: Rouge, refs: Sequence[str], ours: str, earlier: Sequence[Document],
                      shorts: Sequence[str]) -> dict[str, dict[str, float]]:
    """ROUGE of the background and of each baseline at its length (the references' when ours is empty)."""
    words = len(ours.split()) or round(sum(len(r.split()) for r in refs) / len(refs))
    texts = {"ours": ours, "lexrank": quality.sumy_summary("lexrank", earlier, words),
             "shorts": cut(" ".join(shorts), words)}
    return {system: rouge.mean(refs, texts[system]) for system in BACKGROUND_SYSTEMS}


def shorts_before(stories: Sequence[Sequence[tl.Story]], topic: str, k: int, limit: int | None = None) -> list[str]:
    """The topic's story shorts before day k, newest first (at most `limit`)."""
    start = 0 if limit is None else max(0, k - limit)
    found = [tl.topic_story(stories[j], topic) for j in range(k - 1, start - 1, -1)]
    return [tl.plain(s.short) for s in found if s is not None]


def annotated(where: dict[tuple[str, str], int], days: int) -> list[tuple[str, int, list[tuple[str, str]]]]:
    """(topic, synthetic day, [(update, background)]) of every annotated day with articles, within `days`."""
    out = []
    for topic, event in tl.TOPICS.items():
        for real, notes in sorted(tl.notes(event).items()):
            k = where.get((topic, real))
            if k is not None and k < days:
                out.append((topic, k, notes))
    return out


def mean_table(rows: Sequence[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per system and metric, the mean over rows (empty without rows)."""
    systems = rows[0].keys() if rows else ()
    return {s: {m: sum(r[s][m] for r in rows) / len(rows) for m in METRICS} for s in systems}


def score_days(days: Sequence[Sequence[tl.Item]], stories: Sequence[Sequence[tl.Story]],
               where: dict[tuple[str, str], int]) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]],
                                                           float]:
    """Update and background tables over the annotated days, and the share of stale updates."""
    rouge, history = Rouge(), {t: [docs_of(items, t) for items in days] for t in tl.TOPICS}
    updates, backgrounds, stale = [], [], 0
    notes_all = annotated(where, len(days))
    for topic, k, notes in notes_all:
        story = tl.topic_story(stories[k], topic)
        update = tl.plain(story.update) if story else ""
        refs = [u for u, _ in notes if u]
        if refs:
            updates.append(update_scores(rouge, refs, update, history[topic][k],
                                         next(iter(shorts_before(stories, topic, k, 1)), "")))
        stale += any(rouge.r2(s, update) >= STALE_R2 for s in shorts_before(stories, topic, k, STALE_SHORTS))
        refs = [b for _, b in notes if b]
        if refs:
            backgrounds.append(background_scores(rouge, refs, tl.plain(story.background) if story else "",
                                                 earlier_docs(history[topic], k), shorts_before(stories, topic, k)))
    print(f"{len(notes_all)} annotated days: {len(updates)} with updates, {len(backgrounds)} with backgrounds")
    return mean_table(updates), mean_table(backgrounds), stale / max(len(notes_all), 1)


def by_topic(days: Sequence[Sequence[tl.Item]], stories: Sequence[Sequence[tl.Story]],
             where: dict[tuple[str, str], int]) -> None:
    """Per topic, printed (not floored): update and background ROUGE-2 margins over the best baseline, link recall
    and the topic's share of its day. Dense topics (many articles a day, the held-out kind) read apart from
    sparse ones (one article every few weeks, each on another incident of a long war or crisis)."""
    rouge, notes_all = Rouge(), annotated(where, len(days))
    print("By topic (ROUGE-2 margin over the best baseline; articles a day; link recall; share of its day):")
    for topic in tl.TOPICS:
        history = [docs_of(items, topic) for items in days]
        ups, bgs = [], []
        for t, k, notes in notes_all:
            if t != topic:
                continue
            story = tl.topic_story(stories[k], topic)
            if refs := [u for u, _ in notes if u]:
                ups.append(update_scores(rouge, refs, tl.plain(story.update) if story else "", history[k],
                                         next(iter(shorts_before(stories, topic, k, 1)), "")))
            if refs := [b for _, b in notes if b]:
                bgs.append(background_scores(rouge, refs, tl.plain(story.background) if story else "",
                                             earlier_docs(history, k), shorts_before(stories, topic, k)))
        margins = {name: table_figures(name, mean_table(rows)).get(f"{name}_rouge2_margin", math.nan)
                   for name, rows in (("update", ups), ("background", bgs))}
        counts = [sum(it.topic == topic for it in items) for items in days]
        present = [n for n in counts if n]
        recall, next_days = tl.link_recall(stories, [topic])
        share = tl.topic_share(stories, [Counter({topic: n}) for n in counts])
        print(f"  {topic:<6} update {margins['update']:+5.2f} ({len(ups)} days)  background "
              f"{margins['background']:+5.2f} ({len(bgs)})  {sum(present) / max(len(present), 1):4.1f} a day  "
              f"recall {recall:.2f} of {next_days}  share {share:.2f}")


def print_table(name: str, table: dict[str, dict[str, float]]) -> None:
    print(f"ROUGE F of the {name} against the annotators' (mean), every baseline cut to our length:")
    for system, row in table.items():
        print(f"  {system:<9} " + "  ".join(f"{m}={row[m]:6.2f}" for m in METRICS))


def table_figures(prefix: str, table: dict[str, dict[str, float]]) -> dict[str, float]:
    """`<prefix>_rouge{1,2,L}`, each baseline's ROUGE-2 and ours' margin over the best of them."""
    if not table:
        return {}
    out = {f"{prefix}_{m}": table["ours"][m] for m in METRICS}
    out.update({f"{prefix}_rouge2_{s}": row["rouge2"] for s, row in table.items() if s != "ours"})
    out[f"{prefix}_rouge2_margin"] = table["ours"]["rouge2"] - max(r["rouge2"] for s, r in table.items()
                                                                   if s != "ours")
    return out


def structure_figures(stories: Sequence[Sequence[tl.Story]], days: Sequence[Sequence[tl.Item]],
                      topic_of: dict[str, str]) -> dict[str, float]:
    """Links, one story per event, mixed stories, related backgrounds that cite another topic."""
    recall, next_days = tl.link_recall(stories, tl.TOPICS)
    recall_2, next_days_2 = tl.link_recall(stories, tl.TOPICS, least=2)
    precision, reused = tl.link_precision(stories)
    share = tl.topic_share(stories, [Counter(it.topic for it in items) for items in days])
    bad, total = tl.mixed(stories)
    elsewhere, related = tl.related_elsewhere(stories, topic_of)
    print(f"Links: a topic's story kept its id on {recall:.1%} of {next_days} next days; {reused} reused ids, "
          f"{precision:.1%} within their topic; where the topic's story holds 2+ of its articles on both days, "
          f"kept on {recall_2:.1%} of {next_days_2}")
    print(f"A topic's story holds {share:.1%} of its day's articles (days with >= 3); "
          f"{bad} of {total} stories mix topics")
    print(f"New stories with a background from related stories: {related}; {elsewhere} of them cite another "
          "topic's article")
    return {"link_recall": recall, "link_recall_2": recall_2, "link_precision": precision, "link_reused": reused,
            "topic_share": share, "mixed_stories": bad, "mixed_share": bad / max(total, 1),
            "related_elsewhere_share": elsewhere / max(related, 1)}


def measure(quick: bool, separate: bool, keep: Path | None = None) -> dict[str, float]:
    """Run the calendar through the CLI and score it: every figure, named as in the floors. With `keep`, the
    day folders and the --out are written there and left (it must be empty or absent)."""
    days, where = tl.calendar()
    days = days[:QUICK_DAYS] if quick else days
    os.environ.pop("SUMMARISE_STORE", None)  # the run's memory is its own --out, not a user's store
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with contextlib.ExitStack() as stack:
        work = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="developing-")))
        if keep is not None and keep.exists() and any(keep.iterdir()):
            raise SystemExit(f"--keep {keep}: the folder is not empty; give an empty or new one")
        seconds, warnings = run_days(days, work, separate)
        stories = [tl.read_day(work / "out" / tl.synthetic(k) / "briefing.json") for k in range(len(days))]
        topic_of = {a: t for k in range(len(days))
                    for a, t in tl.article_topics(work / "out" / tl.synthetic(k) / "briefing.json").items()}
    print(f"{len(days)} days, {sum(map(len, days))} articles briefed in {sum(seconds):.0f} s "
          f"({sum(seconds) / len(days):.2f} s a day, slowest {max(seconds):.1f} s)")
    print("\n".join(["Not briefed (exit 3):", *warnings]) if warnings else "Every day exited 0")
    updates, backgrounds, stale = score_days(days, stories, where)
    print_table("update", updates)
    print_table("background", backgrounds)
    by_topic(days, stories, where)
    print(f"Stale updates (ROUGE-2 F >= {STALE_R2} with one of the topic's last {STALE_SHORTS} shorts): {stale:.1%}")
    figures = {**table_figures("update", updates), **table_figures("background", backgrounds),
               "stale_share": stale, **structure_figures(stories, days, topic_of)}
    return {**figures, "days": len(days), "brief_seconds": sum(seconds)}


def noise(name: str) -> float:
    """How far a figure may move with the code unchanged (float ties between sentences; ~180 annotated days).
    None for mixed stories: no story may mix two topics."""
    return 0.0 if name.startswith("mixed") else 0.1 if "rouge" in name else 0.005


def check(measured: dict[str, float], floors: dict[str, float]) -> list[str]:
    """One line per figure past its floor (ceiling for CEILINGS), or missing."""
    bad = []
    for name, bound in floors.items():
        value = measured.get(name, math.nan)
        ok = value <= bound if name in CEILINGS else value >= bound
        if not ok:
            bad.append(f"{name}: {value:.4f} {'>' if name in CEILINGS else '<'} "
                       f"{'ceiling' if name in CEILINGS else 'floor'} {bound:.4f}")
    return bad


def pin(measured: dict[str, float], floors: dict[str, float], names: Sequence[str],
        allow_lower: bool) -> dict[str, float]:
    """Floors for the figures that have one plus `names`: measured less noise (plus, for ceilings). A floor that
    would loosen stays as it is, unless `allow_lower`."""
    new = {}
    for name in sorted({*floors, *names}):
        if math.isnan(measured.get(name, math.nan)):
            raise SystemExit(f"cannot pin {name}: not measured")
        ceiling = name in CEILINGS
        new[name] = round(measured[name] + (noise(name) if ceiling else -noise(name)), 3)
        looser = name in floors and (new[name] > floors[name] if ceiling else new[name] < floors[name])
        if looser and not allow_lower:
            print(f"{name}: kept at {floors[name]} (re-pinning gives {new[name]}; --allow-lower to loosen it)")
            new[name] = floors[name]
    return {**floors, **new}


def main() -> None:
    """Measure, print the RESULT line, and check or update the floors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_DAYS} days only (CI)")
    parser.add_argument("--subprocess", action="store_true", help="run the `summarise` console script each day")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 when a figure is past its floor")
    mode.add_argument("--update-floors", nargs="*", metavar="NAME",
                      help="re-pin the floored figures, plus each NAME")
    parser.add_argument("--allow-lower", action="store_true", help="with --update-floors: allow loosening")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="brief into this (empty or new) folder and leave the days and outputs there")
    args = parser.parse_args()
    start = time.time()
    measured = measure(args.quick, args.subprocess, args.keep)
    quality.print_result(measured, start)
    key = "quick" if args.quick else "full"
    everything = json.loads(FLOORS.read_text()) if FLOORS.exists() else {}
    floors = everything.get(key, {})
    if args.update_floors is not None:
        everything[key] = pin(measured, floors, args.update_floors, args.allow_lower)
        FLOORS.write_text(json.dumps(everything, indent=2, sort_keys=True) + "\n")
    elif args.check:
        quality.exit_on(check(measured, floors))


if __name__ == "__main__":
    main()
