"""Mail settings, the digest message and its HTML, and the crontab line (no server here: see test_digest)."""

from __future__ import annotations

import email
import email.policy
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from summarise.config import MailSettings, load_settings
from summarise.errors import ConfigError
from summarise.files import write_atomic
from summarise.html import render_html, safe_url
from summarise.mail import build_message, render_text, require
from summarise.schedule import schedule_line
from summarise.types import Briefing, Citation, InputIssue, Result

MAIL = MailSettings(host="smtp.example.org", sender="News <news@example.org>", to=("a@example.org",))


def cite(n: int, aid: str, url: str | None = "https://ex.org/a", **kw: object) -> Citation:
    fields = {"title": f"Headline {aid}", "source": "Outlet", "language": "en", "translated": False, **kw}
    return Citation(n=n, article_id=aid, url=url, **fields)  # type: ignore[arg-type]


def result(*briefings: Briefing, issues: tuple[InputIssue, ...] = ()) -> Result:
    return Result(date="2024-05-01", documents=(), issues=issues, briefings=briefings)


SMALL = Briefing(id="s", title="Small story", short="Short one [1].", long="Long one [1].",
                 article_ids=("s0",), citations=(cite(1, "s0"),))
BIG = Briefing(id="b", title="Протесты в Москве", short="Crowds gathered [1][2].",
               long="First paragraph [1].\n\nSecond paragraph [2][3].", article_ids=("b0", "b1", "b2"),
               citations=(cite(1, "b0"), cite(2, "b1", url="javascript:alert(1)", language="ru", translated=True,
                                              source="ТАСС"), cite(3, "b2", url=None, language="pt")))


# --- settings ------------------------------------------------------------------------------------

def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "summarise.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_settings_come_from_flags_then_env_then_config(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("from-file\n", encoding="utf-8")
    config = write_config(tmp_path, '[mail]\nhost = "toml.example"\nport = 2525\nsecurity = "ssl"\n'
                                    'user = "u"\nfrom = "n@ex.org"\nto = ["a@ex.org", "b@ex.org"]\n'
                                    'password_file = "pw"\ntimeout = 7\n')
    env = {"SUMMARISE_SMTP_HOST": "env.example", "SUMMARISE_MAIL_TO": "c@ex.org, d@ex.org"}
    mail = load_settings(config, env, mail={"to": ("flag@ex.org",)}).mail
    assert (mail.host, mail.port, mail.security, mail.user) == ("env.example", 2525, "ssl", "u")
    assert mail.sender == "n@ex.org"
    assert mail.to == ("flag@ex.org",) and mail.timeout == 7.0 and mail.password == "from-file"
    assert load_settings(config, env).mail.to == ("c@ex.org", "d@ex.org")
    assert load_settings(config, {**env, "SUMMARISE_SMTP_PASSWORD": "from-env"}).mail.password == "from-env"
    assert "from-file" not in repr(mail)


def test_defaults_and_ports(tmp_path: Path) -> None:
    mail = load_settings(None, {"SUMMARISE_SMTP_HOST": "h", "SUMMARISE_SMTP_SECURITY": "SSL"}).mail
    assert (mail.security, mail.smtp_port, mail.outbox, mail.password) == ("ssl", 465, None, None)
    assert MailSettings().smtp_port == 587 and MailSettings(security="none").smtp_port == 25


@pytest.mark.parametrize("body,words", [
    ('[mail]\npassword = "hunter2"\n', "remove `password`"),
    ('[mail]\nhots = "x"\n', "unknown setting 'hots' (did you mean 'host'?)"),
    ('[mail]\nsecurity = "tls"\n', "'mail.security': 'tls' is not allowed, choose one of: starttls, ssl, none"),
    ('[mail]\nport = 70000\n', "'mail.port': 70000 is not allowed, use a number from 1 to 65535"),
    ('[mail]\ntimeout = 0\n', "'mail.timeout': 0.0 is not allowed"),
    ('[mail]\nto = "a@ex.org\\r\\nBcc: b@ex.org"\n', "is not an email address"),
    ('[mail]\nfrom = "nobody"\n', "is not an email address"),
    ('[mail]\npassword_file = "missing.pw"\n', "password_file"),
])
def test_bad_settings_say_what_to_fix(tmp_path: Path, body: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write_config(tmp_path, body), {})
    assert words in str(err.value) and "hunter2" not in str(err.value)


def test_the_password_is_not_a_flag() -> None:
    with pytest.raises(TypeError):
        load_settings(None, {}, mail={"password": "x"})


def test_require_lists_everything_missing() -> None:
    with pytest.raises(ConfigError) as err:
        require(MailSettings(user="u"), sending=True)
    for name in ("SUMMARISE_MAIL_FROM", "SUMMARISE_MAIL_TO", "SUMMARISE_SMTP_HOST", "SUMMARISE_SMTP_PASSWORD"):
        assert name in str(err.value)
    require(MailSettings(sender="n@ex.org", to=("a@ex.org",)), sending=False)  # a dry run needs no server


