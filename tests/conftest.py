"""Shared fixtures. Tests never reach the network: the hub is forced offline for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEVDATA = ROOT.parent / "shared" / "devdata"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))  # an empty cache: nothing leaks in
    monkeypatch.delenv("SUMMARISE_CONFIG", raising=False)
    monkeypatch.delenv("SUMMARISE_STORE", raising=False)
    monkeypatch.setenv("SUMMARISE_CACHE_DIR", str(tmp_path / "summarise-cache"))  # model conversions stay in tmp
