"""Choosing the engine: the local one by default, importing no Ray; an unknown one is a usage error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from summarise.cli import app

from .conftest import ROOT
from .test_pipeline import GOOD_ARTICLE


def test_unknown_engine_is_a_usage_error_that_lists_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["brief", str(tmp_path), "--out", str(tmp_path), "--engine", "spark"])
    assert result.exit_code == 2
    assert "setting 'engine': 'spark' is not allowed, choose one of: local, ray" in result.output


def test_local_engine_imports_no_ray(tmp_path: Path) -> None:
    (tmp_path / "day").mkdir()
    (tmp_path / "day" / "a.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    code = ("import sys, summarise; from summarise.config import Settings; "
            f"r = summarise.brief([{str(tmp_path / 'day')!r}], Settings(out={str(tmp_path / 'out')!r})); "
            "assert r.exit_code == 0, r; assert 'ray' not in sys.modules, 'ray was imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
