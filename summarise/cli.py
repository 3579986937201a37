"""The `summarise` command: parse flags, build Settings, call the library, print. Nothing else.

Exit codes: the table `summarise.errors.ExitCode` (shown in `summarise --help`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from .config import DEFAULT_SINCE, LOCK_WAIT, Settings, load_settings
from .errors import ConfigError, ExitCode, SummariseError
from .markup import one_line
from .terminal import Command, choose_printer, host_times, report, store_warnings, terminal, warn
from .usage import SUMMARY, examples
from .version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .schedule import Job

HELP = {"help_option_names": ["-h", "--help"]}
# No shell completion: it is not offered (no --install-completion), rather than offered half-working.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, context_settings=HELP,
                  help="Turn a day's news in many languages into cited English briefings.",
                  epilog=f"Exit codes: {ExitCode.describe()}")
DEFAULTS = Settings()  # each default is stated once, in Settings; help shows it from there

F = TypeVar("F", bound=Callable[..., Any])

CONFIG = typer.Option(None, "--config", metavar="FILE",
                      help="TOML config file (default: ./summarise.toml, then ~/.config/summarise/config.toml).")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Say what each stage did and how long it took.")
FEEDS = typer.Option(None, "--feeds", metavar="FILE",
                     help="File of feed URLs (one a line, # comments) or OPML: fetch the day's entries into "
                          "<out>/<date>/articles and brief them too.")
SINCE = typer.Option(DEFAULT_SINCE, "--since", metavar="WINDOW",
                     help="With --feeds: entries published within this window (90m, 24h, 2d).")
OUT = typer.Option(None, "--out", "-o", metavar="DIR", help=f"Output folder [default: {DEFAULTS.out}].")
PRINT = typer.Option(None, "--out", "-o", metavar="DIR", help="Output folder; - prints the briefing on stdout "
                                                               f"instead (see --format) [default: {DEFAULTS.out}].")
FORMAT = typer.Option(None, "--format", metavar="md|json|html", help="With -o -: what is printed [default: md].")
DATE = typer.Option(None, "--date", metavar="YYYY-MM-DD", help="Date of the briefing [default: today].")
ENGINE = typer.Option(None, "--engine", metavar="local|ray",
                      help="Where ingest, detect, translate and embed run: local, or ray (a Ray cluster at "
                           f"ray_address; the `ray` extra) [default: {DEFAULTS.engine}].")
INPUTS = typer.Argument(None, metavar="INPUT", help="Article files or folders (read recursively).")
TRANSLATE = typer.Option(None, "--translate/--no-translate",
                         help=f"Translate non-English articles [default: {'on' if DEFAULTS.translate else 'off'}].")
THRESHOLD = typer.Option(None, metavar="X", help="Similarity every two articles of a story must reach, 0..1 "
                                                 f"(higher = smaller stories) [default: {DEFAULTS.cluster_threshold}].")
WAIT = typer.Option(LOCK_WAIT, "--wait", metavar="SECONDS", help="Seconds to wait while another digest run holds "
                                                                  "the lock.")
TO = typer.Option(None, "--to", metavar="ADDR", help="Recipient, repeatable [default: SUMMARISE_MAIL_TO or `to` "
                                                     "in [mail]].")
DIGEST_INPUTS = typer.Argument(None, metavar="INPUT", help="Article files or folders; none (and no --feeds): only "
                                                          "send what waits in the outbox.")
MEMORY = typer.Option(None, "--memory/--no-memory", help="Follow stories from earlier days (the story memory) "
                      f"[default: {'on' if DEFAULTS.memory else 'off'}].")
SUMMARISER = typer.Option(None, "--summariser", metavar="extractive|abstractive",
                          help="extractive (source sentences) or abstractive (the summary_model, guarded) "
                               f"[default: {DEFAULTS.summariser}].")


def _errors(fn: F) -> F:
    """Turn a SummariseError into one line on stderr and its exit code; bugs keep their traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with store_warnings():
                return fn(*args, **kwargs)
        except SummariseError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:  # a full disk or a read-only folder is not a bug: one line, exit 7
            from .errors import output_error

            converted = output_error(exc)
            if converted is None:
                raise
            typer.echo(f"error: {converted}", err=True)
            raise typer.Exit(converted.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"summarise {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Turn a day's news in many languages into cited English briefings."""


def _command(name: str) -> Callable[[F], F]:
    """A command of `summarise`, with its one-line summary and its examples (usage.py)."""
    return app.command(name, cls=Command, short_help=SUMMARY[name], epilog=examples(name))


@_command("brief")
@_errors
def brief(
    inputs: list[Path] | None = INPUTS,
    feeds: Path | None = FEEDS,
    since: str = SINCE,
    out: Path | None = PRINT,
    fmt: str | None = FORMAT,
    date: str | None = DATE,
    translate: bool | None = TRANSLATE,
    threshold: float | None = THRESHOLD,
    summariser: str | None = SUMMARISER,
    engine: str | None = ENGINE,
    memory: bool | None = MEMORY,
    config: Path | None = CONFIG,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Brief every article in the given files and folders (and, with --feeds, the day's feed entries) into
    <out>/<date>/briefing.md and .json, or with -o - print it on stdout (--format md, json or html) and write none."""
    from .pipeline import run

    printer = choose_printer(out, fmt)
    settings = load_settings(config, out=None if printer else out, date=date, translate=translate,
                             cluster_threshold=threshold, summariser=summariser, engine=engine, memory=memory,
                             quiet=quiet or None)
    with terminal(settings.quiet, verbose) as progress:
        day = run(inputs or [], settings, feeds=feeds, since=since, progress=progress, warn=warn, write=not printer)
    report(day.result, printer, day.fetched)
    raise typer.Exit(day.result.exit_code)


@_command("story")
@_errors
def story(
    files: list[Path] = typer.Argument(..., metavar="FILE", help="Article files about one story."),
    json_out: bool = typer.Option(False, "--json", help="JSON instead of Markdown."),
    summariser: str | None = SUMMARISER,
    config: Path | None = CONFIG,
    verbose: bool = VERBOSE,
) -> None:
    """Brief the given files as one story (you did the grouping) and print it: Markdown, or JSON with --json."""
    from .story import brief_story, dumps, to_markdown

    settings = load_settings(config, summariser=summariser)
    with terminal(True, verbose):
        result = brief_story(files, settings, warn=warn)
    typer.echo(dumps(result) if json_out else to_markdown(result))


@_command("detect")
@_errors
def detect(
    files: list[Path] = typer.Argument(None, metavar="FILE",
                                       help="Files to identify; none: one text per stdin line."),
    json_lines: bool = typer.Option(False, "--json", help="JSON lines instead of tab-separated fields."),
) -> None:
    """Print the language of each file (file<TAB>code<TAB>confidence) or of each stdin line
    (code<TAB>confidence); `und` when unsure."""
    from .detect import detect_language, format_detection

    if not files:
        for line in sys.stdin:
            typer.echo(format_detection(detect_language(line.rstrip("\n")), json_lines))
        return
    failed = False
    for path in files:
        try:
            text = _article_text(path)
        except SummariseError as exc:
            warn(str(exc))
            failed, text = True, ""
        typer.echo(format_detection(detect_language(text), json_lines, str(path)))  # one line per file, in order
    raise typer.Exit(3 if failed else 0)


@_command("translate")
@_errors
def translate(
    file: Path = typer.Argument(..., metavar="FILE", help="Article file to translate into English."),
    source: str | None = typer.Option(None, "--from", metavar="LANG",
                                         help="Source language code [default: detected]."),
    config: Path | None = CONFIG,
) -> None:
    """Print the English translation of FILE, paragraph by paragraph."""
    from .detect import detect_language
    from .translation import translate as run_translate

    settings = load_settings(config)
    text = _article_text(file)
    lang = source or detect_language(text).code
    typer.echo(run_translate(text, lang, settings).text)


@_command("digest")
@_errors
def digest(
    inputs: list[Path] | None = DIGEST_INPUTS,
    to: list[str] | None = TO,
    dry_run: bool = typer.Option(False, "--dry-run", help="Write <out>/<date>/briefing.eml; send nothing."),
    send_all: bool = typer.Option(False, "--all", help="Include stories an earlier digest already sent."),
    feeds: Path | None = FEEDS,
    since: str = SINCE,
    wait: float = WAIT,
    out: Path | None = OUT,
    date: str | None = DATE,
    engine: str | None = ENGINE,
    memory: bool | None = MEMORY,
    config: Path | None = CONFIG,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Brief the given files and folders (and, with --feeds, the day's feed entries) and email the stories not
    sent before. A message that could not be delivered waits in <out>/outbox for the next run (exit 5)."""
    from .digest import run_digest

    settings = load_settings(config, out=out, date=date, engine=engine, memory=memory, quiet=quiet or None,
                             mail={"to": tuple(to or ())})
    with terminal(settings.quiet, verbose) as progress:
        outcome = run_digest(inputs or [], settings, dry_run=dry_run, send_all=send_all, lock_timeout=wait,
                             feeds=feeds, since=since, progress=progress, warn=warn)
    host_times(outcome.fetched)
    typer.echo(outcome.report(), err=True)
    raise typer.Exit(outcome.exit_code)


@_command("schedule")
@_errors
def schedule(
    inputs: list[Path] | None = typer.Argument(None, metavar="INPUT",
                                                  help="What the digest briefs, as for `digest`."),
    at: str = typer.Option("07:00", "--at", metavar="HH:MM",
                           help="Time of day, 24-hour, in the machine's time zone."),
    to: list[str] | None = TO,
    feeds: Path | None = typer.Option(None, "--feeds", metavar="FILE",
                                         help="Feeds file the digest fetches, as for `digest`."),
    since: str | None = typer.Option(None, "--since", metavar="WINDOW",
                                        help=f"With --feeds: the window, as for `digest` [default: {DEFAULT_SINCE}]."),
    out: Path | None = OUT,
    config: Path | None = CONFIG,
    check: bool = typer.Option(False, "--check", help="Run the digest once now as a dry run (briefing.eml, nothing "
                                                      "sent); print the line only when it works."),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Print a crontab line running `summarise digest` daily with these inputs, feeds and folders (paths made
    absolute); add it with `crontab -e`. First check what the digest will need, as cron will see it: the inputs,
    the feeds file and complete mail settings (exit 2 with the digest's own message when one is missing)."""
    from .schedule import plan

    job = plan(inputs or [], at, to=to or [], feeds=feeds, since=since, out=out, config=config, warn=warn)
    if check:
        _try_once(job, quiet, verbose)
    typer.echo(job.line)
    typer.echo(job.sources, err=True)


def _try_once(job: Job, quiet: bool, verbose: bool) -> None:
    """--check: the digest once now, as a dry run; exit with its code unless it worked (0, or 3 for some inputs)."""
    with terminal(job.settings.quiet or quiet, verbose) as progress:
        outcome = job.try_once(progress, warn)
    host_times(outcome.fetched)
    typer.echo(outcome.report(), err=True)
    if outcome.exit_code not in (ExitCode.OK, ExitCode.PARTIAL):
        raise typer.Exit(outcome.exit_code)


cache_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, short_help=SUMMARY["cache"],
                        epilog=examples("cache"),
                        help="Show or clear the cache of translations, embeddings and languages that re-runs "
                             "reuse (in the store: <out>/.summarise.sqlite3, or $SUMMARISE_STORE).")
app.add_typer(cache_app, name="cache")
CACHE_OUT = typer.Option(None, "--out", "-o", metavar="DIR",
                         help=f"Output folder whose store to use [default: {DEFAULTS.out}].")


@cache_app.command("stats", short_help=SUMMARY["cache stats"])
@_errors
def cache_stats(out: Path | None = CACHE_OUT, config: Path | None = CONFIG) -> None:
    """Print each cache's entries, and its hits and misses over all runs."""
    from .cache import describe
    from .store import default_path

    for line in describe(default_path(load_settings(config, out=out).out)):
        typer.echo(line)


@cache_app.command("clear", short_help=SUMMARY["cache clear"])
@_errors
def cache_clear(
    kind: list[str] | None = typer.Option(None, "--kind", help="translations, embeddings or languages; "
                                                                  "repeatable [default: all]."),
    out: Path | None = CACHE_OUT,
    config: Path | None = CONFIG,
) -> None:
    """Delete cached entries; briefings and the other state in the store stay."""
    from .cache import KINDS, clear
    from .store import default_path

    deleted = clear(default_path(load_settings(config, out=out).out), kind or KINDS)
    typer.echo(", ".join(f"{n} {name} deleted" for name, n in deleted.items()))


stories_app = typer.Typer(invoke_without_command=True, rich_markup_mode=None, short_help=SUMMARY["stories"],
                          epilog=examples("stories"),
                          help="List the stories being followed from day to day (the story memory in the store); "
                               "`stories show ID` prints one story's history.")
app.add_typer(stories_app, name="stories")


@stories_app.callback()
@_errors
def stories_list(ctx: typer.Context, out: Path | None = CACHE_OUT, config: Path | None = CONFIG) -> None:
    """Print each followed story: id, first and last day, days briefed, title (newest first)."""
    from .memory import history
    from .store import default_path

    if ctx.invoked_subcommand is not None:
        return
    found = history(default_path(load_settings(config, out=out).out))
    for story in found:
        typer.echo(f"{story.id}\t{story.first_seen}\t{story.last_seen}\t{len(story.days)}\t"
                   f"{one_line(story.days[-1].title)}")
    if not found:
        typer.echo("no stories followed yet: `summarise brief` remembers each day's stories", err=True)


@stories_app.command("show", short_help=SUMMARY["stories show"])
@_errors
def stories_show(story: str = typer.Argument(..., metavar="ID"), out: Path | None = CACHE_OUT,
                 config: Path | None = CONFIG) -> None:
    """Print one story's history, day by day: the title and what was new."""
    from .citing import unmarked
    from .memory import history
    from .store import default_path

    path = default_path(load_settings(config, out=out).out)
    found = history(path, story)
    if not found:
        raise ConfigError(f"no story {one_line(story)!r} in {path}: `summarise stories` lists the followed ones")
    for entry in found[0].days:
        typer.echo(f"{entry.day}  {one_line(entry.title)}\n    {one_line(unmarked(entry.short))}")


def _article_text(path: Path) -> str:
    """Title and cleaned body of every article in one file, as the pipeline reads it."""
    from .ingest import read_file

    articles = read_file(path, path.parent, DEFAULTS.max_bytes)
    return "\n\n".join(f"{a.title}\n\n{a.text}" for a in articles)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="summarise")


if __name__ == "__main__":  # pragma: no cover
    main()
