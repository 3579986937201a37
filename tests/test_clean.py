"""Boilerplate removal: the seeds, metadata, en/pt/ru UI strings, and the labelled-set quality gate."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from summarise.clean import Cleaned, body_mask, clean
from summarise.dates import find_date

from .conftest import ROOT, SEEDS

LABELLED = ROOT / "tests" / "data" / "boilerplate"
# Pinned just below the measured figures (1.000 / 1.000 on 41 pages, 354 article lines); lowering
# them needs a reason in the commit message.
PRECISION_FLOOR = 0.98
RECALL_FLOOR = 0.98


def _seed(prefix: str) -> Cleaned:
    return clean(next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8"))


def _absent(cleaned: Cleaned, *strings: str) -> None:
    body = cleaned.text.lower()
    for string in strings:
        assert string.lower() not in body, string


def _present(cleaned: Cleaned, *strings: str) -> None:
    for string in strings:
        assert string in cleaned.text, string


def test_seed_000_drops_menus_share_bar_and_russian_ui() -> None:
    cleaned = _seed("000")
    _absent(cleaned, "twitter", "night_theme", "Views: 163", "copy link", "Ссылка скопирована", "Any use of materials",
            "By Tamilla Hasanova", "Follow us on Instagram", "Liked the story", "loading", "A+")
    _present(cleaned, "Japanese Prime Minister Shigeru Ishiba is set to visit the United States",
             "Some media outlets suggest that Ishiba may also raise the issue")
    assert cleaned.title == "Japanese, US leaders gear up for crucial talks on regional security and economic relations"
    assert cleaned.published == "2025-02-04T17:50"


def test_seed_001_drops_inline_teaser_and_reads_source_url() -> None:
    cleaned = _seed("001")
    _absent(cleaned, "Nippon Steel will challenge Biden’s decision", "Source:")
    _present(cleaned, "The head of North American diplomacy, Antony Blinken", "Iwaya reiterated that",
             "the two groups indicated that they filed an appeal")
    assert cleaned.url == ("https://observador.pt/2025/01/07/"
                           "blinken-quer-reforco-da-alianca-com-japao-apesar-de-caso-da-us-steel/")
    assert cleaned.source == "observador.pt"
    assert cleaned.published == "2025-01-07"  # from the URL: the page has no date line
    assert cleaned.title is None  # the page starts with prose
    assert cleaned.removed == 2


def test_seed_002_drops_crypto_block_and_keeps_subheadings() -> None:
    cleaned = _seed("002")
    _absent(cleaned, "Bitcoin", "Dogecoin", "placeholder", "KEY Difference Wire", "Disclaimer", "TradingKey",
            "goTop", "Jan 23, Thu", "Source Cryptopolitan")
    _present(cleaned, "Japan’s PM hopes to talk with President Trump on the sidelines of the G7 Summit",
             "Trump approved Nippon’s Steel bid for US Steel on Friday",
             "The merger agreement deadline is June 18")
    assert cleaned.title == "Japanese government confirms fresh US trade talks"
    assert cleaned.source == "Cryptopolitan"


def test_seed_003_cuts_read_next_list() -> None:
    cleaned = _seed("003")
    _absent(cleaned, "Read next", "22:00", "Uzbekistan secured a place", "Germany will increase",
            "What is your opinion on this topic?", "Leave the first comment")
    _present(cleaned, "Japan is preparing a strategic offer", "Akazawa noted that details regarding meetings")
    assert cleaned.removed == 18


def test_seed_004_keeps_short_body_lines() -> None:
    cleaned = _seed("004")
    _present(cleaned, "Key Highlights of the Meeting", "- Permanent magnets", "- Optical materials",
             "Cultural Exchange and Diplomacy", "- Trade Deals: A package totaling $550 billion")
    assert cleaned.title == "Trump and Japan’s Takaichi Secure Rare Earths Supply Deal"
    assert cleaned.removed == 0
    assert not cleaned.text.startswith(cleaned.title)  # the headline is metadata, not body


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_text_is_one_line_per_paragraph(path: Path) -> None:
    text = clean(path.read_text(encoding="utf-8")).text
    assert text and "\n\n\n" not in text and not text.startswith("\n") and not text.endswith("\n")
    for paragraph in text.split("\n\n"):
        assert paragraph == paragraph.strip() and "\n" not in paragraph and "  " not in paragraph


PT_PAGE = """Menu
Buscar
Assine
Governo anuncia novo programa de habitação para famílias de baixa renda
Por Ana Souza
7 de janeiro de 2025, 14:32
Partilhar
Compartilhe
Copiar link
O governo anunciou nesta terça-feira um programa que pretende financiar 200 mil moradias até 2026.
Leia também
Inflação de dezembro fica abaixo do esperado
Segundo o ministério, as primeiras obras começam em março em cinco estados do Nordeste.
Publicidade
O programa terá orçamento de 12 bilhões de reais, disse o ministro em entrevista coletiva.
Fonte: Agência Brasil
Mais lidas
Frente fria derruba temperaturas no Sul
Comentários
"""

RU_PAGE = """Главная
Новости
Поиск
В Казани открыли новую линию метро
7 января 2025, 10:15
Ссылка скопирована
Поделиться
ВКонтакте
Новая линия метро длиной девять километров открылась в Казани в понедельник, сообщили в мэрии.
Читайте также
Жители пожаловались на задержки автобусов
На линии работают пять станций, еще две откроют к концу года.
Реклама
Стоимость проезда не изменится, добавили в администрации города.
Источник: ТАСС
Самое читаемое
Назван самый снежный месяц зимы
Комментарии
"""


@pytest.mark.parametrize(("page", "title", "published", "source", "ui", "body"), [
    (PT_PAGE, "Governo anuncia novo programa de habitação para famílias de baixa renda", "2025-01-07T14:32",
     "Agência Brasil", ("Partilhar", "Compartilhe", "Copiar link", "Leia também", "Inflação de dezembro",
                        "Publicidade", "Mais lidas", "Frente fria", "Por Ana Souza"),
     ("financiar 200 mil moradias", "primeiras obras começam", "orçamento de 12 bilhões")),
    (RU_PAGE, "В Казани открыли новую линию метро", "2025-01-07T10:15", "ТАСС",
     ("Ссылка скопирована", "Поделиться", "Читайте также", "Жители пожаловались", "Реклама", "Самое читаемое",
      "Назван самый"),
     ("длиной девять километров", "работают пять станций", "Стоимость проезда не изменится")),
], ids=["pt", "ru"])
def test_portuguese_and_russian_pages(page: str, title: str, published: str, source: str,
                                      ui: tuple[str, ...], body: tuple[str, ...]) -> None:
    cleaned = clean(page)
    _absent(cleaned, *ui)
    _present(cleaned, *body)
    assert (cleaned.title, cleaned.published, cleaned.source) == (title, published, source)
    assert cleaned.text.count("\n\n") == len(body) - 1


COPYRIGHT_PAGE = """Home
Europe
Technology
Subscribe
EU lawmakers back copyright overhaul that makes platforms pay for news snippets
By Marta Lindqvist
12 March 2025, 16:40
Share
The European Parliament on Wednesday approved new copyright rules that make large platforms pay publishers.
The copyright directive passed by 401 votes to 212. Publishers that sign up to a licensing body can bargain together.
"Nobody should have to click here to learn who owns a headline," said the MEP who led the talks on the newsletter rules.
Critics said the text was vague on filters and that platforms would bury the details in a privacy policy.
Sign up for our newsletter
Enter your email
© 2025 The Continental Ledger. All rights reserved.
Privacy policy | Terms of use
We use cookies to improve your experience. By continuing to browse, you agree to our use of cookies.
Accept all cookies
"""


def test_copyright_story_keeps_headline_and_sentences_and_drops_furniture() -> None:
    # its sentences say what the footer says: "copyright", "sign up", "click here", "newsletter",
    # "privacy policy"; only the footer goes
    cleaned = clean(COPYRIGHT_PAGE)
    lines = COPYRIGHT_PAGE.splitlines()
    body = lines[8:12]
    assert cleaned.title == lines[4]
    assert cleaned.text == "\n\n".join(body)
    _absent(cleaned, "Sign up for our newsletter", "Enter your email", "© 2025", "Privacy policy | Terms of use",
            "We use cookies", "Accept all cookies", "Subscribe\n")
    assert cleaned.removed == len(lines) - len(body) - 1


ARTICLE = "The council approved the new budget on Tuesday after a debate that lasted more than six hours."


# Furniture by its wording goes whatever the page (here below an article); news that reports on the same
# words stays (here above it, where a headline or first paragraph stands).
@pytest.mark.parametrize(("line", "kept"), [
    ("© 2025 Outlet. All rights reserved.", False),
    ("Sign up for our newsletter", False),
    ("Privacy policy | Terms of use", False),
    ("Click here to subscribe", False),
    ("To read the full report, click here.", False),
    ("We use cookies to improve your experience. By continuing to browse, you agree to our use of cookies.", False),
    ("Copyright 2025 Example News", False),
    ("Assine a nossa newsletter", False),
    ("Este site utiliza cookies para melhorar a sua experiência. Ao continuar a navegar, concorda com a sua "
     "utilização.", False),
    ("Политика конфиденциальности | Пользовательское соглашение", False),
    ("Подпишитесь на нашу рассылку", False),
    ("© 2025 «Вечерний вестник». Все права защищены.", False),
    ("Image copyright Getty Images Image caption The band broke up in 1980", False),
    ("Council leader Jane Doe at the meeting on Tuesday. (Alex Smith/Getty Images)", False),
    ("--- Sign up for Riverside email alerts to stay informed about breaking news and daily headlines.", False),
    ("EU copyright reform clears final vote", True),  # a headline
    ("Victims were told to click here to claim a refund, police said.", True),
    ("The newsletter goes out every morning at 6am.", True),
    ("Getty Images sued the start-up for copyright infringement in a London court last year.", True),
    ("Google News shut down in Spain in 2014 after a similar copyright law was passed there.", True),
    ("Under the new rules, users who sign up for a free trial must be reminded before they are charged.", True),
    ('Under the guidance, a banner that says only "We use cookies to improve your experience" is not enough.', True),
    ("O tribunal considerou que a política de privacidade da empresa violava o RGPD e aplicou uma multa.", True),
    ("Под каждым эпизодом стояла пометка «Все права защищены», хотя права на показ у сервиса уже не было.", True),
    ("Компания начала рассылку уведомлений клиентам после утечки данных, сообщили в пресс-службе.", True),
])
def test_furniture_goes_by_wording_and_news_about_it_stays(line: str, kept: bool) -> None:
    if kept:
        assert body_mask([line, ARTICLE]) == [True, True]
    else:
        assert body_mask([ARTICLE, line]) == [True, False]


@pytest.mark.parametrize(("text", "iso"), [
    ("04 February 2025 17:50", "2025-02-04T17:50"),
    ("2025-01-07", "2025-01-07"),
    ("2025-01-07T10:00:00Z", "2025-01-07T10:00"),
    ("7 de janeiro de 2025", "2025-01-07"),
    ("7 января 2025", "2025-01-07"),
    ("Published: March 3, 2025 6:41 PM UTC", "2025-03-03T18:41"),
    ("17/02/2025 08h15  Atualizado há 2 horas", "2025-02-17T08:15"),
    ("09:45 10.02.2025", "2025-02-10T09:45"),
    ("Feb 27th 2025", "2025-02-27"),
    ("Jan 23, Thu", None),
    ("31 February 2025", None),
    ("no date here", None),
])
def test_find_date(text: str, iso: str | None) -> None:
    assert find_date(text) == iso


def test_source_url_gives_host_without_www() -> None:
    page = ("Ministers agree on a new fisheries deal after long talks in Brussels on Friday night.\n"
            "Source: https://www.example-news.eu/2025/02/12/fisheries-deal/\n")
    cleaned = clean(page)
    assert cleaned.url == "https://www.example-news.eu/2025/02/12/fisheries-deal/"
    assert cleaned.source == "example-news.eu"
    assert cleaned.text == "Ministers agree on a new fisheries deal after long talks in Brussels on Friday night."


def test_hard_wrapped_paragraphs_are_joined() -> None:
    paragraphs = [
        "The city council voted on Tuesday to close two libraries and merge their collections into a new "
        "central building, ending a debate that had lasted more than two years.",
        "Supporters said the new library would open longer hours and offer study rooms that the old branches "
        "lacked; opponents warned that older residents would have further to travel.",
        "The new building is expected to open in the spring of 2027.",
    ]
    page = "Home\nNews\nShare\n\nCouncil votes to merge libraries\n\n" + "\n\n".join(
        textwrap.fill(p, 64) for p in paragraphs) + "\n\nComments\n"
    cleaned = clean(page)
    assert cleaned.title == "Council votes to merge libraries"
    assert cleaned.text == "\n\n".join(paragraphs)
    assert cleaned.removed == 4


def test_only_boilerplate_gives_empty_text() -> None:
    cleaned = clean("Menu\nSearch\nShare\nCopy link\n© 2025 Example Media\n")
    assert (cleaned.text, cleaned.removed, cleaned.title) == ("", 5, None)


def test_body_mask_has_one_flag_per_line() -> None:
    lines = ["Home", "", "A reporter wrote this sentence about the vote in parliament today.", "Share"]
    assert body_mask(lines) == [False, False, True, False]


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_boilerplate", ROOT / "bench" / "boilerplate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_labelled_set_quality_gate() -> None:
    bench = _bench()
    results = bench.evaluate(LABELLED)  # type: ignore[attr-defined]
    overall = bench.total(results)  # type: ignore[attr-defined]
    assert len(results) >= 38 and overall.tp + overall.fn >= 330
    assert overall.precision >= PRECISION_FLOOR, overall
    assert overall.recall >= RECALL_FLOOR, overall


@pytest.mark.parametrize(("line", "lowercase", "split"), [
    ("Haiti devastated by massive quake Thousands of people are feared dead after a powerful earthquake hit the "
     "Caribbean nation.", (), "Haiti devastated by massive quake"),
    ("Fed's Expanded Market Role Fuels Fierce Debate The Federal Reserve has used unconventional means to act.", (),
     "Fed's Expanded Market Role Fuels Fierce Debate"),
    ("Jackson family left speechless by star's death Relatives of Michael Jackson will seek a second autopsy.",
     ("relatives",), "Jackson family left speechless by star's death"),
    ("Aid effort tougher than tsunami, Oxfam says Demand for water and food is growing across the country.",
     ("demand",), "Aid effort tougher than tsunami, Oxfam says"),
    ("Haitian families ` sleeping among the dead' Thousands of Haitians are spending a second night outside.", (),
     "Haitian families ` sleeping among the dead'"),
    ("Nicola Sturgeon: ` The patients in question are undergoing further tests in hospital today.", (), None),
    ("GENEVA (Reuters) - The World Health Organization raised its pandemic alert level on Monday.", (), None),
    # a name or a proper adjective may follow a headline's last word: no split without an opener
    ("Aid workers have reached Port-au-Prince British aid workers have begun arriving in Haiti today.", (), None),
    # a word that leads into a name, a Title Case headline, "I", prose with capitals, a capitalised word
    # written in lower case elsewhere but followed by a name ("President Bush")
    ("Tony Blair has denounced the BBC's coverage of Hurricane Katrina as full of hatred of America.", (), None),
    ("Financial Rescues Show That Faith in Free Market Is Shaken across the whole of Wall Street.", (), None),
    ("Of all the self-proclaimed experts I wanted to hear from about the crisis, none spoke to me.", (), None),
    ("Thousands marched in Cairo on Friday as The Guardian reported clashes with police in the square.", (), None),
    ("Katrina comes home to roost President Bush is to blame for the scale of the disaster here.", ("president",),
     None),
    ("U.S. orders nasal spray vaccine The company sees potential for additional orders this year.", (), None),
    ("Too short A line.", (), None),
])
def test_a_headline_glued_to_the_sentence_it_heads(line: str, lowercase: tuple[str, ...], split: str | None
                                                   ) -> None:
    from summarise.article import glued_headline

    found = glued_headline(line, set(lowercase))
    assert (found[0] if found else None) == split
    if found:
        assert f"{found[0]} {found[1]}" == line
