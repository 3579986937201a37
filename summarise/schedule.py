"""`summarise schedule`: a crontab line that runs `summarise digest` every day, printed only when the job can work.

Before the line is printed, what the digest will need is checked as cron will see it (cron starts from the
folder the line `cd`s into, with this shell's SUMMARISE_* settings and nothing else, so without
SUMMARISE_SMTP_PASSWORD): the inputs exist, the feeds file reads, and the mail settings are complete. A job that
would fail every night is one line and exit 2 now, with the message the digest would give, instead of a line in a
log nobody reads. `Job.try_once` runs the digest now as a dry run (`--check`).

Every value that goes into the line is refused when it holds a control or invisible formatting character: cron
ends an entry at a line break, so a path or an address holding one could add an entry of its own.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import CONFIG_ENV, DEFAULT_SINCE, PASSWORD_ENV, Settings, load_settings
from .errors import ConfigError
from .feeds import parse_since
from .store import STORE_ENV

if TYPE_CHECKING:  # pragma: no cover
    from .digest import DigestOutcome
    from .pipeline import Progress, Warn

_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNSEEN = ("Cc", "Cf", "Zl", "Zp")  # controls (line breaks among them), invisible formatting, line separators
# Where a mail setting is shown in the summary of what the job will use: (setting, how it is introduced).
_MAIL_SHOWN = (("mail.sender", "from"), ("mail.to", "to"), ("mail.host", "through"), ("mail.user", "as"))


@dataclass(frozen=True)
class Job:
    """A digest job that passed the checks: the crontab line, and what it runs with."""

    line: str
    settings: Settings  # as cron will see them
    inputs: tuple[Path, ...]
    feeds: Path | None
    since: str
    sources: str  # one line: the mail settings it will use, and where each comes from

    def try_once(self, progress: Progress | None = None, warn: Warn | None = None) -> DigestOutcome:
        """The digest, now, as a dry run: briefing.eml is written beside the day's briefing, nothing is sent."""
        from .digest import run_digest

        return run_digest(self.inputs, self.settings, dry_run=True, feeds=self.feeds, since=self.since,
                          progress=progress, warn=warn)


def plan(inputs: Sequence[Path], at: str, *, to: Sequence[str] = (), feeds: Path | None = None,
         since: str | None = None, out: Path | None = None, config: Path | None = None,
         warn: Warn | None = None) -> Job:
    """The job for `summarise schedule`, checked: ConfigError (exit 2, one line) when the digest it runs would fail
    every night, or when a value would break the crontab line."""
    refuse_unseen([("--at", at), *(("input", str(p)) for p in inputs), *(("--to", t) for t in to),
                   ("--feeds", str(feeds or "")), ("--since", since or ""), ("--out", str(out or "")),
                   ("--config", str(config or ""))])
    if since is not None and feeds is None:
        raise ConfigError("--since goes with --feeds: give the feeds file the digest fetches")
    parse_since(since or DEFAULT_SINCE)  # a bad window fails now, not every morning in the cron log
    if os.environ.get(PASSWORD_ENV) and warn is not None:
        warn(f"cron will not see {PASSWORD_ENV} from this shell; name a password_file in the config's [mail] "
             f"table instead")
    origins: dict[str, str] = {}
    settings = load_settings(config, env=cron_env(), origins=origins, out=out, mail={"to": tuple(to)})
    require(inputs, feeds, settings)
    args = job_args(inputs, to, feeds, since, out, config)
    return Job(schedule_line(at, args, log=settings.out / "digest.log"), settings, tuple(inputs), feeds,
               since or DEFAULT_SINCE, _sources(settings, origins))


def require(inputs: Sequence[Path], feeds: Path | None, settings: Settings) -> None:
    """What `digest` checks before it briefs, with the same messages: the mail settings that sending needs,
    something to brief, inputs that exist and a feeds file that reads."""
    from . import mail
    from .feeds import read_feed_list
    from .pipeline import require_inputs

    mail.require(settings.mail, sending=True)
    if not inputs and feeds is None:
        raise ConfigError("nothing to brief: give article files or folders, or --feeds FILE")
    require_inputs(inputs)
    if feeds is not None:
        read_feed_list(feeds)


