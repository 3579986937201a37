"""Fast paths: `summarise --help` and `summarise detect` import no ML library; the output bound."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from summarise import translation

from .conftest import ROOT

HEAVY = ("torch", "transformers", "ctranslate2", "sentencepiece")


def _imported_after(args: list[str], stdin: str = "") -> tuple[str, list[str]]:
    """Run the CLI with `args` in a fresh interpreter; its output, and which heavy modules it imported."""
    code = ("import json, sys; from typer.testing import CliRunner; from summarise.cli import app; "
            f"r = CliRunner().invoke(app, {args!r}, input=sys.stdin.read()); print(r.output, end=''); "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    run = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, text=True, check=True,
                         cwd=ROOT)
    *output, heavy = run.stdout.rstrip("\n").split("\n")
    return "\n".join(output), json.loads(heavy)


def test_help_imports_no_ml_library() -> None:
    output, heavy = _imported_after(["--help"])
    assert "brief" in output and "cache" in output and heavy == []


def test_detect_imports_no_ml_library() -> None:
    output, heavy = _imported_after(["detect"], "O governo aprovou o novo orçamento para o próximo ano.\n")
    assert output.startswith("pt\t") and heavy == []


@pytest.mark.parametrize(("tokens", "ratio", "limit", "bound"), [
    (10, 2.0, 512, 20), (30, 1.0, 512, 30), (30, 2.0, 512, 60), (7, 0.5, 512, 16), (400, 2.0, 512, 512),
    (40, 2.0, 16, 16)])
def test_the_output_bound_grows_with_the_input_and_stops_at_the_model_limit(tokens: int, ratio: float, limit: int,
                                                                           bound: int) -> None:
    assert translation.output_limit(tokens, ratio, limit) == bound


@pytest.mark.parametrize(("sentence", "content"), [
    ("Суд открыт.", True), ("É.", True), ("12:30 — 14:45.", False), ("***", False), ("", False),
    ("https://example.com/a-long-path?q=1", False), ("Fonte: https://example.com", True), ("(1/3)", False)])
def test_only_sentences_with_words_are_content(sentence: str, content: bool) -> None:
    assert translation.is_content(sentence) is content
