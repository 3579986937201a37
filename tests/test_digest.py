"""The digest end to end against a real SMTP server (aiosmtpd) that the tests start on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email
import email.policy
import socket
import ssl
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from summarise import digest as digest_mod
from summarise.config import MailSettings, Settings
from summarise.digest import DigestLockedError, run_digest
from summarise.errors import ConfigError
from summarise.store import connect, default_path
from summarise.types import Briefing, Citation, Result

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

DATE = "2024-05-01"
USER, PASSWORD = "digest", "pw-Zq81-secret"
HOSTILE = "Storm <script>alert(1)</script> </body> hits\r\nBcc: victim@evil.example\r\nX-Injected: yes"


# --- articles ------------------------------------------------------------------------------------

def story(key: str, n: int, title: str | None = None, text: str = "") -> Briefing:
    """A briefing over n articles `key0..key{n-1}`, each cited with a URL."""
    ids = tuple(f"{key}{i}" for i in range(n))
    cites = tuple(Citation(i + 1, a, f"Headline {a}", "Outlet", f"https://news.example/{a}", "en", False)
                  for i, a in enumerate(ids))
    return Briefing(id=key, title=title or f"Story {key}", short=f"Short {key} {text}[1].",
                    long=f"Long {key} {text}[1]. More[{n}].", article_ids=ids, citations=cites)


class Briefer:
    """Stands in for pipeline.brief: returns whatever stories the test sets."""

    def __init__(self, *stories: Briefing) -> None:
        self.stories = stories

    def __call__(self, inputs: list[Path], settings: Settings, **_: Any) -> Result:
        return Result(date=settings.date or DATE, documents=(), issues=(), briefings=self.stories)


# --- the SMTP server -----------------------------------------------------------------------------

@dataclass
class Handler:
    """Records what it accepts; `reply` makes it refuse DATA, `gate` holds DATA until set."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    reply: str | None = None
    gate: threading.Event | None = None
    entered: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.entered.set()
        if self.gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 20)
        if self.reply:
            return self.reply
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (EC: fast to make)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                               x509.DNSName("localhost")]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@contextlib.contextmanager
def serve(handler: Handler, cert: tuple[Path, Path], security: str = "none",
          auth: bool = False) -> Iterator[MailSettings]:
    """Run aiosmtpd on a free 127.0.0.1 port; yield the MailSettings that reach it."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    options: dict[str, Any] = {"ssl_context": context} if security == "ssl" else {}
    if security == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if auth:
        # aiosmtpd counts only STARTTLS as TLS; with implicit TLS (ssl) the link is encrypted all the same
        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=security == "starttls")
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port, **options)
    server.start()
    try:
        yield mail_settings(port, security, cert[0], auth)
    finally:
        server.stop()


def mail_settings(port: int, security: str = "none", ca_file: Path | None = None,
                  auth: bool = False) -> MailSettings:
    return MailSettings(host="127.0.0.1", port=port, security=security, sender="News <news@example.org>",
                        to=("reader@example.org",), timeout=5, ca_file=ca_file,
                        user=USER if auth else None, password=PASSWORD if auth else None,
                        allow_plaintext_login=auth and security == "none")  # the test server is local


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(out=tmp_path / "outputs", date=DATE)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(msg: email.message.EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a multipart/alternative message."""
    assert msg.get_content_type() == "multipart/alternative"
    text, html = (p for p in msg.iter_parts())
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    return text.get_content(), html.get_content()


def outbox(settings: Settings) -> list[Path]:
    return sorted((settings.out / "outbox").glob("*.eml"))


def claimed(settings: Settings) -> dict[str, str]:
    """article id -> state of the message that carried it."""
    conn = connect(default_path(settings.out), digest_mod.SCHEMA)
    rows = conn.execute("SELECT a.article_id, m.state FROM digest_article a JOIN digest_message m USING (file)")
    return dict(rows.fetchall())


# --- delivery ------------------------------------------------------------------------------------

