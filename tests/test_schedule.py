"""`summarise schedule` (issue 18 part 2, issue 19 part 3): no crontab line for a job that would fail every night,
`--check` runs the digest once as a dry run, and no value can smuggle a second entry into the crontab."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarise.cli import app

from .test_pipeline import GOOD_ARTICLE

runner = CliRunner()
MAIL = {"SUMMARISE_MAIL_FROM": "news@example.org", "SUMMARISE_SMTP_HOST": "127.0.0.1", "SUMMARISE_SMTP_PORT": "9"}


@pytest.fixture
def day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with one article in `in/` and a feeds file; no config file, no mail settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("SUMMARISE_SMTP_PASSWORD", *MAIL, "SUMMARISE_MAIL_TO", "SUMMARISE_SMTP_USER", "SUMMARISE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "metro.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    (tmp_path / "feeds.txt").write_text("https://news.example/rss\n", encoding="utf-8")
    return tmp_path


def one_error(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in output, output
    return errors[0]


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("args,mail,line", [
    (["seedz"], True, "error: no such file or folder: seedz"),
    (["in", "--feeds", "nofeeds.txt"], True, "error: feeds file nofeeds.txt: cannot read it ("),
    (["in"], False, "error: mail settings missing: sender (SUMMARISE_MAIL_FROM or `from` in [mail]); SMTP host "
                    "(SUMMARISE_SMTP_HOST or `host` in [mail]). Set them, then run again"),
])
def test_a_job_that_would_fail_every_night_is_refused_with_the_digest_s_own_line(
        day: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], mail: bool, line: str) -> None:
    for name, value in (MAIL if mail else {}).items():
        monkeypatch.setenv(name, value)
    before = files(day)
    res = runner.invoke(app, ["schedule", *args, "--to", "reader@example.org", "--at", "07:00"])
    assert res.exit_code == 2 and res.stdout == ""  # no crontab line
    assert one_error(res.output).startswith(line) and files(day) == before
    digest = runner.invoke(app, ["digest", *args, "--to", "reader@example.org", "-q"])
    assert digest.exit_code == 2 and one_error(digest.output) == one_error(res.output)  # what cron would log


def test_cron_does_not_see_the_password_of_this_shell(day: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**MAIL, "SUMMARISE_SMTP_USER": "me", "SUMMARISE_SMTP_PASSWORD": "pw-secret"}.items():
        monkeypatch.setenv(name, value)
    res = runner.invoke(app, ["schedule", "in", "--to", "reader@example.org"])
    assert res.exit_code == 2 and res.stdout == "" and "pw-secret" not in res.output
    assert one_error(res.output).startswith("error: mail settings missing: SMTP password (SUMMARISE_SMTP_PASSWORD")
    assert "warning: cron will not see SUMMARISE_SMTP_PASSWORD from this shell" in res.stderr
    (day / "pw").write_text("pw-secret\n", encoding="utf-8")
    (day / "summarise.toml").write_text('[mail]\npassword_file = "pw"\n', encoding="utf-8")
    fixed = runner.invoke(app, ["schedule", "in", "--to", "reader@example.org"])
    assert fixed.exit_code == 0 and "pw-secret" not in fixed.output


def test_nothing_to_brief_is_no_job(day: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in MAIL.items():
        monkeypatch.setenv(name, value)
    res = runner.invoke(app, ["schedule", "--to", "reader@example.org"])
    assert res.exit_code == 2 and res.stdout == ""
    assert one_error(res.output) == "error: nothing to brief: give article files or folders, or --feeds FILE"


def test_a_good_job_says_where_each_mail_setting_comes_from(day: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARISE_MAIL_FROM", "news@example.org")
    (day / "summarise.toml").write_text('[mail]\nhost = "smtp.example.org"\n', encoding="utf-8")
    res = runner.invoke(app, ["schedule", "in", "--feeds", "feeds.txt", "--to", "reader@example.org",
                              "--at", "06:30"])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 1 and res.stdout.startswith("30 6 * * * ")
    assert ("the digest will mail from news@example.org (SUMMARISE_MAIL_FROM) to reader@example.org (--to) "
            "through smtp.example.org:587 (config file summarise.toml (host in [mail]))") in res.stderr


def test_check_runs_the_digest_once_as_a_dry_run(day: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in MAIL.items():  # port 9: nothing listens; a dry run never connects
        monkeypatch.setenv(name, value)
    res = runner.invoke(app, ["schedule", "in", "--to", "reader@example.org", "--out", "out", "--check", "-q"])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 1 and " digest " in res.stdout  # the line, once the job worked
    eml = next((day / "out").glob("*/briefing.eml"))
    assert f"dry run: 1 new story (1 article) written to {eml.relative_to(day)}" in res.stderr
    assert "Lisbon opens new metro line" in eml.read_text(encoding="utf-8")
    assert not (day / "out" / "outbox").exists() or not any((day / "out" / "outbox").iterdir())  # nothing sent
    (day / "in" / "metro.txt").write_text("", encoding="utf-8")  # now the job has nothing it can brief
    empty = runner.invoke(app, ["schedule", "in", "--to", "reader@example.org", "--out", "out2", "--check", "-q"])
    assert empty.exit_code == 4 and empty.stdout == ""  # the digest's own exit code, and no line


INJECTED = "x\n* * * * * touch PWNED #"


@pytest.mark.parametrize("where", ["input", "--to", "--since", "--out", "--config", "--feeds", "env"])
def test_no_value_can_add_a_crontab_entry(day: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    for name, value in MAIL.items():
        monkeypatch.setenv(name, value)
    hostile = day / INJECTED  # a real folder and file, so that only the line break can be what is refused
    hostile.mkdir()
    (hostile / "a.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    args = {"input": [str(hostile)], "--to": ["in", "--to", f"a@example.org\n{INJECTED}"],
            "--since": ["in", "--feeds", "feeds.txt", "--since", f"24h\n{INJECTED}"],
            "--out": ["in", "--out", INJECTED], "--config": ["in", "--config", str(hostile / "a.txt")],
            "--feeds": ["in", "--feeds", str(hostile / "a.txt")], "env": ["in"]}[where]
    if where == "env":
        monkeypatch.setenv("SUMMARISE_STORE", str(day / INJECTED / "store.sqlite3"))
    before = files(day)
    res = runner.invoke(app, ["schedule", *args, "--to", "reader@example.org", "--at", "07:00"])
    assert res.exit_code == 2 and res.stdout == "", res.output
    assert "holds a control character" in one_error(res.output) and "\\n* * * * *" in one_error(res.output)
    assert files(day) == before and not (day / "PWNED").exists()


def test_to_is_checked_as_the_mail_settings_are(day: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in MAIL.items():
        monkeypatch.setenv(name, value)
    res = runner.invoke(app, ["schedule", "in", "--to", "reader@example.org, not an address"])
    assert res.exit_code == 2 and res.stdout == ""
    assert one_error(res.output) == "error: --to: 'not an address' is not an email address like news@example.org"
    ok = runner.invoke(app, ["schedule", "in", "--to", "Reader <reader@example.org>"])
    assert ok.exit_code == 0 and shlex.split(ok.stdout.split(" digest ")[1])[1:3] == ["--to",
                                                                                      "Reader <reader@example.org>"]
