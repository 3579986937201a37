"""`summarise digest`: brief the day's articles and email the stories not sent before.

One run, under a lock so that two never interleave:

1. take `<store folder>/digest.lock`; if another run holds it, wait `lock_timeout` seconds, then give up;
2. send what waits in the outbox, oldest first;
3. brief the inputs (briefing.md/.json), keep the stories with an article no earlier digest carried;
4. write briefing.html (the same HTML as the email); for a dry run, briefing.eml beside it, and stop;
5. save the message in the outbox, its articles recorded as queued, then send the outbox again.

A message is marked sent in the store the moment the server accepts it and only then removed from
the outbox, so a crash or a failed night loses nothing; the lock keeps two runs from sending one twice.

Exit codes are `errors.ExitCode`'s. For a digest, OK (0) also means nothing new (no article at all, as on a feeds
day whose entries were all briefed before, even when a feed failed: its warning says so); PARTIAL (3) is OK with
some inputs skipped or failed; UNDELIVERED (5): the message waits in the outbox and goes first on the next run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import mail as mailer
from .config import DEFAULT_SINCE, LOCK_WAIT, MailSettings, Settings
from .errors import ExitCode, SummariseError
from .files import write_atomic
from .html import render_html
from .store import connect, default_path, transaction
from .text import plural
from .types import Briefing, Result

if TYPE_CHECKING:  # pragma: no cover
    from .fetch import FetchReport
    from .pipeline import Progress, Warn

SENT, QUEUED = "sent", "queued"
SCHEMA = """
CREATE TABLE IF NOT EXISTS digest_message (
    file TEXT PRIMARY KEY,            -- its name in the outbox
    message_id TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent')),
    created TEXT NOT NULL,
    sent TEXT
);
CREATE TABLE IF NOT EXISTS digest_article (
    article_id TEXT NOT NULL,
    file TEXT NOT NULL,
    PRIMARY KEY (article_id, file)
);
"""

log = logging.getLogger("summarise")
Briefer = Callable[..., Result]  # stands in for pipeline.brief(inputs, settings, **kw)


class DigestLockedError(SummariseError):
    """Another digest run holds the lock."""

    exit_code = ExitCode.LOCKED


@dataclass(frozen=True)
class DigestOutcome:
    """What one digest run did; `exit_code` and `report()` are what the CLI shows."""

    result: Result  # everything the pipeline briefed, sent before or not
    stories: int  # in this run's digest; 0 when nothing was new
    articles: int
    sent: tuple[str, ...] = ()  # outbox files the server accepted this run, oldest first
    waiting: tuple[str, ...] = ()  # files still in the outbox
    html: str | None = None
    eml: str | None = None  # dry run only
    error: str | None = None  # why delivery failed, one line
    fetched: FetchReport | None = None  # with feeds: what was fetched, and the seconds spent per host

    @property
    def exit_code(self) -> ExitCode:
        """5 when something waits in the outbox, else the briefing's own code (0, 3 or 4). No article at all is
        nothing new (0), also on a feeds day whose entries were all briefed before or failed (the warnings name
        each feed or page that failed), unless not one feed could be read (4)."""
        if self.waiting:
            return ExitCode.UNDELIVERED
        fetch_issues = len(self.fetched.issues) if self.fetched else 0
        if not self.result.documents and len(self.result.issues) == fetch_issues:
            unreachable = self.fetched is not None and fetch_issues and not self.fetched.feeds_read
            return ExitCode.NOTHING if unreachable else ExitCode.OK  # else nothing to brief: nothing new
        return self.result.exit_code  # as `brief` says it: 3 also for an article left untranslated

    def report(self) -> str:
        """A few lines for the terminal or the cron log."""
        lines = []
        if self.stories == 0:
            lines.append(f"{self.result.date}: no new stories since the last digest")
        else:
            counts = (f"{plural(self.stories, 'new story', 'new stories')} "
                      f"({plural(self.articles, 'article', 'articles')})")
            lines.append(f"dry run: {counts} written to {self.eml}" if self.eml
                         else f"{self.result.date}: {counts}")
        lines += [f"sent {name}" for name in self.sent]
        if self.error:
            lines.append(f"error: {self.error}")
        if self.waiting:
            lines.append(f"{len(self.waiting)} message(s) wait in the outbox: {', '.join(self.waiting)}")
        return "\n".join(lines)


def run_digest(inputs: Sequence[Path], settings: Settings, *, dry_run: bool = False, send_all: bool = False,
               lock_timeout: float = LOCK_WAIT, feeds: Path | None = None, since: str = DEFAULT_SINCE,
               progress: Progress | None = None, warn: Warn | None = None,
               briefer: Briefer | None = None) -> DigestOutcome:
    """Brief `inputs` and, with `feeds`, the day's new feed entries (`pipeline.run`), then email the stories not
    sent before (or, for a dry run, write the .eml), as `settings.mail` says. `briefer` stands in for
    `pipeline.brief` (tests)."""
    mail = settings.mail
    mailer.require(mail, sending=not dry_run)
    if briefer is None:
        from .pipeline import require_inputs

        require_inputs(inputs)  # a mistyped path is a usage error, before the outbox is touched
    outbox = mail.outbox or Path(settings.out) / "outbox"
    store = default_path(Path(settings.out))
    with _locked(store.parent / "digest.lock", lock_timeout), \
            contextlib.closing(connect(store, SCHEMA)) as conn:
        sent, error = ([], None) if dry_run else _flush(conn, mail, outbox, warn or log.warning)
        result, fetched = _brief(inputs, settings, feeds, since, briefer, {"progress": progress, "warn": warn})
        fresh = _fresh(result, _claimed(conn), send_all)
        outcome = DigestOutcome(result, 0, 0)
        if fresh:
            digest = dataclasses.replace(result, briefings=tuple(fresh))
            outcome = _compose(conn, digest, mail, outbox, Path(settings.out) / digest.date, dry_run)
        if fresh and not dry_run:
            more, later = _flush(conn, mail, outbox)
            sent, error = sent + more, later or error
        return dataclasses.replace(outcome, result=result, fetched=fetched, sent=tuple(sent),
                                   waiting=() if dry_run else _names(outbox),
                                   error=str(error) if error else None)


def _compose(conn: sqlite3.Connection, digest: Result, mail: MailSettings, outbox: Path,
             folder: Path, dry_run: bool) -> DigestOutcome:
    """Write briefing.html and the message: briefing.eml for a dry run, else into the outbox."""
    page = render_html(digest)
    html = write_atomic(folder / "briefing.html", page)
    msg = mailer.build_message(digest, mail, html=page)
    article_ids = sorted({a for b in digest.briefings for a in b.article_ids})
    outcome = DigestOutcome(digest, len(digest.briefings), len(article_ids), html=str(html))
    if dry_run:
        return dataclasses.replace(outcome, eml=str(write_atomic(folder / "briefing.eml", msg.as_bytes())))
    name = mailer.queue_name(digest.date)
    _record_queued(conn, name, str(msg["Message-ID"]), article_ids)  # before the file: see _forget_missing
    mailer.queue(outbox, msg, name)
    return outcome


@contextlib.contextmanager
def _locked(path: Path, timeout: float) -> Iterator[None]:
    """Hold the digest lock (an OS file lock, released even if the process dies)."""
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise DigestLockedError(f"another `summarise digest` run holds {path} (waited {timeout:g} s); "
                                f"let it finish, or raise --wait") from None
    try:
        yield
    finally:
        lock.release()


def _brief(inputs: Sequence[Path], settings: Settings, feeds: Path | None, since: str, briefer: Briefer | None,
           options: dict[str, Any]) -> tuple[Result, FetchReport | None]:
    """The day's run (`pipeline.run`); no inputs and no feeds means "only send what waits in the outbox"."""
    if not inputs and feeds is None:
        today = settings.date or dt.date.today().isoformat()
        return Result(date=today, documents=(), issues=(), briefings=()), None
    if briefer is not None:
        return briefer(list(inputs), settings, **options), None
    from .pipeline import run  # heavy (models): only when a digest really briefs

    day = run(inputs, settings, feeds=feeds, since=since, **options)
    return day.result, day.fetched


