"""Nothing lost, nothing half-written (issue 10, parts 3, 4, 5, 7 and 9), through the CLI.

Each test asserts the exit code, the one line a user reads, and what is on disk afterwards.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarise.cli import app

from .conftest import ROOT

runner = CliRunner()
DATE = "2025-06-20"

LISBON = ("Lisbon opens new metro line\n\n"
          "The city of Lisbon opened a new metro line on Monday, linking the airport with the centre.\n\n"
          "Officials said the line would carry forty thousand passengers a day once fully running.\n\n"
          "The project cost several hundred million euros and took six years to complete, the mayor said.\n")
HARVEST = ("Farmers report record wheat harvest\n\n"
           "Farmers in the northern plains reported a record wheat harvest this summer after steady rain in spring.\n\n"
           "Grain prices fell by a tenth on the regional market as silos filled up faster than expected.\n\n"
           "The farmers' union said storage and transport would be the main worry for the coming months.\n")


def record(title: str, text: str) -> dict[str, str]:
    body = text.split("\n\n", 1)[1]
    return {"title": title, "text": body}


def one_error(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in output, output
    return errors[0]


def day(out: Path) -> dict[str, bytes]:
    """Every file of the day's folder (temp files and all), by name."""
    folder = out / DATE
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != ".briefing.lock"}


def brief(*args: str) -> object:
    return runner.invoke(app, ["brief", *args, "--date", DATE, "-q", "--no-translate"])


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "lisbon.txt").write_text(LISBON, encoding="utf-8")
    return folder


@pytest.fixture
def earlier(tmp_path: Path, inputs: Path) -> tuple[Path, dict[str, bytes]]:
    """A good briefing of the day already on disk, and its bytes."""
    out = tmp_path / "out"
    res = brief(str(inputs), "--out", str(out))
    assert res.exit_code == 0, res.output
    return out, day(out)


# --- part 3: no single input aborts the run ------------------------------------------------------