def _sources(settings: Settings, origins: dict[str, str]) -> str:
    """'the digest will mail from a@b (SUMMARISE_MAIL_FROM) to c@d (--to) through smtp.x:587 (config file …)'."""
    said = []
    for name, label in _MAIL_SHOWN:
        value = getattr(settings.mail, name.split(".")[1])
        if value:
            shown = ", ".join(value) if isinstance(value, tuple) else str(value)
            port = f":{settings.mail.smtp_port}" if name == "mail.host" else ""
            said.append(f"{label} {shown}{port} ({origins.get(name, 'default')})")
    return "the digest will mail " + " ".join(said)


def refuse_unseen(values: Iterable[tuple[str, str]]) -> None:
    """ConfigError naming the first value that holds a control or invisible formatting character."""
    for what, value in values:
        if any(unicodedata.category(ch) in _UNSEEN for ch in value):
            raise ConfigError(f"{what} {value!r} holds a control character (a line break would end the crontab "
                              f"entry and start another); rename it or give another value")


def job_args(inputs: Sequence[Path], to: Sequence[str], feeds: Path | None, since: str | None, out: Path | None,
             config: Path | None) -> list[str]:
    """The digest's arguments for the crontab line, paths made absolute (cron runs elsewhere)."""
    args = [str(p.resolve()) for p in inputs] + [a for t in to for a in ("--to", t)]
    args += ["--feeds", str(feeds.resolve())] if feeds else []
    args += ["--since", since] if since else []
    args += ["--out", str(out.resolve())] if out else []
    return args + (["--config", str(config.resolve())] if config else [])


def schedule_line(at: str, args: Sequence[str] = (), *, cwd: Path | None = None,
                  log: Path = Path("outputs/digest.log"), executable: str | None = None,
                  env: dict[str, str] | None = None) -> str:
    """A crontab entry running `summarise digest ARGS` daily at `at` (HH:MM, the machine's time zone) from
    `cwd` with this shell's SUMMARISE_* settings (`env`), appending its output to `log`. ConfigError when any of
    them holds a control character."""
    match = _TIME.fullmatch(at.strip())
    if not match:
        raise ConfigError(f"--at {at!r}: give the time as HH:MM, 24-hour, e.g. 07:00")
    exe = [executable] if executable else _executable()
    cwd = Path(cwd or Path.cwd()).resolve()
    env = dict(cron_env() if env is None else env)
    refuse_unseen([("the working folder", str(cwd)), ("the log", str(log)), ("the program", " ".join(exe)),
                   *((f"the variable {k}", f"{k}={v}") for k, v in env.items()), *(("argument", a) for a in args)])
    command = " ".join([
        f"cd {shlex.quote(str(cwd))}",
        f"&& mkdir -p {shlex.quote(str(log.parent))}",  # `>>` fails when the folder is missing
        "&&", *(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items())),
        *(shlex.quote(part) for part in exe), "digest", *(shlex.quote(a) for a in args),
        f">> {shlex.quote(str(log))} 2>&1",
    ])
    # cron turns an unescaped % into a newline
    return f"{int(match.group(2))} {int(match.group(1))} * * * " + command.replace("%", r"\%")


def _executable() -> list[str]:
    """The `summarise` script of the running environment (cron's PATH does not know the venv), else
    this interpreter running the CLI module (a source checkout that was never installed)."""
    beside = Path(sys.executable).parent / "summarise"
    found = str(beside) if beside.exists() else shutil.which("summarise")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "summarise.cli"]


def cron_env() -> dict[str, str]:
    """This shell's SUMMARISE_* settings (cron starts with almost no environment), paths made absolute;
    never the password, which would sit in the crontab for anyone who can read it."""
    env = {k: v for k, v in os.environ.items()
           if k.startswith("SUMMARISE_") and k != PASSWORD_ENV and _NAME.fullmatch(k)}  # a name a shell can set
    return {k: str(Path(v).expanduser().resolve()) if k in (CONFIG_ENV, STORE_ENV) else v
            for k, v in env.items()}