# --- the message ---------------------------------------------------------------------------------

def test_message_is_text_then_html_with_encoded_headers() -> None:
    msg = build_message(result(SMALL, BIG), MAIL)
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = parsed.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert parsed["Subject"] == "Briefing 2024-05-01, 2 stories: Протесты в Москве"
    assert b"=?utf-8?" in msg.as_bytes().split(b"\r\n\r\n")[0]  # RFC 2047 on the wire, not raw UTF-8
    assert parsed["Message-ID"].endswith("@example.org>") and parsed["Auto-Submitted"] == "auto-generated"
    assert text.get_content().index("Протесты") < text.get_content().index("Small story")


def test_titles_cannot_inject_headers() -> None:
    evil = Briefing(id="e", title="Hi\r\nBcc: x@evil.example\nX-Evil: 1", short="s", long="l",
                    article_ids=("e0",), citations=(cite(1, "e0"),))
    raw = build_message(result(evil), MAIL).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == "Briefing 2024-05-01, 1 story: Hi Bcc: x@evil.example X-Evil: 1"


def test_plain_text_lists_sources_with_safe_urls_only() -> None:
    text = render_text(result(BIG, issues=(InputIssue("bad.pdf", "failed", "not text"),)))
    assert "[1] Headline b0 — Outlet, undated (English)\n      https://ex.org/a" in text
    assert "javascript" not in text and "bad.pdf: failed, not text" in text
    assert "First paragraph [1].\n\nSecond paragraph [2][3]." in text


# --- HTML ----------------------------------------------------------------------------------------

def test_html_is_well_formed_escaped_and_most_covered_first(tmp_path: Path) -> None:
    hostile = Briefing(id="h", title="</h2><script>x()</script>", short="a < b & \x0c c [1]",
                       long='"</body>" [9]', article_ids=("h0",),
                       citations=(cite(1, "h0", url='https://ex.org/?q="><script>'),))
    page = render_html(result(SMALL, hostile, BIG, issues=(InputIssue("<x>.txt", "skipped", "empty"),)))
    root = ET.fromstring(page)
    assert not list(root.iter("script"))
    titles = ["".join(h.itertext()) for h in root.iter("h2")]
    assert titles == ["1. Протесты в Москве", "2. Small story", "3. </h2><script>x()</script>"]
    assert "a &lt; b &amp; c" in page and "&quot;&lt;/body&gt;&quot; [9]" in page
    assert 'href="https://ex.org/?q=%22%3E%3Cscript%3E"' in page  # percent-encoded (issue 19), then escaped
    assert "&lt;x&gt;.txt" in page and 'name="viewport"' in page
    out = write_atomic(tmp_path / "day" / "briefing.html", render_html(result(SMALL)))
    assert out.read_text(encoding="utf-8") == render_html(result(SMALL))
    assert [p.name for p in out.parent.iterdir()] == ["briefing.html"]  # no temp file left


def test_markers_link_to_sources_with_safe_urls() -> None:
    root = ET.fromstring(render_html(result(BIG)))
    links = {"".join(a.itertext()): a.get("href") for a in root.iter("a")}
    assert links["[1]"] == "https://ex.org/a" and "[2]" not in links and "[3]" not in links
    assert all(a.get("style") for a in root.iter("a"))  # inline styles: mail clients drop <style>


@pytest.mark.parametrize("url,ok", [("https://ex.org/x", True), ("HTTP://ex.org", True), ("javascript:x", False),
                                    ("data:text/html,x", False), ("https://ex.org/a b", False),
                                    ("https://ex.org/\r\nx", False), ("//ex.org", False), (None, False),
                                    ("http://[::1/x", False)])  # urlsplit raises on it: a JSON input's url
def test_safe_url(url: str | None, ok: bool) -> None:
    assert safe_url(url) == (url if ok else None)


# --- cron ----------------------------------------------------------------------------------------

def test_schedule_line_is_a_crontab_entry_for_this_environment(tmp_path: Path) -> None:
    folder = tmp_path / "my news"
    folder.mkdir()
    line = schedule_line("07:05", ["seeds", "--to", "a@ex.org"], cwd=folder, executable="/v/bin/summarise",
                         env={"SUMMARISE_CONFIG": "/etc/s%.toml"})
    assert line == (f"5 7 * * * cd '{folder}' && mkdir -p outputs && SUMMARISE_CONFIG=/etc/s\\%.toml "
                    "/v/bin/summarise digest seeds --to a@ex.org >> outputs/digest.log 2>&1")
    assert schedule_line("7:00", executable="x", env={}).startswith("0 7 * * * cd ")


@pytest.mark.parametrize("at", ["24:00", "7am", "07:60", "0700", ""])
def test_schedule_line_wants_hh_mm(at: str) -> None:
    with pytest.raises(ConfigError, match="HH:MM"):
        schedule_line(at, executable="x", env={})
