"""The `summarise` command: parse flags, build Settings, call the library, print. Nothing else.

Exit codes: 0 everything briefed; 1 a bug (traceback); 2 usage, config or model error;
3 some inputs were skipped or failed; 4 nothing could be briefed; 7 an output or the store could not be
written (disk full, permission denied); `digest` also: 5 delivery failed, the message waits in the
outbox; 6 another digest run holds the lock.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, TypeVar

import typer

from . import __version__
from .errors import ConfigError, SummariseError

if TYPE_CHECKING:  # pragma: no cover
    from .config import Settings
    from .fetch import FetchReport
    from .types import Result

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Turn a day's news in many languages into cited English briefings.")

F = TypeVar("F", bound=Callable[..., Any])

CONFIG = typer.Option(None, "--config", help="TOML config file (default: ./summarise.toml, "
                                             "then ~/.config/summarise/config.toml).")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
FEEDS = typer.Option(None, "--feeds", help="File of feed URLs (one a line, # comments) or OPML: fetch the "
                                           "day's entries into <out>/<date>/articles and brief them too.")
SINCE = typer.Option("24h", "--since", help="With --feeds: entries published within this window "
                                            "(90m, 24h, 2d).")
ENGINE = typer.Option(None, "--engine", help="Where ingest, detect, translate and embed run: local, or ray (a Ray "
                                              "cluster at ray_address; the `ray` extra) [default: local].")
SUMMARISER = typer.Option(None, "--summariser", help="extractive (source sentences) or abstractive (the "
                                                     "summary_model, guarded) [default: extractive].")


def _errors(fn: F) -> F:
    """Turn a SummariseError into one line on stderr and its exit code; bugs keep their traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
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


