"""Mail: its settings, the digest message (plain text + HTML), SMTP delivery and the outbox.

Its settings are the `[mail]` table of `config.Settings` (`config.MailSettings`, with their environment
variables).

`password_file` and `ca_file` in the config are relative to the config file's folder.
The password never appears in a repr, a log line or an error message, and never goes over plain TCP
unless `allow_plaintext_login` says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import smtplib
import ssl
import stat
import textwrap
import uuid
from collections.abc import Callable, Iterator, Sequence
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP, default
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from .config import PASSWORD_ENV, MailSettings
from .errors import ConfigError, ExitCode, SummariseError
from .files import write_atomic
from .html import render_html, stories
from .markup import one_line, safe_url
from .render import LANGUAGE_NAMES, background_lines, background_title, details, language_note, status, when
from .text import plural
from .types import Briefing, Result


class DeliveryError(SummariseError):
    """The server could not be reached, refused the login or rejected a message; it waits in the outbox."""

    exit_code = ExitCode.UNDELIVERED

    def __init__(self, message: str, *, fatal: bool) -> None:
        super().__init__(message)
        self.fatal = fatal  # True: no later message can go either (connection, TLS, login)


def require(mail: MailSettings, *, sending: bool) -> None:
    """Fail with one message listing every setting still missing (the SMTP ones only when `sending`)."""
    missing = []
    if not mail.sender:
        missing.append("sender (SUMMARISE_MAIL_FROM or `from` in [mail])")
    if not mail.to:
        missing.append("recipients (--to, SUMMARISE_MAIL_TO or `to` in [mail])")
    if sending and not mail.host:
        missing.append("SMTP host (SUMMARISE_SMTP_HOST or `host` in [mail])")
    if sending and mail.user and not mail.password:
        missing.append(f"SMTP password ({PASSWORD_ENV} or `password_file` in [mail])")
    if sending and mail.password and not mail.user:
        missing.append("SMTP user (SUMMARISE_SMTP_USER or `user` in [mail])")
    if missing:
        raise ConfigError(f"mail settings missing: {'; '.join(missing)}. Set them, then run again")
    if sending:
        refuse_plaintext_login(mail)


def refuse_plaintext_login(mail: MailSettings) -> None:
    """Refuse to send a password over plain TCP (security = "none") unless the user opted in."""
    if mail.security == "none" and mail.user and not mail.allow_plaintext_login:
        raise ConfigError(f"security = \"none\" would send the SMTP password of {one_line(mail.user)} "
                          f"unencrypted; use security = \"starttls\" or \"ssl\", or, on a network you trust, "
                          f"set allow_plaintext_login = true in [mail] (SUMMARISE_SMTP_ALLOW_PLAINTEXT_LOGIN=1)")


# --- the message ---------------------------------------------------------------------------------

SUBJECT_TITLE = 70  # most characters of the lead story's title in the subject

def subject(result: Result) -> str:
    """'Briefing 2024-05-01, 3 stories: <lead title>', one line whatever the titles hold."""
    ordered = stories(result)
    count = plural(len(ordered), "story", "stories")
    lead = _cut(one_line(ordered[0].title), SUBJECT_TITLE) if ordered else ""
    return one_line(f"Briefing {result.date}, {count}" + (f": {lead}" if lead else ""))


def _cut(text: str, most: int) -> str:
    """`text` when it has at most `most` characters, else cut at the last word that fits, with "…" (mid-word only
    when its first word alone is longer)."""
    if len(text) <= most:
        return text
    head = text[:most - 1]  # and "…": `most` characters
    if text[most - 1] != " " and " " in head:  # the cut falls inside a word: that word goes
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:–—-") + "…"


def render_text(result: Result) -> str:
    """The plain-text part: the same stories as the HTML, wrapped at 72 columns."""
    ordered = stories(result)
    lines = [f"Briefing for {one_line(result.date)}: {plural(len(ordered), 'story', 'stories')}, "
             "most-covered first.", ""]
    lines += [_wrap(f"Note: {notice}") + "\n" for notice in result.notices]
    for k, b in enumerate(ordered, 1):
        original = "" if b.english else f" ({LANGUAGE_NAMES.get(b.language, b.language)}, not translated)"
        heading = f"{k}. {one_line(b.title)}{original}"
        lines += [heading, "=" * min(72, len(heading)),
                  f"{status(b)} · {plural(len(b.article_ids), 'article', 'articles')}", ""]
        lines += [_wrap(f"NOT IN ENGLISH. {b.notice}"), ""] if b.notice else []
        lines += [_wrap(b.short), ""]
        lines += [_wrap(p) + "\n" for p in details(b).split("\n\n") if p.strip()]
        lines += [f"{background_title(b)}:", *(_wrap(f"{date}: {text}") for date, text in background_lines(b)), ""] \
            if b.background else []
        lines += [*_sources(b), ""]
    if result.issues:
        lines += [f"{plural(len(result.issues), 'input', 'inputs')} not briefed:"]
        lines += [f"  {one_line(i.path)}: {i.status}, {one_line(i.reason)}" for i in result.issues]
    return "\n".join(lines).rstrip() + "\n"


def _sources(b: Briefing) -> list[str]:
    """Today's cited sources, those no sentence cites, and the earlier ones the background cites."""
    lines: list[str] = []
    for label, cited, earlier in (("Sources:", True, False), ("Also reported by:", False, False),
                                  ("Earlier sources:", True, True)):
        listed = [c for c in b.citations if c.cited == cited and c.earlier == earlier]
        lines += [label] if listed else []
        for c in listed:
            outlet = f" — {one_line(c.source)}" if c.source else ""
            url = safe_url(c.url)
            number = f"[{c.n}] " if cited else "- "
            lines.append(f"  {number}{one_line(c.title)}{outlet}, {when(c.published)} ({language_note(c)})")
            lines += [f"      {url}"] if url else []
    return lines


