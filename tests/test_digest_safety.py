"""The digest: no password over plain TCP, a full disk is one line and loses nothing, a private outbox
(issue 10, parts 4, 8 and 9), through the CLI."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

pytest.importorskip("aiosmtpd")

from typer.testing import CliRunner

from summarise import pipeline
from summarise.cli import app

from .test_digest import DATE, PASSWORD, USER, Briefer, Handler, cert, free_port, serve, story  # noqa: F401
from .test_robust import fail_fsync_of, one_error

runner = CliRunner()
ARGS = ["--out", "out", "--date", DATE, "--quiet"]


@pytest.fixture
def night(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with one input folder, mail settings in the environment and a stand-in briefer."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    monkeypatch.setattr(pipeline, "brief", Briefer(story("a", 2)))
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()), "SMTP_SECURITY": "none",
                        "MAIL_FROM": "news@example.org", "MAIL_TO": "reader@example.org"}.items():
        monkeypatch.setenv(f"SUMMARISE_{name}", value)
    return tmp_path


def test_a_password_never_goes_over_plain_tcp_unasked(night: Path, cert: tuple[Path, Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARISE_SMTP_USER", USER)
    monkeypatch.setenv("SUMMARISE_SMTP_PASSWORD", PASSWORD)
    handler = Handler()
    with serve(handler, cert, "none", auth=False) as mail:
        monkeypatch.setenv("SUMMARISE_SMTP_PORT", str(mail.port))
        refused = runner.invoke(app, ["digest", "in", *ARGS])
    assert refused.exit_code == 2
    line = one_error(refused.output)
    assert 'security = "none" would send the SMTP password of digest unencrypted' in line
    assert "allow_plaintext_login = true" in line and PASSWORD not in refused.output
    assert handler.received == [] and not (night / "out").exists()  # nothing briefed, queued or sent

    monkeypatch.setenv("SUMMARISE_SMTP_ALLOW_PLAINTEXT_LOGIN", "1")  # the user's explicit opt-in
    handler = Handler()
    with serve(handler, cert, "none", auth=True) as mail:
        monkeypatch.setenv("SUMMARISE_SMTP_PORT", str(mail.port))
        sent = runner.invoke(app, ["digest", "in", *ARGS])
        schedule = runner.invoke(app, ["schedule", "in", "--at", "07:00"])
    assert sent.exit_code == 0, sent.output
    assert len(handler.received) == 1 and PASSWORD.encode() not in handler.received[0][2]
    stored = b"".join(p.read_bytes() for p in (night / "out").rglob("*") if p.is_file())
    assert PASSWORD not in sent.output and PASSWORD not in schedule.output and PASSWORD.encode() not in stored


def test_a_full_disk_while_queueing_is_one_line_and_loses_nothing(night: Path, cert: tuple[Path, Path],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    handler = Handler()
    with serve(handler, cert) as mail:
        monkeypatch.setenv("SUMMARISE_SMTP_PORT", str(mail.port))
        with monkeypatch.context() as full:
            fail_fsync_of(".tmp", errno.ENOSPC, full)  # every file the digest writes, the outbox message included
            failed = runner.invoke(app, ["digest", "in", *ARGS])
        assert failed.exit_code == 7
        line = one_error(failed.output)
        assert "the disk is full" in line and "free some space" in line
        assert handler.received == []
        assert list((night / "out" / "outbox").glob("*")) == []  # no half-written message, no temp file
        retried = runner.invoke(app, ["digest", "in", *ARGS])  # space again: the stories were not lost
    assert retried.exit_code == 0, retried.output
    assert len(handler.received) == 1 and b"Story a" in handler.received[0][2]


def test_the_outbox_is_private_and_outputs_follow_the_umask(night: Path) -> None:
    old = os.umask(0o022)
    try:
        res = runner.invoke(app, ["digest", "in", *ARGS])  # nothing listens: the message waits
    finally:
        os.umask(old)
    assert res.exit_code == 5
    [eml] = (night / "out" / "outbox").glob("*.eml")
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    assert stat.S_IMODE((night / "out" / "outbox").stat().st_mode) == 0o700
    assert stat.S_IMODE((night / "out" / DATE / "briefing.html").stat().st_mode) == 0o644