def _warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr (hidden with --quiet or when stderr is not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield lambda stage, done, total: None
        return
    tasks: dict[str, Any] = {}
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _version(value: bool) -> None:
    if value:
        typer.echo(f"summarise {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Turn a day's news in many languages into cited English briefings."""


@app.command()
@_errors
def brief(
    inputs: Optional[list[Path]] = typer.Argument(None, help="Article files or folders (read recursively)."),
    feeds: Optional[Path] = FEEDS,
    since: str = SINCE,
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder [default: outputs]."),
    date: Optional[str] = typer.Option(None, help="Date of the briefing, YYYY-MM-DD [default: today]."),
    translate: Optional[bool] = typer.Option(None, "--translate/--no-translate",
                                             help="Translate non-English articles [default: on]."),
    threshold: Optional[float] = typer.Option(None, help="Similarity every two articles of a story must "
                                                         "reach, 0..1 (higher = smaller stories) [default: 0.65]."),
    summariser: Optional[str] = SUMMARISER,
    engine: Optional[str] = ENGINE,
    config: Optional[Path] = CONFIG,
    quiet: bool = QUIET,
) -> None:
    """Brief every article under INPUTS (and, with --feeds, the day's feed entries) into
    <out>/<date>/briefing.md and briefing.json."""
    from .config import load_settings
    from .pipeline import brief as run_brief
    from .pipeline import require_inputs

    settings = load_settings(config, out=out, date=date, translate=translate,
                             cluster_threshold=threshold, summariser=summariser, engine=engine,
                             quiet=quiet or None)
    require_inputs(inputs or [])
    settings, fetched = _fetch_feeds(feeds, since, settings)
    sources = [*(inputs or []), *([fetched.articles_dir] if fetched else [])]
    if not sources:
        raise ConfigError("nothing to brief: give article files or folders, or --feeds FILE")
    with _progress(settings.quiet) as progress:
        result = run_brief(sources, settings, progress=progress, warn=_warn,
                           extra_issues=fetched.issues if fetched else ())
    _mark_briefed(fetched, result, settings)
    written = ", ".join(result.outputs) or "nothing written, the earlier briefing was kept"
    missed = sum(1 for d in result.documents if d.missed)
    untranslated = f", {missed} not translated for want of a model" if missed else ""
    typer.echo(f"{len(result.briefings)} stories from {len(result.documents)} articles"
               f" ({len(result.issues)} inputs not briefed{untranslated}): {written}", err=True)
    raise typer.Exit(result.exit_code)


@app.command()
@_errors
def story(
    files: list[Path] = typer.Argument(..., help="Article files about one story."),
    json_out: bool = typer.Option(False, "--json", help="JSON instead of Markdown."),
    summariser: Optional[str] = SUMMARISER,
    config: Optional[Path] = CONFIG,
) -> None:
    """Brief FILES as one story (you did the grouping) and print it: Markdown, or JSON with --json."""
    from .config import load_settings
    from .story import brief_story, dumps, to_markdown

    settings = load_settings(config, summariser=summariser)
    result = brief_story(files, settings, warn=_warn)
    typer.echo(dumps(result) if json_out else to_markdown(result))


@app.command()
@_errors
def detect(
    files: list[Path] = typer.Argument(None, help="Files to identify; none: one text per stdin line."),
    json_lines: bool = typer.Option(False, "--json", help="JSON lines instead of code<TAB>confidence."),
) -> None:
    """Print the language of each file (or each stdin line): code<TAB>confidence, `und` when unsure."""
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
            _warn(str(exc))
            failed, text = True, ""
        # code<TAB>confidence, one line per file in order; JSON lines also name the file
        typer.echo(format_detection(detect_language(text), json_lines, str(path) if json_lines else None))
    raise typer.Exit(3 if failed else 0)


@app.command()
@_errors
def translate(
    file: Path = typer.Argument(..., help="Article file to translate into English."),
    source: Optional[str] = typer.Option(None, "--from", help="Source language code [default: detected]."),
    config: Optional[Path] = CONFIG,
) -> None:
    """Print the English translation of FILE, paragraph by paragraph."""
    from .config import load_settings
    from .detect import detect_language
    from .translation import translate as run_translate

    settings = load_settings(config)
    text = _article_text(file)
    lang = source or detect_language(text).code
    typer.echo(run_translate(text, lang, settings).text)


@app.command()
@_errors
def digest(
    inputs: Optional[list[Path]] = typer.Argument(None, help="Article files or folders; none: only send "
                                                             "what waits in the outbox."),
    to: Optional[list[str]] = typer.Option(None, "--to", help="Recipient, repeatable [default: "
                                                             "SUMMARISE_MAIL_TO or `to` in [mail]]."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write <out>/<date>/briefing.eml; send nothing."),
    send_all: bool = typer.Option(False, "--all", help="Include stories an earlier digest already sent."),
    feeds: Optional[Path] = FEEDS,
    since: str = SINCE,
    wait: float = typer.Option(30.0, "--wait", help="Seconds to wait while another digest run holds "
                                                    "the lock."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder [default: outputs]."),
    date: Optional[str] = typer.Option(None, help="Date of the briefing, YYYY-MM-DD [default: today]."),
    engine: Optional[str] = ENGINE,
    config: Optional[Path] = CONFIG,
    quiet: bool = QUIET,
) -> None:
    """Brief INPUTS and email the stories not sent before. Exit 5: delivery failed, the message waits in
    <out>/outbox for the next run; 6: another digest run holds the lock."""
    from .config import load_settings
    from .digest import run_digest
    from .mail import load_mail_settings
    from .pipeline import require_inputs

    settings = load_settings(config, out=out, date=date, engine=engine, quiet=quiet or None)
    mail = load_mail_settings(config, to=tuple(to or ()))
    require_inputs(inputs or [])
    settings, fetched = _fetch_feeds(feeds, since, settings)
    sources = [*(inputs or []), *([fetched.articles_dir] if fetched else [])]
    with _progress(settings.quiet) as progress:
        outcome = run_digest(sources, settings, mail, dry_run=dry_run, send_all=send_all,
                             lock_timeout=wait, progress=progress, warn=_warn,
                             extra_issues=fetched.issues if fetched else ())
    _mark_briefed(fetched, outcome.result, settings)
    typer.echo(outcome.report(), err=True)
    raise typer.Exit(outcome.exit_code)


@app.command()
@_errors
def schedule(
    inputs: Optional[list[Path]] = typer.Argument(None, help="What the digest briefs, as for `digest`."),
    at: str = typer.Option("07:00", "--at", help="Time of day, HH:MM, 24-hour, in the machine's time zone."),
    to: Optional[list[str]] = typer.Option(None, "--to", help="Recipient, repeatable."),
    config: Optional[Path] = CONFIG,
) -> None:
    """Print a crontab line running `summarise digest INPUTS` daily; add it with `crontab -e`."""
    import os

    from .config import load_settings
    from .digest import schedule_line
    from .mail import PASSWORD_ENV

    settings = load_settings(config)
    args = [str(p) for p in inputs or []] + [a for t in to or [] for a in ("--to", t)]
    args += ["--config", str(config.resolve())] if config else []
    typer.echo(schedule_line(at, args, log=settings.out / "digest.log"))
    if os.environ.get(PASSWORD_ENV):
        _warn(f"cron will not see {PASSWORD_ENV} from this shell; name a password_file in the config's "
              f"[mail] table instead")


cache_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                        help="Show or clear the cache of translations, embeddings and languages that re-runs "
                             "reuse (in the store: <out>/.summarise.sqlite3, or $SUMMARISE_STORE).")
app.add_typer(cache_app, name="cache")
CACHE_OUT = typer.Option(None, "--out", "-o", help="Output folder whose store to use [default: outputs].")


@cache_app.command("stats")
@_errors
def cache_stats(out: Optional[Path] = CACHE_OUT, config: Optional[Path] = CONFIG) -> None:
    """Print each cache's entries, and its hits and misses over all runs."""
    from .cache import describe
    from .config import load_settings
    from .store import default_path

    for line in describe(default_path(load_settings(config, out=out).out)):
        typer.echo(line)


@cache_app.command("clear")
@_errors
def cache_clear(
    kind: Optional[list[str]] = typer.Option(None, "--kind", help="translations, embeddings or languages; "
                                                                  "repeatable [default: all]."),
    out: Optional[Path] = CACHE_OUT,
    config: Optional[Path] = CONFIG,
) -> None:
    """Delete cached entries; briefings and the other state in the store stay."""
    from .cache import KINDS, clear
    from .config import load_settings
    from .store import default_path

    deleted = clear(default_path(load_settings(config, out=out).out), kind or KINDS)
    typer.echo(", ".join(f"{n} {name} deleted" for name, n in deleted.items()))


def _fetch_feeds(feeds: Path | None, since: str, settings: Settings) -> tuple[Settings, FetchReport | None]:
    """With --feeds: fetch the day's entries into <out>/<date>/articles; print the seconds spent per host."""
    if feeds is None:
        return settings, None
    import dataclasses
    import datetime as dt

    from .feeds import parse_since
    from .fetch import fetch_day, host_time_lines

    window = parse_since(since)
    # Pin the date, so that a run crossing midnight fetches and briefs into the same day's folder.
    settings = dataclasses.replace(settings, date=settings.date or dt.date.today().isoformat())
    report = fetch_day(feeds, settings, since=window, date=str(settings.date), warn=_warn)
    for line in host_time_lines(report):
        typer.echo(line, err=True)
    return settings, report


def _mark_briefed(fetched: FetchReport | None, result: Result, settings: Settings) -> None:
    """Record the fetched entries that made it into the briefing, so later days skip them."""
    if fetched is not None:
        from .fetch import mark_briefed

        mark_briefed(fetched.keys_for(d.article.path for d in result.documents), settings, date=result.date)


def _article_text(path: Path) -> str:
    """Title and cleaned body of every article in one file, as the pipeline reads it."""
    from .ingest import read_file

    articles = read_file(path, path.parent)
    return "\n\n".join(f"{a.title}\n\n{a.text}" for a in articles)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
