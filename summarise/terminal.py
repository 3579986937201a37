"""What the command shows on the terminal: help that names arguments as users write them, and one rich console
on stderr for warnings, the stages' log (-v) and the progress bar, so that a line printed while the bar is drawn
lands above it, whole."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

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