@pytest.mark.parametrize("security,auth", [("none", False), ("none", True), ("starttls", True), ("ssl", True)])
def test_delivers_in_each_security_mode(security: str, auth: bool, cert: tuple[Path, Path],
                                        settings: Settings) -> None:
    handler = Handler()
    with serve(handler, cert, security, auth) as mail:
        outcome = run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 3), story("b", 1)))
    assert outcome.exit_code == 0 and outcome.error is None and outcome.waiting == ()
    assert (outcome.stories, outcome.articles, len(outcome.sent)) == (2, 4, 1)
    [(sender, rcpts, raw)] = handler.received
    assert (sender, rcpts) == ("news@example.org", ["reader@example.org"])
    msg = parse(raw)
    assert msg["Subject"].startswith(f"Briefing {DATE}, 2 stories: Story a")
    text, html = parts(msg)
    ET.fromstring(html)  # well-formed XML: it parses, doctype and all
    assert html.replace("\r\n", "\n") == (settings.out / DATE / "briefing.html").read_text(encoding="utf-8")
    assert text.index("Story a") < text.index("Story b")  # most-covered first
    assert outbox(settings) == [] and set(claimed(settings).values()) == {"sent"}


def test_wrong_password_queues_and_never_shows_the_password(cert: tuple[Path, Path], settings: Settings,
                                                           caplog: pytest.LogCaptureFixture,
                                                           capfd: pytest.CaptureFixture[str]) -> None:
    handler = Handler()
    with serve(handler, cert, "starttls", auth=True) as mail:
        mail = MailSettings(**{**mail.__dict__, "password": "wrong-" + PASSWORD})
        outcome = run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 2)))
    assert outcome.exit_code == 5 and handler.received == []
    assert "refused the login for digest" in (outcome.error or "")
    [queued] = outbox(settings)
    seen = outcome.report() + caplog.text + "".join(capfd.readouterr()) + repr(mail) + queued.read_text()
    assert PASSWORD not in seen
    assert claimed(settings) == {"a0": "queued", "a1": "queued"}


def test_server_down_keeps_the_message_then_delivers_it_once(cert: tuple[Path, Path],
                                                           settings: Settings) -> None:
    briefer = Briefer(story("a", 2))
    down = run_digest([Path("in")], replace(settings, mail=mail_settings(free_port())), briefer=briefer)
    assert down.exit_code == 5 and "cannot reach SMTP server 127.0.0.1" in (down.error or "")
    assert "outbox" in down.report() and len(outbox(settings)) == 1
    assert claimed(settings) == {"a0": "queued", "a1": "queued"}  # not sent: not marked sent

    handler = Handler()
    with serve(handler, cert) as mail:
        # same articles: only the outbox
        again = run_digest([Path("in")], replace(settings, mail=mail), briefer=briefer)
        third = run_digest([Path("in")], replace(settings, mail=mail), briefer=briefer)
    assert (again.exit_code, again.stories, len(again.sent)) == (0, 0, 1)
    assert (third.exit_code, third.sent) == (0, ())
    assert len(handler.received) == 1 and outbox(settings) == []
    assert set(claimed(settings).values()) == {"sent"}


@pytest.mark.parametrize("reply,word", [("451 4.3.0 Try again later", "deferred"),
                                        ("554 5.7.1 Message refused", "rejected")])
def test_refused_message_waits_in_the_outbox(reply: str, word: str, cert: tuple[Path, Path],
                                            settings: Settings) -> None:
    handler = Handler(reply=reply)
    with serve(handler, cert) as mail:
        refused = run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 1)))
        assert refused.exit_code == 5 and word in (refused.error or "")
        assert reply.split()[0] in (refused.error or "") and len(outbox(settings)) == 1
        handler.reply = None
        fixed = run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 1), story("b", 1)))
    assert fixed.exit_code == 0 and len(handler.received) == 2  # the waiting one first, then the new one
    first, second = (parse(raw)["Subject"] for _, _, raw in handler.received)
    assert "Story a" in first and "Story b" in second and "Story a" not in second


def test_nothing_new_sends_nothing(cert: tuple[Path, Path], settings: Settings) -> None:
    handler = Handler()
    with serve(handler, cert) as mail:
        run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 2)))
        (settings.out / DATE / "briefing.html").unlink()
        again = run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 2)))
        assert not (settings.out / DATE / "briefing.html").exists()
        forced = run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 2)), send_all=True)
    assert (again.exit_code, again.stories, again.sent) == (0, 0, ())
    assert "no new stories" in again.report()
    assert forced.stories == 1 and len(handler.received) == 2  # --all sends it again


