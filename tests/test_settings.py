"""Every setting is checked before any work starts (issue 10, part 6), through the CLI."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarise.cli import app
from summarise.config import Settings, load_settings

from .conftest import SEEDS

runner = CliRunner()
DATE = "2025-06-20"


def one_error(output: str) -> str:
    """The single `error:` line of a run's output."""
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert "Traceback" not in output
    return errors[0]


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no stray user config
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text((SEEDS / next(p.name for p in sorted(SEEDS.iterdir())
                                                          if p.suffix == ".txt")).read_text(encoding="utf-8"),
                                           encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("config,words", [
    ("cluster_treshold = 0.5\n", "'cluster_treshold' (did you mean 'cluster_threshold'?)"),
    ("batchsize = 8\n", "'batchsize' (did you mean 'batch_size'?)"),
    ('[modles]\nru = "x"\n', "'modles' (did you mean 'models'?)"),
])
def test_unknown_keys_are_refused_with_a_suggestion(workdir: Path, config: str, words: str) -> None:
    (workdir / "summarise.toml").write_text(config, encoding="utf-8")
    res = runner.invoke(app, ["brief", "in", "--out", "out", "--date", DATE, "-q"])
    assert res.exit_code == 2
    line = one_error(res.output)
    assert words in line and "summarise.toml" in line
    assert not (workdir / "out").exists()  # nothing was done


def test_unknown_mail_key_has_a_suggestion_too(workdir: Path) -> None:
    (workdir / "summarise.toml").write_text('[mail]\nhots = "smtp.example.org"\n', encoding="utf-8")
    res = runner.invoke(app, ["digest", "in", "--out", "out", "--date", DATE, "-q", "--dry-run"])
    assert res.exit_code == 2 and "'hots' (did you mean 'host'?)" in one_error(res.output)
    assert not (workdir / "out").exists()


def test_the_names_a_setting_takes_are_the_registries_keys() -> None:
    """config states them itself, so that it imports no stage (issue 18); they must stay the same."""
    from summarise.config import BACKEND_NAMES, ENGINE_NAMES
    from summarise.engines import ENGINES
    from summarise.translation import BACKENDS

    assert tuple(ENGINES) == ENGINE_NAMES and sorted(BACKEND_NAMES) == sorted(BACKENDS)


def test_an_error_about_a_flag_names_the_flag_typed(workdir: Path) -> None:
    for args, line in [(["--threshold", "-1"], "--threshold: -1.0 is not allowed, use a number from 0 to 1"),
                       (["--engine", "spark"], "--engine: 'spark' is not allowed, choose one of: local, ray"),
                       (["--summariser", "x"], "--summariser: 'x' is not allowed, choose one of: extractive, "
                                               "abstractive")]:
        res = runner.invoke(app, ["brief", "in", "--out", "out", "-q", *args])
        assert res.exit_code == 2 and one_error(res.output) == f"error: {line}", res.output
    res = runner.invoke(app, ["digest", "in", "--to", "not an address", "--dry-run"])
    assert res.exit_code == 2 and one_error(res.output).startswith("error: --to: 'not an address' is not an email")
    assert not (workdir / "out").exists() and not (workdir / "outputs").exists()


def test_keys_come_from_the_settings_fields() -> None:
    """A setting another feature adds to Settings is accepted in the file without a second list."""
    import dataclasses

    from summarise.config import known_keys

    assert set(known_keys()) == {f.name for f in dataclasses.fields(Settings)}
    assert {"mail", "feeds", "models"} <= set(known_keys())


@pytest.mark.parametrize("config,env,words", [
    ("max_file_mb = -5\n", {}, "'max_file_mb': -5.0 is not allowed"),
    ("", {"SUMMARISE_MAX_FILE_MB": "inf"}, "'max_file_mb': inf is not allowed"),
    ("", {"SUMMARISE_MAX_FILE_MB": "nan"}, "'max_file_mb': nan is not allowed"),
    ("long_max_words = -1\n", {}, "'long_max_words': -1 is not allowed"),
    ("long_min_words = 200\nlong_max_words = 100\n", {}, "at least long_min_words (200)"),
    ("cluster_threshold = 1.5\n", {}, "'cluster_threshold': 1.5 is not allowed, use a number from 0 to 1"),
    ("batch_size = 0\n", {}, "'batch_size': 0 is not allowed"),
    ("beam_size = 2.5\n", {}, "'beam_size': cannot use 2.5"),
    ("", {"SUMMARISE_MAX_FEED_ENTRIES": "0"}, "'feeds.max_entries': 0 is not allowed"),
    ("threads = -2\n", {}, "'threads': -2 is not allowed"),
    ('translate_backend = "marian-cpp"\n', {}, "choose one of: auto, bergamot, ctranslate2, transformers"),
    ('device = "quantum"\n', {}, "'device': 'quantum' is not allowed"),
    ('summariser = "foo"\n', {}, "'summariser': 'foo' is not allowed, choose one of: extractive, abstractive"),
])
def test_values_out_of_range_or_choice_are_refused(workdir: Path, monkeypatch: pytest.MonkeyPatch,
                                                   config: str, env: dict[str, str], words: str) -> None:
    (workdir / "summarise.toml").write_text(config, encoding="utf-8")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    res = runner.invoke(app, ["brief", "in", "--out", "out", "--date", DATE, "-q"])
    assert res.exit_code == 2, res.output
    assert words in one_error(res.output)
    assert not (workdir / "out").exists()


def test_a_bad_summariser_flag_fails_before_any_work(workdir: Path) -> None:
    start = time.monotonic()
    res = runner.invoke(app, ["brief", "in", "--out", "out", "--date", DATE, "-q", "--summariser", "foo"])
    assert res.exit_code == 2 and "--summariser: 'foo' is not allowed" in one_error(res.output)
    assert not (workdir / "out").exists()  # no ingest, detect, translate or cluster ran
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("date", ["notadate", "2025-13-01", "2025-02-30", "../../escaped", "ABSOLUTE", "20250101",
                                  "2025-1-1", "2025-01-01/x"])
def test_date_must_be_a_real_iso_date(workdir: Path, date: str) -> None:
    elsewhere = workdir.parent / f"{workdir.name}-elsewhere"  # an absolute path outside --out
    date = str(elsewhere) if date == "ABSOLUTE" else date
    res = runner.invoke(app, ["brief", "in", "--out", "out", "--date", date, "-q"])
    assert res.exit_code == 2
    assert f"--date {date!r} is not a date; write it as YYYY-MM-DD" in one_error(res.output)
    assert files_under(workdir) == ["in/a.txt"]  # nothing written, inside --out or outside it
    assert not elsewhere.exists() and not (workdir.parent / "escaped").exists()


def test_date_in_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARISE_DATE", "../x")
    with pytest.raises(Exception, match="is not a date"):
        load_settings(None)


def test_xdg_config_home_is_honoured(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = workdir / "xdg" / "summarise" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'out = "{(workdir / "from-xdg").as_posix()}"\ncluster_threshold = 0.7\n', encoding="utf-8")
    assert load_settings(None).cluster_threshold == 0.7
    res = runner.invoke(app, ["brief", "in", "--date", DATE, "-q", "--no-translate"])
    assert res.exit_code == 0, res.output
    assert (workdir / "from-xdg" / DATE / "briefing.md").is_file()
    config.write_text("cluster_treshold = 0.7\n", encoding="utf-8")  # its keys are checked like any other's
    res = runner.invoke(app, ["brief", "in", "--date", DATE, "-q"])
    assert res.exit_code == 2 and str(config) in one_error(res.output)


def test_tables_are_part_of_the_one_settings_object(workdir: Path) -> None:
    (workdir / "pw").write_text("secret\n", encoding="utf-8")
    (workdir / "summarise.toml").write_text(
        '[feeds]\nmax_entries = 7\n[mail]\nport = 2525\npassword_file = "pw"\n[models]\nru = "my/ru-en"\n',
        encoding="utf-8")
    settings = load_settings(None, {"SUMMARISE_ALLOW_PRIVATE_HOSTS": "1", "SUMMARISE_SMTP_HOST": "h"})
    assert (settings.feeds.max_entries, settings.feeds.allow_private_hosts) == (7, True)
    assert (settings.mail.port, settings.mail.host, settings.mail.password) == (2525, "h", "secret")
    assert settings.model_for("ru") == "my/ru-en" and settings.model_for("pt") == Settings().model_for("pt")
    # the password in the environment is the password itself, never a file name to read
    env = {"SUMMARISE_SMTP_PASSWORD": "pw"}
    assert load_settings(None, env).mail.password == "pw"


def test_a_moved_key_says_where_it_lives_now(workdir: Path) -> None:
    (workdir / "summarise.toml").write_text("max_feed_entries = 5\n", encoding="utf-8")
    res = runner.invoke(app, ["brief", "in", "--out", "out", "--date", DATE, "-q"])
    assert res.exit_code == 2
    assert "'max_feed_entries' (did you mean 'max_entries in [feeds]'?)" in one_error(res.output)


@pytest.mark.parametrize("config,env,where", [
    ("beam_size = 0\n", {}, "config file summarise.toml (beam_size)"),
    ("", {"SUMMARISE_BEAM_SIZE": "0"}, "SUMMARISE_BEAM_SIZE"),
    ("[mail]\ntimeout = -1\n", {}, "config file summarise.toml (timeout in [mail])"),
    ("", {"SUMMARISE_SMTP_PORT": "0"}, "SUMMARISE_SMTP_PORT"),
])
def test_a_bad_value_names_where_it_came_from(workdir: Path, monkeypatch: pytest.MonkeyPatch, config: str,
                                             env: dict[str, str], where: str) -> None:
    (workdir / "summarise.toml").write_text(config, encoding="utf-8")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    res = runner.invoke(app, ["digest", "in", "--out", "out", "--date", DATE, "-q", "--dry-run"])
    assert res.exit_code == 2 and f"fix it in {where}" in one_error(res.output)
    (workdir / "summarise.toml").unlink()
    for name in env:
        monkeypatch.delenv(name)
    res = runner.invoke(app, ["brief", "in", "--out", "out", "--date", DATE, "-q", "--threshold", "2"])
    assert res.exit_code == 2 and one_error(res.output) == "error: --threshold: 2.0 is not allowed, use a number " \
        "from 0 to 1"  # the flag as typed, not the setting's name (cluster_threshold)
