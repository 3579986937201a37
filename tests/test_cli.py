"""Terminal conventions (issue 12, parts 7 and 8): -h, help that names arguments, warnings whole above the
progress bar, -v's stage log, `detect FILE` naming the file, "1 story", `schedule` with feeds and folders, and
a digest day with nothing new."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarise import pipeline
from summarise.cli import app
from summarise.config import Settings
from summarise.types import Briefing, InputIssue, Result

from .conftest import ROOT, SEEDS
from .test_feeds import Site, feeds_file, live_feed, paragraphs, site  # noqa: F401
from .test_pipeline import GOOD_ARTICLE
from .test_reading import SEEDS_DATE, SEEDS_FIXTURE

runner = CliRunner()


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["brief", "-h"], ["digest", "-h"], ["cache", "clear", "-h"]])
def test_dash_h_is_help(args: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and res.stdout.startswith("Usage: ") and "-h, --help" in res.stdout


def test_help_names_arguments_and_offers_no_completion() -> None:
    top = runner.invoke(app, ["--help"]).stdout
    assert "completion" not in top  # not offered, so nothing half-working is advertised
    for command, name in [("brief", "INPUT"), ("digest", "INPUT"), ("schedule", "INPUT"), ("story", "FILE"),
                          ("detect", "FILE"), ("translate", "FILE")]:
        shown = runner.invoke(app, [command, "--help"]).stdout
        assert "<list[Path]>" not in shown and "<path>" not in shown and "<str>" not in shown, (command, shown)
        assert (f"\n  {name}" in shown and f" {name}" in shown.splitlines()[0]) or f"[{name}" in shown, (command, shown)
    assert runner.invoke(app, ["brief", "-h"]).stdout.startswith("Usage: root brief [OPTIONS] [INPUT...]\n")
    assert runner.invoke(app, ["story", "-h"]).stdout.startswith("Usage: root story [OPTIONS] FILE...\n")
    assert "\n  INPUT...  " in runner.invoke(app, ["brief", "--help"]).stdout


def test_every_command_has_a_one_line_summary_and_examples() -> None:
    """Issue 18 part 5: the command lists of `summarise -h` and `summarise cache -h` show each command on one line
    of an 80-column terminal, not cut with "..."; each command's help ends with examples of itself."""
    commands = ["brief", "story", "detect", "translate", "digest", "schedule", "cache", "stories"]
    for args, names in [([], commands), (["cache"], ["stats", "clear"]), (["stories"], ["show"])]:
        shown = runner.invoke(app, [*args, "-h"], env={"COLUMNS": "80"}).stdout
        listed = shown.split("Commands:\n")[1].split("\n\n")[0].splitlines()
        assert [line.split()[0] for line in listed] == names, shown  # one line each: no line wrapped
        assert all("..." not in line and "…" not in line and len(line) <= 80 for line in listed), shown
    for command in commands:
        examples = runner.invoke(app, [command, "-h"], env={"COLUMNS": "80"}).stdout.split("\n  Examples:\n")[1]
        runs = [line.strip() for line in examples.splitlines() if line.strip() and not line.strip().startswith("#")]
        assert len(runs) >= 2 and all(f"summarise {command}" in run for run in runs), (command, examples)


def test_detect_files_are_named_on_each_line(tmp_path: Path) -> None:
    files = sorted(SEEDS.iterdir())[:2]
    res = runner.invoke(app, ["detect", *map(str, files)])
    assert res.exit_code == 0
    rows = [line.split("\t") for line in res.stdout.splitlines()]
    assert [r[0] for r in rows] == [str(f) for f in files] and [r[1] for r in rows] == ["en", "en"]
    assert all(0.0 <= float(r[2]) <= 1.0 for r in rows)


def one_story(inputs: list[Path], settings: Settings, *, extra_issues: Any = (), **_: Any) -> Result:
    return Result(date=settings.date or "2025-01-01", documents=(), issues=tuple(extra_issues),
                  briefings=(Briefing("b", "t", "s", "l", (), ()),), outputs=("out/briefing.md",))


def test_counts_read_as_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "brief", one_story)
    res = runner.invoke(app, ["brief", str(tmp_path), "--out", str(tmp_path / "out"), "-q"])
    assert "1 story from 0 articles: out/briefing.md" in res.stderr, res.stderr  # "(0 inputs not briefed)": noise