def test_only_stories_with_new_articles_go(cert: tuple[Path, Path], settings: Settings) -> None:
    handler = Handler()
    with serve(handler, cert) as mail:
        run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 2)))
        grown = Briefing(**story("a", 3).__dict__)  # the same story, one more article
        run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(grown, story("b", 1)))
    text, _ = parts(parse(handler.received[1][2]))
    assert "Story a" in text and "Story b" in text
    run = run_digest([Path("in")], replace(settings, mail=mail_settings(free_port())), briefer=Briefer(story("a", 2)))
    assert run.stories == 0


def test_second_run_waits_or_gives_up_while_the_first_holds_the_lock(cert: tuple[Path, Path],
                                                                     settings: Settings) -> None:
    handler = Handler(gate=threading.Event())
    briefer = Briefer(story("a", 2))
    outcomes: dict[str, Any] = {}
    with serve(handler, cert) as mail:
        def run(name: str, timeout: float) -> None:
            outcomes[name] = run_digest([Path("in")], replace(settings, mail=mail), briefer=briefer,
                                        lock_timeout=timeout)

        first = threading.Thread(target=run, args=("first", 5))
        first.start()
        assert handler.entered.wait(10)  # the first run is mid-delivery, holding the lock
        with pytest.raises(DigestLockedError, match="another `summarise digest` run holds") as locked:
            run("impatient", 0.2)
        assert locked.value.exit_code == 6
        patient = threading.Thread(target=run, args=("patient", 15))
        patient.start()
        handler.gate.set()  # type: ignore[union-attr]
        first.join(20)
        patient.join(20)
    assert outcomes["first"].exit_code == 0 and len(outcomes["first"].sent) == 1
    assert (outcomes["patient"].exit_code, outcomes["patient"].stories) == (0, 0)
    assert len(handler.received) == 1 and outbox(settings) == []
    assert claimed(settings) == {"a0": "sent", "a1": "sent"}


def test_hostile_article_text_is_escaped_and_headers_stay_intact(cert: tuple[Path, Path],
                                                                 settings: Settings) -> None:
    handler = Handler()
    with serve(handler, cert) as mail:
        run_digest([Path("in")], replace(settings, mail=mail),
                   briefer=Briefer(story("x", 2, title=HOSTILE, text="<script>evil()</script></body>\r\n")))
    [(_, rcpts, raw)] = handler.received
    msg = parse(raw)
    assert rcpts == ["reader@example.org"]
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert "\n" not in msg["Subject"] and "Bcc: victim@evil.example" in msg["Subject"]
    assert sorted(set(msg.keys())) == ["Auto-Submitted", "Content-Type", "Date", "From", "MIME-Version",
                                       "Message-ID", "Subject", "To"]
    text, html = parts(msg)
    root = ET.fromstring(html)
    assert root.tag == "html" and not list(root.iter("script")) and len(list(root.iter("body"))) == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;/body&gt;" in html and "<script>" not in html
    assert "<script>evil()</script>" in text  # plain text needs no escaping


# --- dry run, settings, crash recovery -----------------------------------------------------------

def test_dry_run_writes_the_eml_and_sends_nothing(settings: Settings) -> None:
    mail = MailSettings(sender="news@example.org", to=("Ann <ann@example.org>", "bo@example.org"))  # no SMTP host
    outcome = run_digest([Path("in")], replace(settings, mail=mail), dry_run=True, briefer=Briefer(story("a", 1)))
    eml = settings.out / DATE / "briefing.eml"
    assert outcome.exit_code == 0 and outcome.eml == str(eml) and "dry run" in outcome.report()
    msg = parse(eml.read_bytes())
    assert msg["To"] == "Ann <ann@example.org>, bo@example.org"
    assert parts(msg)[1].replace("\r\n", "\n") == (settings.out / DATE / "briefing.html").read_text("utf-8")
    assert claimed(settings) == {} and outbox(settings) == []


def test_missing_settings_are_listed_together(settings: Settings) -> None:
    with pytest.raises(ConfigError) as err:
        run_digest([Path("in")], replace(settings, mail=MailSettings(user="digest")), briefer=Briefer())
    message = str(err.value)
    for missing in ("SUMMARISE_MAIL_FROM", "SUMMARISE_MAIL_TO", "SUMMARISE_SMTP_HOST", "SUMMARISE_SMTP_PASSWORD"):
        assert missing in message
    assert err.value.exit_code == 2


