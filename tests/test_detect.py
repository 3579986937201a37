"""Language identification: fixture strings, look-alike languages, `und`, determinism and accuracy floors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from summarise.detect import _langdetect_probs, detect_language, detect_many, format_detection
from summarise.types import Language

from .conftest import DEVDATA, ROOT, SEEDS

HEADLINES = {
    "en": ["Markets rally as central bank cuts interest rates", "Storm leaves thousands without power",
           "Prime minister resigns after losing confidence vote"],
    "pt": ["Governo anuncia novas medidas contra a inflação", "Incêndio destrói armazém em Lisboa",
           "Seleção brasileira vence e avança na Copa"],
    "ru": ["Центробанк снизил ключевую ставку", "В Москве прошёл сильный снегопад",
           "Правительство утвердило новый бюджет"],
}
SENTENCES = {
    "en": "The government said on Tuesday that it would raise the minimum wage next year, after months of "
          "pressure from unions.",
    "pt": "O governo anunciou nesta terça-feira que vai aumentar o salário mínimo no próximo ano, depois de "
          "meses de pressão dos sindicatos.",
    "ru": "Правительство объявило во вторник, что в следующем году повысит минимальную зарплату после "
          "нескольких месяцев давления профсоюзов.",
}
# The same three sentences in each language of a look-alike group.
ROMANCE = {
    "pt": ["O presidente visitou a cidade na semana passada.",
           "Os deputados aprovaram o orçamento para o próximo ano.",
           "A polícia prendeu dois suspeitos depois do assalto."],
    "es": ["El presidente visitó la ciudad la semana pasada.",
           "Los diputados aprobaron el presupuesto para el próximo año.",
           "La policía detuvo a dos sospechosos después del asalto."],
    "it": ["Il presidente ha visitato la città la settimana scorsa.",
           "I deputati hanno approvato il bilancio per il prossimo anno.",
           "La polizia ha arrestato due sospettati dopo la rapina."],
}
CYRILLIC = {
    "ru": ["Президент встретился с министрами в понедельник.",
           "Цены на электроэнергию выросли на десять процентов.",
           "Полиция задержала двух подозреваемых после ограбления."],
    "bg": ["Президентът се срещна с министрите в понеделник.",
           "Цените на електроенергията се повишиха с десет процента.",
           "Полицията задържа двама заподозрени след обира."],
    "uk": ["Президент зустрівся з міністрами в понеділок.",
           "Ціни на електроенергію зросли на десять відсотків.",
           "Поліція затримала двох підозрюваних після пограбування."],
}
OTHERS = {
    "pl": "Rząd ogłosił dziś nowe środki mające na celu walkę z rosnącymi cenami energii.",
    "nl": "Het kabinet heeft vandaag nieuwe maatregelen aangekondigd om de stijgende energieprijzen te "
          "bestrijden. De minister zei dat huishoudens volgend jaar een tegemoetkoming krijgen voor hun "
          "energierekening.",
    "el": "Η κυβέρνηση ανακοίνωσε σήμερα νέα μέτρα για την αντιμετώπιση της αύξησης των τιμών της ενέργειας.",
    "zh": "政府今天宣布了应对能源价格上涨的新措施。",
    "ja": "東京で新しい政策が発表されました。",
    "ko": "정부는 오늘 새로운 조치를 발표했다.",
}


def _cases(groups: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(lang, text) for lang, texts in groups.items() for text in texts]


@pytest.mark.parametrize(("lang", "text"), _cases(HEADLINES) + list(SENTENCES.items()))
def test_en_pt_ru_headlines_and_sentences(lang: str, text: str) -> None:
    found = detect_language(text)
    assert found.code == lang
    assert 0.5 < found.confidence <= 1.0


@pytest.mark.parametrize(("lang", "text"), _cases(ROMANCE) + _cases(CYRILLIC))
def test_look_alikes_are_told_apart(lang: str, text: str) -> None:
    assert detect_language(text).code == lang


@pytest.mark.parametrize(("lang", "text"), list(OTHERS.items()))
def test_languages_outside_lingua_set_come_from_script_or_langdetect(lang: str, text: str) -> None:
    assert detect_language(text).code == lang


def test_foreign_name_does_not_hide_portuguese() -> None:
    assert detect_language("Wałęsa visita Lisboa amanhã para uma conferência sobre a democracia").code == "pt"


@pytest.mark.parametrize("text", ["", "   \n\t", "12345 678", "2025-02-04 17:50", "!!! ??? ... — «»",
                                  "https://example.com/a/b?c=1 user@example.org"])
def test_und_without_letters(text: str) -> None:
    assert detect_language(text) == Language("und", 0.0)


@pytest.mark.parametrize("text", ["de", "no", "Hotel", "radio", "San Diego"])
def test_und_when_evidence_is_weak(text: str) -> None:
    found = detect_language(text)  # words shared by several candidate languages
    assert found.code == "und" and 0.0 < found.confidence < 0.5


def test_seed_000_raw_text_is_english_despite_russian_ui_strings() -> None:
    [path] = SEEDS.glob("000_*.txt")
    raw = path.read_text(encoding="utf-8")
    assert "Ссылка скопирована" in raw
    assert detect_language(raw).code == "en"
    title, body = "Japanese, US leaders gear up for crucial talks", raw.split("\n\n", 3)[-1]
    assert detect_language(f"{title}\n\n{body}\n\nСсылка скопирована").code == "en"


# Unseeded, langdetect gives this mixed text es 0.99999 one time and es 0.86 / pt 0.14 another.
MIXED = "Os deputados aprobaron el presupuesto para o próximo ano, disse la policía."


def test_repeated_calls_and_batches_agree() -> None:
    texts = [MIXED, SENTENCES["pt"], *ROMANCE["es"], *CYRILLIC["bg"], "radio"]
    first = detect_many(texts)
    assert [detect_language(t) for t in texts] == first
    assert detect_many(texts) == first
    assert {repr(_langdetect_probs(MIXED)) for _ in range(5)} == {repr(_langdetect_probs(MIXED))}
    assert detect_many([]) == []


def test_same_answer_in_another_process() -> None:
    texts = [MIXED, SENTENCES["pt"], SENTENCES["ru"], OTHERS["nl"], " ".join(CYRILLIC["uk"])]
    code = ("import json, sys; from summarise.detect import detect_many, _langdetect_probs; "
            "texts = json.loads(sys.stdin.read()); "
            "found = [[l.code, l.confidence] for l in detect_many(texts)]; "
            "print(json.dumps([found, repr(_langdetect_probs(texts[0]))]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True,
                          text=True, env=env, cwd=ROOT, check=True, timeout=60)
    here = [[[lang.code, lang.confidence] for lang in detect_many(texts)], repr(_langdetect_probs(MIXED))]
    assert json.loads(done.stdout) == here  # repr: langdetect's probabilities to the last digit


def test_import_does_not_load_heavy_modules() -> None:
    code = "import sys, summarise.detect; print(sorted(m for m in ('torch', 'transformers', 'lingua', " \
           "'langdetect') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_format_detection_text_and_json() -> None:
    lang = Language("pt", 0.98765)
    assert format_detection(lang, json=False) == "pt\t0.99"
    assert format_detection(lang, json=False, path="a/b.txt") == "a/b.txt\tpt\t0.99"
    assert json.loads(format_detection(lang, json=True)) == {"language": "pt", "confidence": 0.9877}
    line = format_detection(Language("und", 0.0), json=True, path="é.txt")
    assert json.loads(line) == {"path": "é.txt", "language": "und", "confidence": 0.0}
    assert "\n" not in line


@pytest.mark.skipif(not (DEVDATA / "langid").is_dir(), reason="devdata not available")
@pytest.mark.parametrize(("level", "floor"), [("sentences", 0.99), ("word-pairs", 0.90)])
def test_accuracy_floor_on_leipzig_sample(level: str, floor: float) -> None:
    correct = total = 0
    for lang in ("en", "pt", "ru"):
        text = (DEVDATA / "langid" / level / f"{lang}.txt").read_text(encoding="utf-8")
        lines = [line for line in text.split("\n") if line.strip()][:200]
        correct += sum(found.code == lang for found in detect_many(lines))
        total += len(lines)
    assert correct / total >= floor