def test_verbose_says_what_each_stage_did_and_how_long(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "metro.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_text("", encoding="utf-8")
    res = runner.invoke(app, ["brief", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q", "-v"])
    assert res.exit_code == 3, res.output
    lines = res.stderr.splitlines()
    for stage, what in [("read", "1 article, 1 input not used"), ("detect", "1 article, 1 language"),
                        ("translate", "0 of 1 article translated"), ("embed", "1 article"),
                        ("cluster", "1 story"), ("brief", "1 story"),
                        ("render", "wrote briefing.md, briefing.json in ")]:
        assert any(line.startswith(f"{stage}: {what}") and line.endswith(" s") for line in lines), (stage, lines)
    assert sum(line.startswith("warning: empty.txt") for line in lines) == 1  # a warning once, not also logged
    quiet = runner.invoke(app, ["brief", str(tmp_path / "in"), "--out", str(tmp_path / "out2"), "-q"])
    assert not any(line.startswith("detect: ") for line in quiet.stderr.splitlines())


def test_warnings_print_whole_above_the_progress_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    long = "model 'Helsinki-NLP/opus-mt-ru-en' is not available " + "and this sentence is long " * 8 + "end"

    def brief(inputs: list[Path], settings: Settings, *, progress: Any, warn: Any, **_: Any) -> Result:
        progress("translate", 0, 13)
        warn(long)
        warn("second " + long)
        progress("translate", 13, 13)
        return one_story(inputs, settings)

    monkeypatch.setattr(pipeline, "brief", brief)
    res = runner.invoke(app, ["brief", str(tmp_path), "--out", str(tmp_path / "out")],
                        env={"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1", "COLUMNS": "80"})
    assert res.exit_code == 0
    assert "translate" in res.stderr  # the bar was drawn
    lines = res.stderr.splitlines()
    assert any(line.endswith(f"warning: {long}") for line in lines), res.stderr  # whole, on its own line
    assert any(line.endswith(f"warning: second {long}") for line in lines), res.stderr


def test_schedule_passes_feeds_since_and_out_as_absolute_paths(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds.txt").write_text("https://news.example/rss\n", encoding="utf-8")
    (tmp_path / "in").mkdir()
    res = runner.invoke(app, ["schedule", "in", "--at", "06:30", "--feeds", "feeds.txt", "--since", "12h",
                              "--out", "news", "--to", "a@example.org"],
                        env={"SUMMARISE_SMTP_PASSWORD": "", "SUMMARISE_MAIL_FROM": "news@example.org",
                             "SUMMARISE_SMTP_HOST": "smtp.example.org", "XDG_CONFIG_HOME": str(tmp_path)})
    assert res.exit_code == 0, res.output
    line = res.stdout.strip()
    assert line.startswith("30 6 * * * ")
    words = shlex.split(line.split("&& ", 2)[2].split(" >> ")[0])
    digest = words[words.index("digest") + 1:]  # the environment's settings come before the program
    assert digest == [str(tmp_path / "in"), "--to", "a@example.org", "--feeds", str(tmp_path / "feeds.txt"),
                      "--since", "12h", "--out", str(tmp_path / "news")]
    assert line.endswith(">> news/digest.log 2>&1")
    alone = runner.invoke(app, ["schedule", "--since", "12h"])
    assert alone.exit_code == 2 and "--since goes with --feeds" in alone.output
    bad = runner.invoke(app, ["schedule", "--feeds", "feeds.txt", "--since", "soon"])
    assert bad.exit_code == 2 and "--since 'soon'" in bad.output


@pytest.fixture
def mail_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder, with the mail settings a dry-run digest needs and the local feed server allowed."""
    monkeypatch.chdir(tmp_path)
    for name, value in {"ALLOW_PRIVATE_HOSTS": "1", "MAIL_FROM": "news@example.org",
                        "MAIL_TO": "reader@example.org"}.items():
        monkeypatch.setenv(f"SUMMARISE_{name}", value)
    return tmp_path


def test_a_feeds_digest_with_nothing_new_exits_0(mail_day: Path, site: Site) -> None:
    """Day 1 briefs the feed's two articles; day 2 finds only them again (briefed before) and a broken feed:
    nothing new, exit 0, as the README's table says."""
    b = site.base
    feeds = live_feed(site, mail_day, "news", [("Springfield approves its budget", paragraphs("en", 1)),
                                               ("Springfield budget passes", paragraphs("en", 2))], missing="gone")
    common = ["--feeds", str(feeds), "--dry-run", "--out", "out", "-q"]
    first = runner.invoke(app, ["digest", *common, "--date", "2024-05-02"])
    assert first.exit_code == 3, first.output  # a story, and a feed that failed
    assert "1 new story (2 articles)" in first.stderr and f"warning: feed {b}/gone.xml" in first.stderr
    second = runner.invoke(app, ["digest", *common, "--date", "2024-05-03"])
    assert second.exit_code == 0, second.output
    assert "2024-05-03: no new stories since the last digest" in second.stderr
    assert f"warning: feed {b}/gone.xml" in second.stderr  # the failure is still told


def test_a_feeds_digest_where_no_feed_could_be_read_exits_4(mail_day: Path, site: Site) -> None:
    feeds = feeds_file(mail_day, [f"{site.base}/gone.xml"])
    res = runner.invoke(app, ["digest", "--feeds", str(feeds), "--dry-run", "--out", "out", "-q"])
    assert res.exit_code == 4, res.output
    assert f"warning: feed {site.base}/gone.xml" in res.stderr


def test_nothing_new_is_not_nothing_briefed() -> None:
    """Articles that were there but could not be briefed still exit 4; no article at all is nothing new."""
    from summarise.digest import DigestOutcome
    from summarise.fetch import FetchReport

    failed = InputIssue("https://news.example/gone.xml", "failed", "HTTP 404 Not Found")
    fetched = FetchReport(Path("out/articles"), [], [failed], {}, feeds_read=1)  # another feed had nothing new
    nothing_new = Result(date="2024-05-03", documents=(), issues=(failed,), briefings=())
    assert DigestOutcome(nothing_new, 0, 0, fetched=fetched).exit_code == 0
    # not one feed could be read: that is not "nothing new", and cron should hear of it
    unreachable = FetchReport(Path("out/articles"), [], [failed], {}, feeds_read=0)
    assert DigestOutcome(nothing_new, 0, 0, fetched=unreachable).exit_code == 4
    unreadable = InputIssue("a.txt", "skipped", "empty file")
    broken = Result(date="2024-05-03", documents=(), issues=(unreadable, failed), briefings=())
    assert DigestOutcome(broken, 0, 0, fetched=fetched).exit_code == 4


def test_a_digest_says_3_like_brief_when_an_article_stayed_untranslated() -> None:
    from summarise.digest import DigestOutcome
    from summarise.types import Article, Document, Language, Translation

    article = Article("ru.txt", "ru.txt", "Заголовок", "Текст.")
    missed = Document(article, Language("ru", 0.99), article.title, Translation("ru", None, ()), False,
                      "model 'Helsinki-NLP/opus-mt-ru-en' is not available")
    story = Briefing("b", "t", "s", "l", ("ru.txt",), ())
    day = Result(date="2024-05-03", documents=(missed,), issues=(), briefings=(story,))
    assert day.exit_code == 3 and DigestOutcome(day, 1, 1).exit_code == 3


def _piped(tmp_path: Path, args: str) -> tuple[str, str, int]:
    """`summarise ARGS` in a shell pipeline, as a user runs it: its stdout as the pipe got it, its stderr and
    exit status."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARISE_")}
    env.update(PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    script = f'{shlex.quote(sys.executable)} -m summarise {args}; echo "status=${{PIPESTATUS[0]}}" >&2'
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    status = int(done.stderr.rsplit("status=", 1)[1])
    return done.stdout, done.stderr, status


def test_dash_o_prints_the_briefing_and_nothing_else_for_a_pipe(tmp_path: Path) -> None:
    """Issue 18 part 3: `-o -` is stdout (as curl's and wget's); a pipe gets the briefing only, the summary and
    warnings go to stderr, and no folder named `-` (nor any briefing file) is written."""
    fixture = SEEDS_FIXTURE.read_text(encoding="utf-8")
    head, err, status = _piped(tmp_path, f"brief {shlex.quote(str(SEEDS))} -o - --date {SEEDS_DATE} | head -n 3")
    assert status == 0, err
    assert head == "".join(fixture.splitlines(keepends=True)[:3])  # the briefing.md a folder would get
    assert f"{fixture.splitlines()[2].rstrip('.')}: printed on stdout" in err  # "N stories from 5 articles"
    out, err, status = _piped(tmp_path, f"brief {shlex.quote(str(SEEDS))} -o - --format json --date {SEEDS_DATE} -q")
    assert status == 0, err
    parsed = json.loads(out)
    assert [c["title"] for c in parsed["clusters"]] == re.findall(r"(?m)^## \d+\. (.+)$", fixture)
    assert not (tmp_path / "-").exists() and not list(tmp_path.rglob("briefing.*"))
    for args, line in [("--format json", "error: --format chooses what -o - prints: add -o -"),
                       ("-o - --format xml", "error: --format 'xml': choose md, json or html")]:
        res = runner.invoke(app, ["brief", str(SEEDS), *args.split()])
        assert res.exit_code == 2 and res.stdout == "" and res.stderr.startswith(line), res.output
