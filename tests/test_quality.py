"""The quality gate's own logic: baselines cut to our length, offline sumy, floors that only drop on purpose."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT
from .test_briefing import BUS_A, BUS_B, WEATHER, doc

spec = importlib.util.spec_from_file_location("quality", ROOT / "bench" / "quality.py")
assert spec and spec.loader
quality = importlib.util.module_from_spec(spec)
sys.modules["quality"] = quality
spec.loader.exec_module(quality)

DOCS = [doc(BUS_A, "", "a"), doc(BUS_B, "", "b"), doc(WEATHER, "", "c")]


def test_lead_takes_first_sentences_round_robin_cut_to_length() -> None:
    text = quality.lead(DOCS, 30)
    assert len(text.split()) == 30
    assert text.startswith("The city council of Porto approved") and "Porto will buy 40" in text


@pytest.mark.parametrize("method", ["lexrank", "textrank"])
def test_sumy_baselines_run_offline_and_are_cut_to_our_length(method: str) -> None:
    text = quality.sumy_summary(method, DOCS, 45)
    assert len(text.split()) == 45
    assert all(word in BUS_A + BUS_B + WEATHER for word in text.split())


def test_a_figure_below_its_floor_or_missing_fails_the_check() -> None:
    floors = {"rouge2_ours": 14.0, "cluster_bcubed_f1": 0.8}
    assert quality.check({"rouge2_ours": 14.2, "cluster_bcubed_f1": 0.85}, floors) == []
    failures = quality.check({"rouge2_ours": 13.9}, floors)
    assert len(failures) == 2 and failures[0].startswith("rouge2_ours") and "cluster_bcubed_f1" in failures[1]


def test_floors_only_go_down_with_allow_lower() -> None:
    floors = {"rouge2_ours": 14.5, "cluster_bcubed_f1": 0.8}
    raised = quality.update({"rouge2_ours": 14.75, "cluster_bcubed_f1": 0.85}, floors, False)
    assert raised == {"rouge2_ours": 14.7, "cluster_bcubed_f1": 0.848}  # less the noise allowance
    with pytest.raises(SystemExit, match="--allow-lower"):
        quality.update({"rouge2_ours": 14.2, "cluster_bcubed_f1": 0.85}, floors, False)
    assert quality.update({"rouge2_ours": 14.2}, floors, True)["rouge2_ours"] == 14.15


def test_committed_floors_hold_the_promised_margin() -> None:
    import json

    floors = json.loads((ROOT / "bench" / "floors.json").read_text(encoding="utf-8"))
    assert floors["rouge2_margin"] >= 1.0  # extractive beats LexRank, TextRank and lead by 1 ROUGE-2 point
    assert floors["short_rouge2_margin"] >= 1.0  # the short (the lede) beats them too, cut to its length
    assert floors["standalone_share"] >= 0.98  # under 2% of long-briefing sentences miss their antecedent


def test_reference_lede_and_briefing_sentences() -> None:
    summary = "– Skal, Sweden! Raise a glass to the Scandinavian nation, which won. The list is long."
    assert quality.reference_lede(summary) == "Skal, Sweden! Raise a glass to the Scandinavian nation, which won."
    long = "7 Jan 2025: He left.[1] She stayed.[1][2]\n\nUndated: Rain fell.[3]"
    assert quality.briefing_sentences(long) == ["He left.", "She stayed.", "Rain fell."]


def test_a_sentence_dangles_only_without_its_antecedent_right_before_it() -> None:
    docs = [doc("Ishiba flew to Washington on Monday for talks. His visit lasts four days. Rain fell.", "", "a")]
    assert quality.dangling_count(docs, "Ishiba flew to Washington on Monday for talks.[1] His visit lasts four "
                                        "days.[1]") == (0, 2)
    assert quality.dangling_count(docs, "His visit lasts four days.[1] Rain fell.[1]") == (1, 2)
