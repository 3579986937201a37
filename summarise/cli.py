"""The `summarise` command: parse flags, build Settings, call the library, print. Nothing else.

Exit codes: 0 everything briefed; 1 a bug (traceback); 2 usage, config or model error;
3 some inputs were skipped or failed; 4 nothing could be briefed.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, TypeVar

import typer

from . import __version__
from .errors import SummariseError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Turn a day's news in many languages into cited English briefings.")

F = TypeVar("F", bound=Callable[..., Any])

CONFIG = typer.Option(None, "--config", help="TOML config file (default: ./summarise.toml, "
                                             "then ~/.config/summarise/config.toml).")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")


def _errors(fn: F) -> F:
    """Turn a SummariseError into one line on stderr and its exit code; bugs keep their traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SummariseError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

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
    inputs: list[Path] = typer.Argument(..., help="Article files or folders (read recursively)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder [default: outputs]."),
    date: Optional[str] = typer.Option(None, help="Date of the briefing, YYYY-MM-DD [default: today]."),
    translate: Optional[bool] = typer.Option(None, "--translate/--no-translate",
                                             help="Translate non-English articles [default: on]."),
    threshold: Optional[float] = typer.Option(None, help="Cosine similarity to join a story (higher = "
                                                         "smaller stories)."),
    config: Optional[Path] = CONFIG,
    quiet: bool = QUIET,
) -> None:
    """Brief every article under INPUTS into <out>/<date>/briefing.md and briefing.json."""
    from .config import load_settings
    from .pipeline import brief as run_brief

    settings = load_settings(config, out=out, date=date, translate=translate,
                             cluster_threshold=threshold, quiet=quiet or None)
    with _progress(settings.quiet) as progress:
        result = run_brief(inputs, settings, progress=progress, warn=_warn)
    typer.echo(f"{len(result.briefings)} stories from {len(result.documents)} articles"
               f" ({len(result.issues)} inputs not briefed): {', '.join(result.outputs)}", err=True)
    raise typer.Exit(result.exit_code)


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
        typer.echo(format_detection(detect_language(text), json_lines, str(path)))
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
