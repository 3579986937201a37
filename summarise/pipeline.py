"""The stages in order: ingest (and clean) → detect → translate → embed → cluster → brief → render."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Callable, Sequence

from .config import Settings, check, load_settings
from .errors import ConfigError
from .files import day_lock
from .types import Briefing, Document, InputIssue, Result

log = logging.getLogger("summarise")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def brief(inputs: Sequence[Path | str], settings: Settings | None = None, *,
          progress: Progress | None = None, warn: Callable[[str], None] | None = None,
          extra_issues: Sequence[InputIssue] = ()) -> Result:
    """Brief every article under `inputs` and write briefing.md/.json to `<out>/<date>/`."""
    settings = check(settings or load_settings())  # every setting, before any work
    require_inputs(inputs)
    date = settings.date or dt.date.today().isoformat()
    with day_lock(Path(settings.out) / date, _warner([], warn)):  # a second run on the same day waits, and says so
        return _brief(inputs, settings, date, progress=progress, warn=warn, extra_issues=extra_issues)


def _brief(inputs: Sequence[Path | str], settings: Settings, date: str, *, progress: Progress | None,
           warn: Callable[[str], None] | None, extra_issues: Sequence[InputIssue]) -> Result:
    from . import briefing, cache, cluster, engines, render

    warnings: list[str] = []
    note = _warner(warnings, warn)
    step = progress or (lambda stage, done, total: None)

    # The per-article stages run on the engine (here, or on a Ray cluster); clustering and briefing run here.
    with engines.start(settings) as engine:
        articles, issues = engine.read([Path(p) for p in inputs], int(settings.max_file_mb * 1e6))
        for issue in issues:
            note(f"{issue.path}: {issue.reason} ({issue.status})")
        if not articles:
            note(f"no articles to brief in {', '.join(str(p) for p in inputs)}")

        with cache.session(settings):  # languages, translations and embeddings known from earlier runs are reused
            step("detect", 0, len(articles))
            languages = engine.languages(articles)
            step("detect", len(articles), len(articles))

            docs = engine.translate(articles, languages, note, lambda done: step("translate", done, len(articles)))

            step("cluster", 0, 1)
            groups = cluster.group(docs, settings.cluster_threshold, settings.cluster_exact_max,
                                   engine.represent(docs))
            step("cluster", 1, 1)

            brief_one = briefing.briefer(settings, note)  # abstractive falls back to extractive, with a warning
            briefings = []
            for k, members in enumerate(groups):
                briefings.append(brief_one([docs[i] for i in members]))
                step("brief", k + 1, len(groups))

    docs, briefings, empty = _drop_empty(docs, briefings)  # an empty briefing is a failure, never "ok"
    for issue in empty:
        note(f"{issue.path}: {issue.reason} ({issue.status})")
    folder = Path(settings.out) / date
    keep = not briefings and any((folder / name).exists() for name in ("briefing.md", "briefing.json"))
    if keep:  # a run that briefed nothing never replaces a day's briefing
        note(f"nothing could be briefed; kept the earlier briefing in {folder}")
    result = Result(date=date, documents=tuple(docs), issues=tuple(issues) + tuple(empty) + tuple(extra_issues),
                    briefings=tuple(briefings), warnings=tuple(warnings))
    written = () if keep else render.write(result, folder)
    return Result(**{**result.__dict__, "outputs": tuple(str(p) for p in written)})


def require_inputs(inputs: Sequence[Path | str]) -> None:
    """ConfigError naming every input that does not exist: a mistyped path is a usage error, before
    anything is read or written (rather than a day's briefing of nothing)."""
    missing = [str(p) for p in inputs if not os.path.lexists(p)]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")


EMPTY_REASON = ("no sentence of it fit a briefing (text without sentence marks such as . ! ?, or only "
                "run-on sentences); add sentence punctuation to brief it")


def _drop_empty(docs: Sequence[Document], briefings: Sequence[Briefing]
                ) -> tuple[list[Document], list[Briefing], list[InputIssue]]:
    """Stories whose briefing came out empty are not briefed: their articles become failed inputs."""
    empty = [b for b in briefings if not (b.short.strip() and b.long.strip())]
    dropped = {a for b in empty for a in b.article_ids}
    issues = [InputIssue(d.article.path, "failed", EMPTY_REASON) for d in docs if d.article.id in dropped]
    return ([d for d in docs if d.article.id not in dropped], [b for b in briefings if b not in empty], issues)


def _warner(sink: list[str], warn: Callable[[str], None] | None) -> Callable[[str], None]:
    """Collect a warning for the JSON, log it, and pass it to the caller's handler."""

    def note(message: str) -> None:
        sink.append(message)
        log.warning(message)
        if warn is not None:
            warn(message)

    return note