def test_deeply_nested_json_fails_alone(tmp_path: Path, inputs: Path) -> None:
    (inputs / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (inputs / "deep.jsonl").write_text(json.dumps(record("Harvest", HARVEST)) + "\n" + "[" * 100_000 + "\n",
                                       encoding="utf-8")
    res = brief(str(inputs), "--out", str(tmp_path / "out"))
    assert res.exit_code == 3, res.output
    warned = [line for line in res.output.splitlines() if "nested too deeply" in line]
    assert warned == ["warning: deep.json: JSON nested too deeply to read (an article is a flat object) (failed)",
                      "warning: deep.jsonl#2: line 2: JSON nested too deeply to read (an article is a flat object) "
                      "(failed)"]
    data = json.loads((tmp_path / "out" / DATE / "briefing.json").read_text(encoding="utf-8"))
    status = {a["path"]: a["status"] for a in data["articles"]}
    assert status == {"lisbon.txt": "ok", "deep.jsonl#1": "ok", "deep.json": "failed", "deep.jsonl#2": "failed"}
    assert len(data["clusters"]) == 2


def test_a_bad_jsonl_line_loses_only_itself(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "day.jsonl").write_text("\n".join([json.dumps(record("Metro", LISBON)), '{"title": "Broken", "text": ',
                                                 json.dumps(record("Harvest", HARVEST))]) + "\n", encoding="utf-8")
    res = brief(str(folder), "--out", str(tmp_path / "out"))
    assert res.exit_code == 3, res.output
    assert "warning: day.jsonl#2: invalid JSON on line 2, column 29: Expecting value (failed)" in res.output
    data = json.loads((tmp_path / "out" / DATE / "briefing.json").read_text(encoding="utf-8"))
    assert {a["path"]: a["status"] for a in data["articles"]} == {
        "day.jsonl#1": "ok", "day.jsonl#3": "ok", "day.jsonl#2": "failed"}
    assert len(data["clusters"]) == 2


def test_text_without_sentence_marks_is_never_an_empty_ok(tmp_path: Path, inputs: Path) -> None:
    words = [
        "council", "budget", "river", "bridge", "school", "harvest", "station", "market", "museum", "harbour",
        "tram", "library", "hospital", "park", "festival", "theatre", "stadium", "airport"
    ]
    run_on = " ".join(words[(i * 7) % len(words)] + str(i % 97) for i in range(200_000 // 10))[:200_000]
    (inputs / "runon.txt").write_text(run_on, encoding="utf-8")
    res = brief(str(inputs), "--out", str(tmp_path / "out"))
    assert res.exit_code == 3, res.output
    assert sum("runon.txt" in line for line in res.output.splitlines()) == 1
    data = json.loads((tmp_path / "out" / DATE / "briefing.json").read_text(encoding="utf-8"))
    entry = next(a for a in data["articles"] if a["path"] == "runon.txt")
    assert entry["status"] == "failed" and "sentence marks" in entry["reason"]
    assert all(c["short"].strip() and c["long"].strip() for c in data["clusters"])
    assert all(entry["id"] not in c["articles"] for c in data["clusters"])

    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "runon.txt").write_text(run_on, encoding="utf-8")
    res = brief(str(alone), "--out", str(tmp_path / "out2"))
    assert res.exit_code == 4, res.output  # nothing could be briefed, and it says why
    data = json.loads((tmp_path / "out2" / DATE / "briefing.json").read_text(encoding="utf-8"))
    assert data["clusters"] == [] and [a["status"] for a in data["articles"]] == ["failed"]


# --- part 4: a full disk or a write error is one line, and the outputs stay consistent -------------

def fail_fsync_of(name: str, error: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make flushing any file whose name contains `name` fail with `error`, as a full disk does."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name the file being flushed")
    real = os.fsync

    def fsync(fd: int) -> None:
        if name in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(error, os.strerror(error))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_disk_full_while_writing_leaves_the_old_briefing_whole(tmp_path: Path, earlier: tuple[Path, dict],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = earlier
    (tmp_path / "in" / "harvest.txt").write_text(HARVEST, encoding="utf-8")
    fail_fsync_of("briefing.json", errno.ENOSPC, monkeypatch)
    res = brief(str(tmp_path / "in"), "--out", str(out))
    assert res.exit_code == 7
    line = one_error(res.output)
    assert "the disk is full" in line and "free some space" in line and "previous briefing is unchanged" in line
    assert day(out) == before  # both files as they were, and no temp file left behind


def test_permission_denied_is_one_line(tmp_path: Path, earlier: tuple[Path, dict],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = earlier
    fail_fsync_of("briefing.md", errno.EACCES, monkeypatch)
    res = brief(str(tmp_path / "in"), "--out", str(out))
    assert res.exit_code == 7 and "permission denied" in one_error(res.output)
    assert day(out) == before


class FullConnection(sqlite3.Connection):
    """A store on a full disk: reading works, every write fails as SQLite reports it."""

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "REPLACE")):
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)

    def executemany(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        return self.execute(sql)


def test_store_on_a_full_disk_is_one_line(tmp_path: Path, earlier: tuple[Path, dict],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = earlier
    (tmp_path / "in" / "harvest.txt").write_text(HARVEST, encoding="utf-8")
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real(*a, **{**k, "factory": FullConnection}))
    res = brief(str(tmp_path / "in"), "--out", str(out))
    assert res.exit_code == 7
    assert "the disk is full (database or disk is full)" in one_error(res.output)
    assert day(out) == before


def test_a_crash_mid_commit_is_finished_by_the_next_writer(tmp_path: Path) -> None:
    """The manifest is the commit point: staged files it names are put in place by the next run."""
    from summarise.files import MANIFEST, recover

    folder = tmp_path / "day"
    folder.mkdir()
    for name in ("briefing.md", "briefing.json"):
        (folder / name).write_text("old", encoding="utf-8")
        (folder / f".{name}.x.tmp").write_text("new", encoding="utf-8")
    (folder / ".briefing.md.y.tmp").write_text("never committed", encoding="utf-8")
    (folder / MANIFEST).write_text(json.dumps({".briefing.md.x.tmp": "briefing.md",
                                               ".briefing.json.x.tmp": "briefing.json"}), encoding="utf-8")
    (folder / "briefing.md").unlink()  # the crash came after the first rename
    os.replace(folder / ".briefing.md.x.tmp", folder / "briefing.md")
    recover(folder, ["briefing.md", "briefing.json"])
    assert {p.name: p.read_text() for p in folder.iterdir()} == {"briefing.md": "new", "briefing.json": "new"}


# --- part 5: a typo never costs a briefing ----------------------------------------------------------

def test_a_mistyped_input_says_so_and_keeps_the_briefing(tmp_path: Path, earlier: tuple[Path, dict],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = earlier
    monkeypatch.chdir(tmp_path)
    res = brief("seedz", "--out", str(out))
    assert res.exit_code == 2
    assert one_error(res.output) == "error: no such file or folder: seedz"
    assert day(out) == before


def test_nothing_briefed_keeps_the_earlier_briefing(tmp_path: Path, earlier: tuple[Path, dict]) -> None:
    out, before = earlier
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    res = brief(str(empty), "--out", str(out))
    assert res.exit_code == 4
    assert f"warning: nothing could be briefed; kept the earlier briefing in {out / DATE}" in res.output
    assert "nothing written, the earlier briefing was kept" in res.output
    assert day(out) == before


# --- part 7: the store and concurrent runs -----------------------------------------------------------

def test_many_threads_open_a_fresh_store_at_once(tmp_path: Path) -> None:
    from summarise import cache, fetch, store

    errors: list[str] = []
    for trial in range(12):
        path = tmp_path / f"store{trial}.sqlite3"
        barrier = threading.Barrier(24)

        def open_it(i: int, barrier: threading.Barrier = barrier, path: Path = path) -> None:
            barrier.wait()
            try:
                conn = store.connect(path, fetch.SCHEMA if i % 2 else cache.SCHEMA)
                conn.execute("BEGIN")
                conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
                conn.execute("COMMIT")
                conn.close()
            except sqlite3.Error as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=open_it, args=(i,)) for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    conn = sqlite3.connect(tmp_path / "store0.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_concurrent_runs_wait_for_each_other(tmp_path: Path, inputs: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "harvest.txt").write_text(HARVEST, encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "summarise.cli", "brief", "--out", str(out), "--date", DATE, "-q",
               "--no-translate"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([*command, str(folder)], stderr=subprocess.PIPE, text=True, env=env)
            for folder in (inputs, other)]
    results = [(run.wait(timeout=300), run.stderr.read()) for run in runs]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0, 0], results
    waited = [err for _, err in results if "waiting for it to finish" in err]
    assert len(waited) == 1 and "waited " in waited[0]
    md = (out / DATE / "briefing.md").read_text(encoding="utf-8")
    data = json.loads((out / DATE / "briefing.json").read_text(encoding="utf-8"))
    assert len(data["clusters"]) == 1 and f"## 1. {data['clusters'][0]['title']}" in md  # one run's pair
    assert sorted(p.name for p in (out / DATE).iterdir()) == [".briefing.lock", "briefing.json", "briefing.md"]


# --- part 9: modes -------------------------------------------------------------------------------

@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_outputs_get_the_umask_mode(tmp_path: Path, inputs: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        res = brief(str(inputs), "--out", str(tmp_path / "out"))
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    for name in ("briefing.md", "briefing.json"):
        assert stat.S_IMODE((tmp_path / "out" / DATE / name).stat().st_mode) == mode, name
