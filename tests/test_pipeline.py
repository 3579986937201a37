"""End to end: `summarise brief` on the seeds and on bad input, through the CLI and the Python API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarise
from summarise.cli import app
from summarise.config import Settings
from summarise.files import write_atomic
from summarise.text import word_count

from .conftest import SEEDS

runner = CliRunner()

# Page furniture from the seeds that must never reach a briefing.
SEED_BOILERPLATE = [
    "twitter", "instagram", "night_theme", "WHAT ARE YOU LOOKING FOR", "Any use of materials",
    "Views: 163", "Liked the story", "copy link", "Ссылка скопирована", "Follow us on Instagram",
    "The most important world news", "Read next", "Uzbekistan secured a place", "Rachel Reeves",
    "Germany will increase its military", "What is your opinion", "Leave the first comment",
    "Bitcoin", "Dogecoin", "Solana", "Ethereum", "placeholder", "Disclaimer", "Past performance",
    "KEY Difference Wire", "goTop", "By Tamilla Hasanova",
]

GOOD_ARTICLE = (
    "Lisbon opens new metro line\n\n"
    "The city of Lisbon opened a new metro line on Monday, linking the airport with the centre.\n\n"
    "Officials said the line would carry forty thousand passengers a day once fully running.\n\n"
    "The project cost several hundred million euros and took six years to complete, the mayor said.\n"
)


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, str, str]:
    out = tmp_path_factory.mktemp("out")
    res = runner.invoke(app, ["brief", str(SEEDS), "--out", str(out), "--date", "2025-06-20", "-q"])
    folder = out / "2025-06-20"
    data = json.loads((folder / "briefing.json").read_text(encoding="utf-8"))
    return res.exit_code, data, (folder / "briefing.md").read_text(encoding="utf-8"), res.output


def test_seeds_are_briefed(seeds_run: tuple[int, dict, str, str]) -> None:
    code, data, md, _ = seeds_run
    assert code == 0
    assert data["date"] == "2025-06-20"
    assert len(data["articles"]) == 5 and all(a["status"] == "ok" for a in data["articles"])
    assert all(a["language"] == "en" for a in data["articles"])
    clustered = sorted(i for c in data["clusters"] for i in c["articles"])
    assert clustered == sorted(a["id"] for a in data["articles"])  # every article in exactly one story
    sizes = [len(c["articles"]) for c in data["clusters"]]
    assert sizes == sorted(sizes, reverse=True)  # most-covered first
    assert md.startswith("# Briefing for 2025-06-20")


def test_seed_briefings_respect_lengths_and_cite(seeds_run: tuple[int, dict, str, str]) -> None:
    _, data, _, _ = seeds_run
    for c in data["clusters"]:
        assert 1 <= len(re.findall(r"[.!?…][\"”’»)]?\[", c["short"])) <= 2
        assert word_count(re.sub(r"\[\d+\]", "", c["short"])) <= 60
        assert word_count(re.sub(r"\[\d+\]", "", c["long"])) <= 300
        assert 0 < len(c["title"].split()) <= 15
        numbers = {cit["n"] for cit in c["citations"]}
        used = {int(n) for n in re.findall(r"\[(\d+)\]", c["short"] + c["long"])}
        assert used and used <= numbers
        sentences = re.split(r"(?<=\])\s+", c["long"])
        assert all(re.search(r"\[\d+\]$", s) for s in sentences)  # every sentence cited
        assert len(sentences) == len(set(sentences))  # nothing repeated
    multi = [c for c in data["clusters"] if len(c["articles"]) > 1]
    for c in multi:  # a story told by several outlets draws on several
        used = {int(n) for n in re.findall(r"\[(\d+)\]", c["long"])}
        assert len(used) >= 2


def test_no_seed_boilerplate_in_briefing(seeds_run: tuple[int, dict, str, str]) -> None:
    _, data, md, _ = seeds_run
    text = md + json.dumps([[c["short"], c["long"], c["title"]] for c in data["clusters"]],
                           ensure_ascii=False)
    for junk in SEED_BOILERPLATE:
        assert junk.lower() not in text.lower(), junk


def test_briefing_is_deterministic(tmp_path: Path, seeds_run: tuple[int, dict, str, str]) -> None:
    _, first, _, _ = seeds_run
    second = summarise.brief([SEEDS], Settings(out=tmp_path, date="2025-06-20"))
    again = json.loads(Path(second.outputs[1]).read_text(encoding="utf-8"))
    assert again == first


def test_api_returns_result(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "metro.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    result = summarise.brief([tmp_path / "in"], Settings(out=tmp_path / "out", date="2025-01-01"))
    assert result.exit_code == 0 and len(result.briefings) == 1
    b = result.briefings[0]
    assert b.title == "Lisbon opens new metro line"
    assert "[1]" in b.short and b.citations[0].article_id == result.documents[0].article.id
    assert [Path(p).name for p in result.outputs] == ["briefing.md", "briefing.json"]


def _bad_inputs(folder: Path) -> dict[str, str]:
    """One file per kind of bad input, and what its reason should mention."""
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "undecodable.txt").write_bytes(b"\xff\xfe\x00\xd8" * 5 + b"\x00\x81\x8d\x8f\x90" * 200)
    with open(folder / "huge.txt", "wb") as fh:  # 20 MB, sparse: cheap to make
        fh.truncate(20_000_000)
    (folder / "boilerplate.txt").write_text(
        "twitter\nfacebook\ninstagram\nshare\ncopy link\nPrivacy Policy\n© 2025 News Corp. All rights reserved.\n",
        encoding="utf-8")
    os.symlink(folder / "missing-target.txt", folder / "unreadable.txt")  # exists in the listing, cannot be read
    return {"empty.txt": "empty", "binary.txt": "binary", "undecodable.txt": "",
            "huge.txt": "MB", "boilerplate.txt": "boilerplate", "unreadable.txt": ""}


def test_bad_inputs_are_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    expected = _bad_inputs(tmp_path / "in")
    res = runner.invoke(app, ["brief", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                              "--date", "2025-01-01", "-q"])
    assert res.exit_code == 3, res.output
    data = json.loads((tmp_path / "out" / "2025-01-01" / "briefing.json").read_text(encoding="utf-8"))
    by_path = {a["path"]: a for a in data["articles"]}
    assert set(by_path) == set(expected) | {"good.txt"}  # nothing dropped silently
    assert by_path["good.txt"]["status"] == "ok"
    warnings = [line for line in res.output.splitlines() if line.startswith("warning:")]
    for name, hint in expected.items():
        entry = by_path[name]
        assert entry["status"] in ("skipped", "failed") and entry["reason"], name
        assert hint.lower() in entry["reason"].lower(), (name, entry["reason"])
        assert sum(name in w for w in warnings) == 1, (name, warnings)  # one line, naming the file
    assert len(data["clusters"]) == 1


def test_folder_with_no_articles_exits_4(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    res = runner.invoke(app, ["brief", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q"])
    assert res.exit_code == 4
    assert "no articles" in res.output


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["brief", str(tmp_path / "nope"), "--out", str(tmp_path / "out"), "-q"])
    assert res.exit_code in (2, 4)
    assert "nope" in res.output


def test_untranslatable_sources_are_kept_named_and_warned_once(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    pt = ("O governo de Portugal aprovou nesta segunda-feira um novo orçamento para a saúde pública. "
          "O ministro disse que os hospitais vão receber mais médicos e enfermeiros no próximo ano. "
          "A oposição criticou a proposta e pediu mais investimento nas escolas do interior do país.")
    (tmp_path / "in" / "a.txt").write_text("Governo aprova orçamento da saúde\n\n" + pt, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text(
        "Orçamento da saúde aprovado pelo governo\n\n"
        "O Conselho de Ministros aprovou ontem o orçamento da saúde pública para o próximo ano. "
        "Segundo o ministro, o dinheiro servirá para contratar médicos e enfermeiros para os hospitais. "
        "Os partidos da oposição disseram que o orçamento não chega para as necessidades do país.",
        encoding="utf-8")
    # Portuguese translates out of the box (bergamot:pt-en); a user who picks opus-mt for it meets a missing model.
    res = runner.invoke(app, ["brief", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                              "--date", "2025-01-01", "-q"],
                        env={"SUMMARISE_MODELS": "pt=Helsinki-NLP/opus-mt-ROMANCE-en"})
    assert res.exit_code == 3, res.output  # not everything was processed: a cron user must notice
    warnings = [line for line in res.output.splitlines() if "opus-mt" in line]
    assert len(warnings) == 1, res.output  # one warning per missing model, not one per article
    data = json.loads((tmp_path / "out" / "2025-01-01" / "briefing.json").read_text(encoding="utf-8"))
    assert all(a["language"] == "pt" and not a["translated"] and "opus-mt" in a["reason"]
               for a in data["articles"])
    assert len(data["clusters"]) == 1 and len(data["clusters"][0]["untranslated"]) == 2
    md = (tmp_path / "out" / "2025-01-01" / "briefing.md").read_text(encoding="utf-8")
    assert md.count("> **Note:**") == 1  # the missing model is told once at the top, not once per article
    assert "> **Note:** 2 articles not translated: model 'Helsinki-NLP/opus-mt-ROMANCE-en'" in md
    assert ("> **Not in English.** Portuguese original, not translated: "
            "`hf download Helsinki-NLP/opus-mt-ROMANCE-en`") in md


def test_write_atomic_keeps_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write_atomic(tmp_path / "briefing.md", "old")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["briefing.md"]  # no temp file left behind


def test_detect_command_reads_stdin_lines() -> None:
    res = runner.invoke(app, ["detect"], input="The government approved the budget on Monday.\n"
                                               "O governo aprovou o orçamento na segunda-feira.\n"
                                               "Правительство утвердило бюджет в понедельник.\n\n")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["en", "pt", "ru", "und"]
    assert all(0.0 <= float(line.split("\t")[1]) <= 1.0 for line in lines)


def test_detect_command_files_and_json(tmp_path: Path) -> None:
    res = runner.invoke(app, ["detect", "--json", *map(str, sorted(SEEDS.iterdir()))])
    assert res.exit_code == 0
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["language"] for r in rows] == ["en"] * 5  # seed 000 carries Russian UI strings


def test_help_does_not_import_torch() -> None:
    code = ("import sys; from summarise.cli import main; sys.argv=['summarise','--help']\n"
            "try: main()\nexcept SystemExit: pass\n"
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'heavy import'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "brief" in proc.stdout
