"""The stages in order: ingest (and clean) → detect → translate → embed → cluster → brief → render."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Callable, Sequence

from .config import Settings, load_settings
from .types import InputIssue, Result

log = logging.getLogger("summarise")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def brief(inputs: Sequence[Path | str], settings: Settings | None = None, *,
          progress: Progress | None = None, warn: Callable[[str], None] | None = None,
          extra_issues: Sequence[InputIssue] = ()) -> Result:
    """Brief every article under `inputs` and write briefing.md/.json to `<out>/<date>/`."""
    from . import briefing, cache, cluster, engines, render

    settings = settings or load_settings()
    date = settings.date or dt.date.today().isoformat()
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

    result = Result(date=date, documents=tuple(docs), issues=tuple(issues) + tuple(extra_issues),
                    briefings=tuple(briefings), warnings=tuple(warnings))
    written = render.write(result, Path(settings.out) / date)
    return Result(**{**result.__dict__, "outputs": tuple(str(p) for p in written)})


def _warner(sink: list[str], warn: Callable[[str], None] | None) -> Callable[[str], None]:
    """Collect a warning for the JSON, log it, and pass it to the caller's handler."""

    def note(message: str) -> None:
        sink.append(message)
        log.warning(message)
        if warn is not None:
            warn(message)

    return note