def _wrap(text: str) -> str:
    return textwrap.fill(one_line(text), 72, break_long_words=False, break_on_hyphens=False)


def build_message(result: Result, mail: MailSettings, *, html: str | None = None) -> EmailMessage:
    """A multipart/alternative message (plain text, then HTML) with every header one safe line."""
    require(mail, sending=False)
    assert mail.sender is not None
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject(result)
    msg["From"] = mail.sender
    msg["To"] = ", ".join(mail.to)
    msg["Date"] = formatdate(localtime=True)
    domain = parseaddr(mail.sender)[1].rpartition("@")[2]
    msg["Message-ID"] = make_msgid("digest", domain=domain or "localhost")  # no slow hostname lookup
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to the digest
    msg.set_content(render_text(result))
    msg.add_alternative(html if html is not None else render_html(result), subtype="html")
    return msg


# --- the outbox ----------------------------------------------------------------------------------

def queue_name(date: str) -> str:
    """A new outbox file name; names sort oldest first."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{re.sub(r'[^0-9A-Za-z-]', '_', date)}-{uuid.uuid4().hex[:8]}.eml"


def queue(outbox: Path, msg: EmailMessage, name: str) -> Path:
    """Save `msg` in the outbox as `name`: a temp file, then a rename, so a reader never sees half."""
    return write_atomic(Path(outbox) / name, msg.as_bytes(policy=SMTP), private=True)  # mail stays private


def waiting(outbox: Path, warn: Callable[[str], None] | None = None) -> list[Path]:
    """The messages waiting in the outbox, oldest first: its regular `*.eml` files. Anything else so named (a
    folder, a link, a pipe) is left alone, and named to `warn`."""
    folder = Path(outbox)
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        if path.name.startswith("."):
            continue
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            found.append(path)
        elif warn is not None:
            kind = "a folder" if stat.S_ISDIR(mode) else "a link" if stat.S_ISLNK(mode) else "not a regular file"
            warn(f"skipped {path} in the outbox: it is {kind}, not a message; move it away")
    return found


def clear_temp(outbox: Path) -> None:
    """Remove half-written temp files a crash left behind (call only while holding the digest lock)."""
    if Path(outbox).is_dir():
        for tmp in Path(outbox).glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


# --- delivery ------------------------------------------------------------------------------------

def deliver(mail: MailSettings, files: Sequence[Path],
            accepted: Callable[[Path, tuple[str, ...]], None]) -> DeliveryError | None:
    """Send each .eml over one connection, oldest first; `accepted(path, refused)` runs the moment the
    server takes one. A connection, TLS or login failure stops at once; a rejected message is skipped
    so that later ones still go. Returns the failure that stopped it, else the first rejection, else None."""
    if not files:
        return None
    first: DeliveryError | None = None
    try:
        with smtp_session(mail) as smtp:
            for path in files:
                try:
                    refused = _send_file(smtp, path, mail)
                except DeliveryError as exc:
                    if exc.fatal:
                        raise
                    first = first or exc
                    continue
                accepted(path, refused)
    except DeliveryError as exc:  # the reason nothing more went
        return exc
    return first


@contextlib.contextmanager
def smtp_session(mail: MailSettings) -> Iterator[smtplib.SMTP]:
    """A connected (TLS as configured) and logged-in SMTP session; failures raise DeliveryError."""
    where = f"{mail.host}:{mail.smtp_port}"
    refuse_plaintext_login(mail)
    context = ssl.create_default_context(cafile=str(mail.ca_file) if mail.ca_file else None)
    smtp: smtplib.SMTP | None = None
    try:
        if mail.security == "ssl":
            smtp = smtplib.SMTP_SSL(mail.host or "", mail.smtp_port, timeout=mail.timeout, context=context)
        else:
            smtp = smtplib.SMTP(mail.host or "", mail.smtp_port, timeout=mail.timeout)
        if mail.security == "starttls":
            smtp.starttls(context=context)
        if mail.user:
            smtp.login(mail.user, mail.password or "")
    except Exception as exc:
        if smtp is not None:
            smtp.close()
        raise _session_error(exc, mail, where) from None
    try:
        yield smtp
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        smtp.close()


def _session_error(exc: Exception, mail: MailSettings, where: str) -> DeliveryError:
    """One line saying what failed while connecting or logging in, and what to check."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        text = (f"SMTP server {where} refused the login for {mail.user} ({_reply(exc)}); check "
                f"SUMMARISE_SMTP_USER and {PASSWORD_ENV}")
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        text = (f"SMTP server {where} does not offer {'STARTTLS' if 'STARTTLS' in str(exc) else 'login'} "
                f"here; check SUMMARISE_SMTP_SECURITY (starttls, ssl or none) and SUMMARISE_SMTP_USER")
    elif isinstance(exc, ssl.SSLError):
        text = (f"TLS with SMTP server {where} failed ({exc.reason or exc}); check SUMMARISE_SMTP_SECURITY "
                f"(starttls, ssl or none) and, for a private certificate, ca_file")
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"SMTP server {where} refused the session ({_reply(exc)}); try again later"
    elif isinstance(exc, (OSError, smtplib.SMTPException)):
        text = (f"cannot reach SMTP server {where} ({exc or type(exc).__name__}); check "
                f"SUMMARISE_SMTP_HOST, SUMMARISE_SMTP_PORT and the network")
    else:
        raise exc
    return DeliveryError(_line(text + "; the digest waits in the outbox", mail), fatal=True)