def _fresh(result: Result, claimed: set[str], send_all: bool) -> list[Briefing]:
    """The stories with at least one article no earlier digest carried (all of them with --all)."""
    return [b for b in result.briefings if send_all or set(b.article_ids) - claimed]


# --- state in the store --------------------------------------------------------------------------

def _flush(conn: sqlite3.Connection, mail: MailSettings, outbox: Path,
           warn: Warn | None = None) -> tuple[list[str], mailer.DeliveryError | None]:
    """Send what waits in the outbox, oldest first; each accepted message is marked sent, then removed.
    `warn` hears of what is in the outbox but not a message (skipped)."""
    mailer.clear_temp(outbox)
    _forget_missing(conn, outbox)
    states = dict(conn.execute("SELECT file, state FROM digest_message").fetchall())
    files = []
    for path in mailer.waiting(outbox, warn):
        if states.get(path.name) == SENT:  # accepted, then a crash before the file went: not again
            path.unlink()
        else:
            files.append(path)
    sent: list[str] = []

    def accepted(path: Path, refused: tuple[str, ...]) -> None:
        _mark_sent(conn, path.name)
        path.unlink()
        sent.append(path.name + (f" (refused by the server: {', '.join(refused)})" if refused else ""))

    return sent, mailer.deliver(mail, files, accepted)


def _claimed(conn: sqlite3.Connection) -> set[str]:
    """Articles in a digest that was sent or waits in the outbox."""
    return {row[0] for row in conn.execute("SELECT DISTINCT article_id FROM digest_article")}


def _record_queued(conn: sqlite3.Connection, name: str, message_id: str, article_ids: list[str]) -> None:
    with transaction(conn, immediate=True):
        conn.execute("INSERT INTO digest_message (file, message_id, state, created) VALUES (?, ?, ?, ?)",
                     (name, message_id, QUEUED, _now()))
        conn.executemany("INSERT OR IGNORE INTO digest_article (article_id, file) VALUES (?, ?)",
                         [(a, name) for a in article_ids])


def _mark_sent(conn: sqlite3.Connection, name: str) -> None:
    with transaction(conn, immediate=True):  # a file dropped into the outbox by hand has no row yet
        conn.execute("INSERT INTO digest_message (file, state, created, sent) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (file) DO UPDATE SET state = excluded.state, sent = excluded.sent",
                     (name, SENT, _now(), _now()))


def _forget_missing(conn: sqlite3.Connection, outbox: Path) -> None:
    """Release queued messages whose file is gone (a crash before it was written, or deleted by hand),
    so that their articles go into the next digest instead of nowhere."""
    present = {p.name for p in mailer.waiting(outbox)}
    gone = [f for (f,) in conn.execute("SELECT file FROM digest_message WHERE state = ?", (QUEUED,))
            if f not in present]
    if not gone:
        return
    with transaction(conn, immediate=True):
        conn.executemany("DELETE FROM digest_article WHERE file = ?", [(f,) for f in gone])
        conn.executemany("DELETE FROM digest_message WHERE file = ?", [(f,) for f in gone])


def _names(outbox: Path) -> tuple[str, ...]:
    return tuple(str(p) for p in mailer.waiting(outbox))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
