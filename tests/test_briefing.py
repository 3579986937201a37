"""Extractive briefings: budgets, citations, titles, syndicated copies merged, the summariser switch."""

from __future__ import annotations

import re

import pytest

from summarise.briefing import TITLE_WORDS, brief_cluster, briefer, terms
from summarise.config import Settings
from summarise.dedupe import containment, merge, shingles
from summarise.errors import ConfigError
from summarise.text import sentences, word_count
from summarise.translation import identity
from summarise.types import Article, Document, Language

BUS_A = """The city council of Porto approved a plan on Monday to buy 40 electric buses for the public transport network.
The buses will replace the oldest diesel vehicles in the fleet by the end of 2026, the council said.
Mayor Ana Costa said the purchase would cost 24 million euros, most of it paid by a European Union grant.

The opposition criticised the plan, saying the money should have gone to the metro extension instead.
Drivers will receive training on the new vehicles from the manufacturer over the summer months.
The council expects the electric buses to cut the network's carbon emissions by a fifth within three years."""

BUS_B = """Porto will buy 40 electric buses after the city council approved the plan in a vote on Monday evening.
The purchase, worth 24 million euros, is largely financed by a European Union grant, officials said.
Mayor Ana Costa called the decision an important step for clean air in the city centre.

Residents of the eastern districts asked for more frequent services on the night routes as well.
The first of the new buses is expected to enter service in the spring of next year on the busiest lines.
Critics in the opposition said the metro extension should have been the priority for the city."""

WEATHER = """Heavy rain flooded several streets in the centre of Lisbon on Tuesday morning, the fire brigade said.
Firefighters answered more than 200 calls about flooded basements and fallen trees across the city.
The weather service issued an orange warning for the coast until Wednesday evening."""


def doc(text: str, title: str, ident: str, source: str | None = None, url: str | None = None) -> Document:
    """An English Document as the pipeline hands it to briefing."""
    article = Article(id=ident, path=f"{ident}.txt", title=title, text=text, url=url, source=source)
    return Document(article, Language("en", 0.99), title, identity(text, "en"), False)


@pytest.fixture(scope="module")
def story() -> list[Document]:
    return [doc(BUS_A, "Porto approves 40 electric buses", "a", "Jornal A"),
            doc(BUS_B, "Council backs electric bus purchase in Porto", "b", "Jornal B")]


def _cites(text: str) -> list[str]:
    """Each sentence's citation markers."""
    return [m for m in re.split(r"(?<=\])\s+", text) if m]


def test_long_briefing_within_budget_cited_and_without_repeats(story: list[Document]) -> None:
    b = brief_cluster(story, short_words=40, long_min=60, long_max=90)
    plain = re.sub(r"\[\d\]", "", b.long)
    assert 60 <= word_count(plain) <= 90
    chunks = _cites(b.long)
    assert all(re.search(r"(\[\d\])+$", c) for c in chunks)  # every sentence ends with its citations
    bodies = [re.sub(r"(\[\d\])+$", "", c) for c in chunks]
    assert len(set(bodies)) == len(bodies)
    assert all(body in BUS_A or body in BUS_B for body in bodies)  # extractive: source sentences, verbatim
    assert {"[1]", "[2]"} <= set(re.findall(r"\[\d\]", b.long))  # both sources are used
    assert b.replacements == 0


def test_short_briefing_is_at_most_two_sentences_within_budget(story: list[Document]) -> None:
    b = brief_cluster(story, short_words=40, long_min=60, long_max=90)
    plain = re.sub(r"\[\d\]", "", b.short)
    assert 0 < word_count(plain) <= 40 and len(sentences(plain)) <= 2


def test_sentences_stating_the_same_cite_every_source_that_states_it(story: list[Document]) -> None:
    b = brief_cluster(story, long_min=150, long_max=300)
    vote = [c for c in _cites(b.long) if c.startswith("The city council of Porto approved")]
    assert vote and vote[0].endswith("[1][2]"), b.long  # B reports the same vote in other words


def test_title_is_a_source_headline_of_at_most_twelve_words(story: list[Document]) -> None:
    b = brief_cluster(story)
    assert b.title in {"Porto approves 40 electric buses", "Council backs electric bus purchase in Porto"}
    long_headline = " ".join(["Word"] * 20)
    only = brief_cluster([doc(BUS_A, long_headline, "x")])
    assert word_count(only.title.rstrip("…")) == TITLE_WORDS and only.title.endswith("…")


def test_briefings_are_deterministic(story: list[Document]) -> None:
    assert brief_cluster(story) == brief_cluster(story)


def test_syndicated_copies_are_one_source_listing_every_outlet() -> None:
    wire = [doc(BUS_A + "\n\nRead more on our website.", "Porto buys buses", "w1", "Outlet One"),
            doc(BUS_A, "Porto to buy 40 electric buses", "w2", None, "https://news.example.org/porto"),
            doc(BUS_A.replace("Monday", "Monday evening"), "Buses for Porto", "w3", "Outlet Three"),
            doc(WEATHER, "Rain floods Lisbon", "other", "Outlet Four")]
    sources = merge(wire)
    assert [len(s.documents) for s in sources] == [3, 1]
    assert sources[0].doc.article.id == "w1"  # the longest copy stands for the group
    b = brief_cluster(wire, long_min=80, long_max=120)
    assert len(b.citations) == 2 and b.article_ids == ("w1", "w2", "w3", "other")
    first = b.citations[0]
    assert first.source == "Outlet One, news.example.org, Outlet Three" and first.copies == ("w2", "w3")
    bodies = [re.sub(r"(\[\d\])+$", "", c) for c in _cites(b.long)]
    assert len(bodies) == len(set(bodies))


def test_different_articles_on_one_story_are_not_copies(story: list[Document]) -> None:
    assert containment(shingles(BUS_A), shingles(BUS_B)) < 0.1
    assert len(merge(story)) == 2


def test_terms_drop_stopwords_and_fold_endings() -> None:
    assert terms("The councils approved the plans after working late") == ["council", "approv", "plan", "work", "late"]


def test_untranslated_story_is_briefed_from_its_originals() -> None:
    pt = ("O governo aprovou um novo orçamento para a saúde pública nesta segunda-feira em Lisboa. "
          "Os hospitais vão receber mais médicos e enfermeiros no próximo ano, disse o ministro.")
    article = Article(id="pt", path="pt.txt", title="Governo aprova orçamento", text=pt)
    d = Document(article, Language("pt", 0.99), article.title, identity(pt, "pt"), False, "no model")
    b = brief_cluster([d], long_min=30, long_max=60)
    assert "orçamento" in b.long and b.untranslated == ("pt",)


def test_unknown_summariser_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="abstractive, extractive"):
        briefer(Settings(summariser="magic"), lambda message: None)


def test_extractive_briefer_matches_brief_cluster(story: list[Document]) -> None:
    settings = Settings(short_words=40, long_min_words=60, long_max_words=90)
    assert briefer(settings, lambda m: None)(story) == brief_cluster(story, short_words=40, long_min=60,
                                                                      long_max=90)