def _send_file(smtp: smtplib.SMTP, path: Path, mail: MailSettings) -> tuple[str, ...]:
    """Send one saved message to the addresses in its own headers; returns the refused recipients."""
    raw = path.read_bytes()
    headers = BytesHeaderParser(policy=default).parsebytes(raw)
    sender = _addrs(headers, "From")[:1]
    recipients = _addrs(headers, "To") + _addrs(headers, "Cc")
    if not sender or not recipients:
        raise DeliveryError(_line(f"{path} has no From or To header; fix or delete it", mail), fatal=False)
    try:
        refused = smtp.sendmail(sender[0], recipients, raw)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        raise _rejected(code, reply, path, mail) from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise _rejected(exc.smtp_code, exc.smtp_error, path, mail) from None
    except OSError as exc:  # SMTPServerDisconnected and socket errors: nothing more can go now
        raise DeliveryError(_line(f"lost the connection to SMTP server {mail.host}:{mail.smtp_port} "
                                  f"({exc or type(exc).__name__}); the digest waits in the outbox", mail),
                            fatal=True) from None
    return tuple(sorted(refused))


def _rejected(code: int, reply: bytes | str, path: Path, mail: MailSettings) -> DeliveryError:
    reason = f"{code} {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply}"
    if 400 <= code < 500:
        text = f"SMTP server {mail.host} deferred the digest ({reason}); it waits in {path} for the next run"
    else:
        text = (f"SMTP server {mail.host} rejected the digest ({reason}); it waits in {path}: fix the "
                f"cause (recipients, sender, size) and run again, or delete the file")
    return DeliveryError(_line(text, mail), fatal=False)


def _addrs(headers: Any, name: str) -> list[str]:
    header = headers[name]
    return [a.addr_spec for a in header.addresses] if header is not None else []


def _reply(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    return f"{exc.smtp_code} {error.decode('utf-8', 'replace') if isinstance(error, bytes) else error}"


def _line(text: str, mail: MailSettings) -> str:
    """One line, with the password blanked should a server ever echo it back."""
    line = one_line(text)
    return line.replace(mail.password, "***") if mail.password else line