def test_crash_leftovers_are_neither_lost_nor_sent_twice(cert: tuple[Path, Path], settings: Settings) -> None:
    down = mail_settings(free_port())
    run_digest([Path("in")], replace(settings, mail=down), briefer=Briefer(story("a", 1)))
    run_digest([Path("in")], replace(settings, mail=down), briefer=Briefer(story("b", 1)))
    accepted, vanished = outbox(settings)
    conn = connect(default_path(settings.out), digest_mod.SCHEMA)
    # a crash after the server took `accepted` and the store said so, before the file was removed
    conn.execute("UPDATE digest_message SET state = 'sent' WHERE file = ?", (accepted.name,))
    vanished.unlink()  # a crash before its file was written (or removed by hand): release its articles
    (settings.out / "outbox" / ".half.eml.tmp").write_text("partial")
    handler = Handler()
    with serve(handler, cert) as mail:
        outcome = run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 1), story("b", 1)))
    [(_, _, raw)] = handler.received
    assert "Story b" in parse(raw)["Subject"] and outcome.stories == 1
    assert list((settings.out / "outbox").iterdir()) == []


def test_waiting_messages_go_oldest_first(cert: tuple[Path, Path], settings: Settings) -> None:
    down = mail_settings(free_port())
    for key in "abc":
        run_digest([Path("in")], replace(settings, mail=down), briefer=Briefer(story(key, 1)))
    handler = Handler()
    with serve(handler, cert) as mail:
        outcome = run_digest([Path("in")], replace(settings, mail=mail), briefer=Briefer(story("a", 1)))
    assert [parse(raw)["Subject"].split(": ")[1] for _, _, raw in handler.received] == ["Story a", "Story b",
                                                                                       "Story c"]
    assert outcome.exit_code == 0 and outcome.stories == 0 and len(outcome.sent) == 3


# --- through the command line --------------------------------------------------------------------

def test_cli_exit_codes_for_a_failed_night_a_held_lock_and_the_retry(cert: tuple[Path, Path], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock
    from typer.testing import CliRunner

    from summarise import pipeline
    from summarise.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()  # a missing input is a usage error, before any work
    monkeypatch.setattr(pipeline, "brief", Briefer(story("a", 2)))
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()), "SMTP_SECURITY": "none",
                        "MAIL_FROM": "news@example.org", "MAIL_TO": "reader@example.org"}.items():
        monkeypatch.setenv(f"SUMMARISE_{name}", value)
    runner, args = CliRunner(), ["--out", "out", "--date", DATE, "--quiet"]

    failed = runner.invoke(app, ["digest", "in", *args])
    assert failed.exit_code == 5 and "error: cannot reach SMTP server 127.0.0.1" in failed.output
    assert "1 message(s) wait in the outbox: out/outbox/" in failed.output

    with FileLock(str(tmp_path / "out" / "digest.lock")):
        locked = runner.invoke(app, ["digest", "in", "--wait", "0", *args])
    assert locked.exit_code == 6 and "another `summarise digest` run holds" in locked.output

    handler = Handler()
    with serve(handler, cert) as mail:
        monkeypatch.setenv("SUMMARISE_SMTP_PORT", str(mail.port))
        retried = runner.invoke(app, ["digest", *args])  # no inputs: only what waits in the outbox
    assert retried.exit_code == 0 and "sent " in retried.output and len(handler.received) == 1


def test_end_to_end_through_the_pipeline_on_the_seeds(cert: tuple[Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("summarise.cluster", reason="the pipeline's cluster stage has not landed yet")
    from html import escape

    from summarise.html import one_line

    settings = Settings(out=tmp_path / "out", date=DATE, translate=False, quiet=True)
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    handler = Handler()
    with serve(handler, cert) as mail:
        first = run_digest([seeds], replace(settings, mail=mail))
        again = run_digest([seeds], replace(settings, mail=mail))
    assert first.exit_code in (0, 3) and first.stories == len(first.result.briefings) > 0
    assert (again.exit_code, again.stories, again.sent) == (first.exit_code, 0, ())
    [(_, _, raw)] = handler.received
    text, html = parts(parse(raw))
    ET.fromstring(html)
    for b in first.result.briefings:
        assert escape(one_line(b.title), quote=True) in html and one_line(b.title) in text
    assert {p.name for p in (settings.out / DATE).iterdir()} >= {"briefing.md", "briefing.json", "briefing.html"}
