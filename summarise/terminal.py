"""What the command shows on the terminal: help that names arguments as users write them, and one rich console
on stderr for warnings, the stages' log (-v) and the progress bar, so that a line printed while the bar is drawn
lands above it, whole; and what `brief` prints when it is done: the briefing on stdout with -o -, and a one-line
summary on stderr."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand

from .errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from .fetch import FetchReport
    from .types import Result

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class Command(TyperCommand):
    """Help that names each argument by its metavar, `FILE...` or `[INPUT...]`, not by its Python type
    (`<list[Path]>`) or in braces (`{FILE}...`)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for p in self.get_params(ctx):
            if p.param_type_name == "argument":
                pieces.append(_shown(p) if p.required else f"[{_shown(p)}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = self.get_params(ctx)
        args = [(_shown(p), getattr(p, "help", None) or "")
                for p in params if p.param_type_name == "argument" and not getattr(p, "hidden", False)]
        opts = [record for p in params if p.param_type_name == "option" and (record := p.get_help_record(ctx))]
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _shown(param: Any) -> str:
    return f"{param.metavar or str(param.name).upper()}{'...' if param.nargs != 1 else ''}"


_console: Console | None = None  # while a command runs: where warnings, -v's log and the progress bar go


def warn(message: str) -> None:
    """One warning, whole, on stderr; above the progress bar while one is drawn."""
    line = f"warning: {message}"
    if _console is None:
        typer.echo(line, err=True)
    else:
        _console.print(line, soft_wrap=True, markup=False, highlight=False, emoji=False)


@contextlib.contextmanager
def store_warnings() -> Iterator[None]:
    """The store's warnings (a damaged file moved aside, a cache table re-created) as `warn` lines."""
    logger, handler = logging.getLogger("summarise.store"), _WarnHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


class _WarnHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        warn(record.getMessage())


@contextlib.contextmanager
def terminal(quiet: bool, verbose: bool = False) -> Iterator[Progress]:
    """Warnings, the stages' log (-v) and a progress bar (hidden with --quiet or when stderr is not a terminal),
    all through one rich console on stderr."""
    from rich.console import Console

    global _console
    console = _console = Console(stderr=True)
    try:
        with _stage_log(console, verbose):
            if quiet or not console.is_terminal:
                yield lambda stage, done, total: None
            else:
                with _bar(console) as update:
                    yield update
    finally:
        _console = None


@contextlib.contextmanager
def _bar(console: Console) -> Iterator[Progress]:
    """One bar per stage, added as the stage starts; gone when the command ends."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


@contextlib.contextmanager
def _stage_log(console: Console, verbose: bool) -> Iterator[None]:
    """With -v, the library's INFO lines (what each stage did, how long it took) on the console."""
    logger, handler = logging.getLogger("summarise"), _LogHandler(console)
    level = logger.level
    if verbose:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class _LogHandler(logging.Handler):
    """The library's INFO lines on the console; its warnings come through `warn` already."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING:
            self.console.print(record.getMessage(), soft_wrap=True, markup=False, highlight=False, emoji=False,
                               style="dim")


# --- what a run of `brief` prints ----------------------------------------------------------------

def report(result: Result, printer: Callable[[Result], str] | None, fetched: FetchReport | None = None) -> None:
    """The seconds spent per host (with --feeds), the briefing on stdout when asked (-o -), and the one-line summary
    on stderr."""
    host_times(fetched)
    if printer:
        typer.echo(printer(result), nl=False)
    typer.echo(summary(result, printed=printer is not None), err=True)


def choose_printer(out: Path | None, fmt: str | None) -> Callable[[Result], str] | None:
    """With -o -: the function that renders a Result in the --format asked for (ConfigError for another)."""
    from .html import render_html
    from .render import dumps, to_markdown

    printers: dict[str, Callable[[Result], str]] = {"md": to_markdown, "json": dumps, "html": render_html}
    if str(out) != "-":
        if fmt is not None:
            raise ConfigError("--format chooses what -o - prints: add -o - (a folder always gets briefing.md "
                              "and briefing.json)")
        return None
    if (fmt or "md") not in printers:
        raise ConfigError(f"--format {fmt!r}: choose md, json or html")
    return printers[fmt or "md"]


def summary(result: Result, printed: bool = False) -> str:
    """'3 stories from 7 articles (1 input not briefed): outputs/2025-06-20/briefing.md, ...'; what went wrong in
    brackets only when something did."""
    from .text import plural

    written = ", ".join(result.outputs) or "nothing written, the earlier briefing was kept"
    missed = sum(1 for d in result.documents if d.missed)
    notes = [f"{plural(len(result.issues), 'input', 'inputs')} not briefed"] if result.issues else []
    notes += [f"{missed} not translated for want of a model"] if missed else []
    said = f" ({', '.join(notes)})" if notes else ""
    return (f"{plural(len(result.briefings), 'story', 'stories')} from "
            f"{plural(len(result.documents), 'article', 'articles')}{said}: "
            f"{'printed on stdout' if printed else written}")


def host_times(fetched: FetchReport | None) -> None:
    """With --feeds: the requests and wall-clock seconds per host, and in all."""
    if fetched is not None:
        from .fetch import host_time_lines

        for line in host_time_lines(fetched):
            typer.echo(line, err=True)
