"""Extractive briefings: budgets, citations, titles, syndicated copies merged, the summariser switch."""

from __future__ import annotations

import re

import pytest

from summarise.briefing import TITLE_WORDS, brief_cluster, briefer
from summarise.coherence import is_fact_box
from summarise.config import Settings, check
from summarise.dedupe import containment, merge, shingles
from summarise.errors import ConfigError
from summarise.story_model import shown, terms
from summarise.text import sentences, word_count
from summarise.translation import identity
from summarise.types import Article, Document, Language

BUS_A = """The city council of Porto approved a plan on Monday to buy 40 electric buses for the public transport \
network.
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


def doc(text: str, title: str, ident: str, source: str | None = None, url: str | None = None,
        published: str | None = None) -> Document:
    """An English Document as the pipeline hands it to briefing."""
    article = Article(id=ident, path=f"{ident}.txt", title=title, text=text, url=url, source=source,
                      published=published)
    return Document(article, Language("en", 0.99), title, identity(text, "en"), False)


@pytest.fixture(scope="module")
def story() -> list[Document]:
    return [doc(BUS_A, "Porto approves 40 electric buses", "a", "Jornal A"),
            doc(BUS_B, "Council backs electric bus purchase in Porto", "b", "Jornal B")]


def _cites(text: str) -> list[str]:
    """Each sentence's citation markers."""
    return [m for m in re.split(r"(?<=\])\s+", text) if m]


def test_long_briefing_within_budget_cited_and_without_repeats(story: list[Document]) -> None:
    b = brief_cluster(
        story, Settings(short_words=40, long_min_words=60, long_max_words=90))
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
    b = brief_cluster(story, Settings(short_words=40, long_min_words=60, long_max_words=90))
    plain = re.sub(r"\[\d\]", "", b.short)
    assert 0 < word_count(plain) <= 40 and len(sentences(plain)) <= 2


def test_sentences_stating_the_same_cite_every_source_that_states_it(story: list[Document]) -> None:
    b = brief_cluster(story, Settings(long_min_words=150, long_max_words=300))
    vote = [c for c in _cites(b.long) if c.startswith("The city council of Porto approved")]
    assert vote and vote[0].endswith("[1][2]"), b.long  # B reports the same vote in other words


def test_title_is_a_source_headline_of_at_most_twelve_words(story: list[Document]) -> None:
    b = brief_cluster(story)
    assert b.title in {"Porto approves 40 electric buses", "Council backs electric bus purchase in Porto"}
    long_headline = " ".join(["Word"] * 20)
    only = brief_cluster([doc(BUS_A, long_headline, "x")])
    assert word_count(only.title.rstrip("…")) == TITLE_WORDS and only.title.endswith("…")


def test_a_title_line_glued_to_its_first_sentence_shows_as_its_headline() -> None:
    """A page whose line break was lost runs the headline into the sentence it heads: the briefing's title and the
    source list show the headline."""
    glued = "Porto backs electric buses " + BUS_A
    first = glued.split("\n", 1)[0]
    b = brief_cluster([doc(glued, first, "g", "Jornal G")])
    assert b.title == "Porto backs electric buses"
    assert [c.title for c in b.citations] == ["Porto backs electric buses"]
    clipped = brief_cluster([doc(glued, " ".join(first.split()[:14]) + "…", "h")])  # a title cut from the line
    assert clipped.title == "Porto backs electric buses"
    whole = brief_cluster([doc(BUS_A, BUS_A.split("\n", 1)[0], "p")])  # a first sentence, no headline in it
    assert whole.citations[0].title == BUS_A.split("\n", 1)[0]


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
    b = brief_cluster(wire, Settings(long_min_words=80, long_max_words=120))
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
    b = brief_cluster([d], Settings(long_min_words=30, long_max_words=60))
    assert "orçamento" in b.long and b.untranslated == ("pt",)


def test_unknown_summariser_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="extractive, abstractive"):  # checked where settings are made
        check(Settings(summariser="magic"))


def test_extractive_briefer_matches_brief_cluster(story: list[Document]) -> None:
    settings = Settings(short_words=40, long_min_words=60, long_max_words=90)
    assert briefer(settings, lambda m: None)(story) == brief_cluster(story, settings)



# --- what a reader sees: the lede, sentences that stand alone, dates, every source accounted for ---------------

def _plain(text: str) -> list[str]:
    """A briefing's sentences without their markers and timeline labels."""
    text = re.sub(r"(?m)^(?:\d{1,2} [A-Z][a-z]{2} \d{4}|Undated): ", "", text)
    return [s.strip() for s in re.split(r"(?:\[\d+\])+\s*", text) if s.strip()]


def test_the_short_is_the_lede_not_a_later_detail(story: list[Document]) -> None:
    b = brief_cluster(story)
    first = _plain(b.short)
    assert 1 <= len(first) <= 2 and word_count(" ".join(first)) <= 60
    ledes = {sentences(BUS_A.splitlines()[0])[0], sentences(BUS_B.splitlines()[0])[0]}
    assert first[0] in ledes, b.short  # who did what, when: the opening of a source, not a detail
    assert b.title == {d.article.text.splitlines()[0]: d.title_en for d in story}[first[0]]  # the lede's headline


LEANING = """Japan's trade negotiator Ryosei Akazawa flew to Washington on Thursday for a fifth round of tariff talks.
Officials in Tokyo said they hoped for a deal before the G7 summit in Canada in the middle of June.
Nippon Steel's bid for US Steel was approved by President Donald Trump after months of political wrangling.
His current four-day visit comes ahead of a possible meeting between Prime Minister Shigeru Ishiba and Trump.
Tariffs of 24 percent on Japanese exports are due to take effect in July unless a deal is reached."""


def test_a_sentence_leaning_on_the_one_before_comes_with_it_or_not_at_all() -> None:
    from summarise.coherence import opens_on_reference

    d = doc(LEANING, "Japan sends negotiator for fifth round of tariff talks", "t")
    lines = LEANING.splitlines()
    for budget in (20, 40, 60, 80):
        shown = _plain(brief_cluster([d], Settings(long_min_words=budget, long_max_words=budget + 30)).long)
        for k, s in enumerate(shown):
            if opens_on_reference(s):
                assert k > 0 and shown[k - 1] == lines[lines.index(s) - 1], shown
        assert [lines.index(s) for s in shown] == sorted(lines.index(s) for s in shown)  # source order kept


def test_openers_that_point_back() -> None:
    from summarise.coherence import opens_on_reference

    for s in ("He said so.", "His visit ended.", "This visit shows it.", "However, it failed.", "At the time, no.",
              "The company denied it.", "The Japanese company's offer drew fire.", "During his visit, he spoke.",
              "“This alliance is strong,” he said.", "But the vote failed.", "Here he keeps a diary of the journey.",
              "There, they rented a flat.", "Now she is in Britain.", "One of those, Thriller, sold millions.",
              "Most of them returned home."):
        assert opens_on_reference(s), s
    for s in ("Japan is preparing an offer.", "This year, prices rose.", "Theresa May resigned.",
              "The court ruled on Monday.", "Hebrew schools reopened.", "Thereafter nothing happened.",
              "There are fears for his safety.", "Officials said they hoped for a deal.", "Here is the plan.",
              "Today the court ruled.", "One of the largest banks failed.", "Some of the victims were children."):
        assert not opens_on_reference(s), s


QUOTED = """Rescue teams pulled three more survivors from the rubble of the cathedral in the capital on Sunday.
The archbishop told reporters: "We have lost many of our priests and our people are sleeping in the streets.
We need tents, water and medicine for the families who have lost everything in the earthquake.
God is in the pain and the brokenness of this city."
Aid flights resumed at the airport on Monday after the runway was cleared of debris by engineers.
"Shelter is the priority for the next two weeks," a spokesman for the Red Cross said at the airport."""


def test_a_sentence_closing_a_quotation_comes_with_its_opening_or_not_at_all() -> None:
    """A quotation over several sentences: its last one ('… of this city."') is never shown without the sentence
    that opened it, and who spoke."""
    from summarise.coherence import antecedents, leans_back, previous_sentences

    lines = QUOTED.splitlines()
    assert leans_back(lines[3]) and not leans_back(lines[5]) and not leans_back(lines[1])
    assert antecedents(lines, lines, 3, previous_sentences(lines)) == (1, 2)
    unopened = [lines[0], lines[2], lines[2], lines[3]]  # the opening sentence missing: too far back to find
    assert antecedents(unopened, unopened, 3, previous_sentences(unopened)) is None
    d = doc(QUOTED, "Survivors pulled from cathedral rubble", "q")
    quoted = 0
    for budget in (20, 40, 60, 80):
        shown = " ".join(" ".join(_plain(brief_cluster([d], Settings(long_min_words=budget,
                                                                      long_max_words=budget + 30)).long)).split())
        if "brokenness" in shown:
            quoted += 1
            assert " ".join(lines[1:4]) in shown, shown
    assert quoted  # the quotation is shown whole at some length


def test_a_list_item_keeps_its_label_and_brings_its_lead_in() -> None:
    text = ("Leaders met in Tokyo on Tuesday to sign a series of agreements on trade and defence.\n\n"
            "The meeting produced three agreements:\n\n"
            "- Trade Deals: A package totaling $550 billion includes investments in shipbuilding and soybeans.\n\n"
            "- Defence: Japan pledged to raise military spending to two percent of its economic output.\n\n"
            "Both governments said the agreements would be ratified by their parliaments before the end of the year.")
    b = brief_cluster([doc(text, "Leaders sign agreements in Tokyo", "l")],
                      Settings(long_min_words=40, long_max_words=120))
    shown = _plain(b.long)
    items = [s for s in shown if s.startswith(("Trade Deals:", "Defence:"))]
    assert items, shown  # the label stays, without the list marker
    assert shown[shown.index(items[0]) - 1] == "The meeting produced three agreements:"
    assert not any(s.startswith("-") for s in shown)


JAN = """US Secretary of State Antony Blinken met Japan's foreign minister in Tokyo on Tuesday to discuss the alliance.
Blinken said the alliance between Japan and the United States was stronger than ever before.
The two ministers also discussed the blocked takeover of US Steel by Nippon Steel."""
JUN = """Japan's chief trade negotiator held a phone call with US Commerce Secretary Howard Lutnick on Saturday.
The two sides explored a trade agreement that would lower the 24 percent tariff on Japanese exports.
Prime Minister Shigeru Ishiba may meet President Donald Trump at the G7 summit in Canada."""
UNDATED = """Japan is preparing an offer on rare earths and natural gas to win relief from US tariffs.
The package would help the United States manage Chinese export restrictions on critical minerals."""


def test_a_story_over_months_reads_as_a_timeline_led_by_the_newest_development() -> None:
    docs = [doc(JUN, "Japan confirms fresh US trade talks", "jun", "Wire", published="2025-06-14T10:00"),
            doc(JAN, "Blinken hails Japan alliance in Tokyo", "jan", "Observador", published="2025-01-07"),
            doc(UNDATED, "Japan readies rare earths offer", "und")]
    b = brief_cluster(docs, Settings(long_min_words=60, long_max_words=120))
    assert b.short.startswith("14 Jun 2025 — Japan's chief trade negotiator held a phone call"), b.short
    assert b.title == "Japan confirms fresh US trade talks"
    paragraphs = b.long.split("\n\n")
    labels = [p.split(":")[0] for p in paragraphs]
    assert labels == ["7 Jan 2025", "14 Jun 2025", "Undated"], b.long
    by_id = {c.article_id: c for c in b.citations}
    assert by_id["jan"].published == "2025-01-07" and by_id["jun"].published == "2025-06-14"
    assert by_id["und"].published is None


def test_sources_are_numbered_as_first_cited_and_the_rest_marked_uncited(story: list[Document]) -> None:
    b = brief_cluster([*story, doc(WEATHER, "Rain floods Lisbon", "w")],
                      Settings(short_words=30, long_min_words=20, long_max_words=40))
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", b.short + " " + b.long)]
    assert cited and cited[0] == 1
    assert {c.n for c in b.citations if c.cited} == set(cited)
    assert all(not c.cited for c in b.citations if c.n not in cited)
    assert [c.n for c in b.citations] == list(range(1, len(b.citations) + 1))


def test_a_story_with_no_english_says_so_and_how_to_fix_it() -> None:
    from summarise.briefing import untranslated_notice

    ru = Article(id="r", path="r.txt", title="Протесты в Москве", text="В Москве прошли протесты. Задержаны десятки.")
    d = Document(ru, Language("ru", 0.99), ru.title, identity(ru.text, "ru"), False, "model missing")
    settings = Settings()
    b = brief_cluster([d], notice=untranslated_notice([d], settings))
    assert not b.english and b.language == "ru"
    assert b.notice == ('Russian original, not translated: `hf download Helsinki-NLP/opus-mt-ru-en` once with '
                        'network, or set `[models] ru = "/path"`')
    off = untranslated_notice([d], Settings(translate=False))
    assert off is not None and "translation is off" in off
    assert untranslated_notice([d, doc(WEATHER, "Rain", "w")], settings) is None  # told in English


def test_footnote_marks_in_article_text_never_pass_for_citations() -> None:
    text = ("The council approved a plan on Monday to buy forty electric buses for the city.[12]\n\n"
            "Officials said the purchase would cost twenty million euros in total.[3]")
    b = brief_cluster([doc(text, "Council buys buses", "a")], Settings(long_min_words=10, long_max_words=60))
    assert set(re.findall(r"\[(\d+)\]", b.short + b.long)) == {"1"} and len(b.citations) == 1


def test_a_wire_services_page_header_never_reaches_a_briefing() -> None:
    text = ("By Ana Lima, Health Editor LISBON | Tue Apr 21, 2009 10:19 pm BST LISBON (Reuters) - Portugal confirmed "
            "its first two cases of the new flu strain on Tuesday, the health ministry said.\n\n"
            "Both patients had recently returned from Mexico and were recovering in hospital in Lisbon.\n\n"
            "Officials told Reuters on Tuesday that schools would stay open for now.")
    b = brief_cluster([doc(text, "Portugal confirms flu cases", "a")], Settings(long_min_words=10, long_max_words=80))
    assert b.short.startswith("Portugal confirmed its first two cases"), b.short
    assert "|" not in b.short + b.long and "(Reuters)" not in b.short + b.long
    mention = "Officials told Reuters on Tuesday that schools would stay open for now."
    assert shown(mention) == mention  # a sentence that names the agency keeps its words


def test_a_dated_dateline_never_opens_a_briefing() -> None:
    for dated, plain in (("NEW YORK, Sept. 24--John McCain is a gambler.", "John McCain is a gambler."),
                         ("ALLENTOWN, Pa., Jan. 5 -- The mill closed on Monday.", "The mill closed on Monday."),
                         ("MOSCOW, March 17\u2014Prices rose again on Monday.", "Prices rose again on Monday."),
                         ("Chiefs to Miss United Nations Forum UNITED NATIONS, Nov. 24--The chiefs stayed away.",
                          "The chiefs stayed away."),  # the headline glued before it goes too
                         ("(Photo by Mike Ridewood--Getty Images) TORONTO, Oct. 15--While talks went on, prices fell.",
                          "While talks went on, prices fell.")):
        assert shown(dated) == plain, dated
    for prose in ("NATO-led forces moved in on Monday.", "UN inspectors left--Again they came back.",
                  "Talks resumed in Geneva on Monday, and by Tuesday the ministers had agreed."):
        assert shown(prose) == prose  # an acronym that opens a sentence is not a dateline


def test_a_page_time_stamp_never_opens_a_briefing() -> None:
    text = ("Tuesday, September 30, 2008; 10:10 AM Most Americans see the financial situation as a crisis, "
            "according to a new poll published on Tuesday.\n\n"
            "The failure of the House to pass the rescue package deepened concern, the pollsters said.")
    b = brief_cluster([doc(text, "Poll", "a")], Settings(long_min_words=10, long_max_words=80))
    assert b.short.startswith("Most Americans see"), b.short
    for stamped in ("Updated: 30 Sept. 2008 10:10 EDT The vote failed.", "Sep 30, 2008 at 9.05 p.m. The vote failed.",
                    "Wednesday 14 December 2005 18.17 GMT The vote failed.", "Friday, December 19, 2008; 10:02 "
                    "AM--The vote failed.", "May 15, 2009 14:06 UTC--The vote failed."):
        assert shown(stamped) == "The vote failed."
    for stamped in ("Page last updated at 08:58 GMT, Thursday, 24 June 2010 09:58 UK The vote failed.",
                    "Senate vote fails Page last updated at 15:47 GMT, Friday, 22 January 2010 (an error occurred "
                    "while processing this directive) The vote failed.",
                    "24 June 2010 Last updated at 14:59 GMT Help The vote failed.",
                    "Last updated: 14 January, 2010 - 17:26 GMT The vote failed.",
                    "Fergus Walsh | 14:07 PM, Monday, 1 June 2009 The vote failed.",
                    "By Ezra Klein | May 19, 2009; 2:09 PM ET The vote failed.",
                    "By Rob Kendt Thursday 9 June 2005 11.08 BST The vote failed.",
                    "Thu May 14, 2009 4:16 pm EDT LOS ANGELES (Billboard) - The vote failed.",  # BBC, blogs, wires
                    "House rejects rescue Markets fall Tuesday 30 September 2008 10.10 BST The vote failed."):
        assert shown(stamped) == "The vote failed.", stamped  # the last: a page's headline pasted before its stamp
    struck = "The quake struck on Tuesday 12 January 2010 16.53 GMT and shook the capital."
    assert shown(struck) == struck  # a date the sentence tells is its own
    assert shown("24 June 2010 Last updated at 14:59 GMT Help is on its way.") == "Help is on its way."
    assert shown("May 15, 2009 14:06 UK troops left.") == "UK troops left."  # "UK" is a zone only after a GMT time
    prose = "September 30, 2008 was the day the House voted the rescue down."
    assert shown(prose) == prose  # a date without a clock time is the sentence's own
    assert shown("May 15, 2009 14:06 UN inspectors left.") == "UN inspectors left."  # a time zone only if it is one


def test_a_photo_credit_or_a_page_menu_never_opens_a_briefing() -> None:
    text = ("Flu cases rise in Mexico Up to 70 dead as the outbreak spreads A masked woman waits for a bus in Mexico "
            "City Photograph: Dario Lopez-Mills/AP A killer virus has caused at least 20 deaths in Mexico, "
            "officials said on Friday.\n\n"
            "Schools in the capital were closed for the rest of the week, the health minister said.")
    b = brief_cluster([doc(text, "Flu cases rise", "a")], Settings(long_min_words=10, long_max_words=80))
    assert b.short.startswith("A killer virus has caused"), b.short
    for credited in ("Photograph: Centers for Disease Control/Reuters The vote failed.",
                     "Photograph: Ismael Francisco/AFP/Getty images The vote failed.",
                     "Photograph: AP/Kevin Lamarque The vote failed.", "Photograph: AP/RTL The vote failed.",
                     "Photograph: PA The vote failed.", "Photo: Martin Argles The vote failed.",
                     "Picture: Associated Press The vote failed.",
                     '" This Story: Read + | Watch + | Talk + | The vote failed.'):
        assert shown(credited) == "The vote failed.", credited
    for caption in ("Photo: A passenger walks past a temperature check at the airport.",
                    "Homes collapsed on to the ones below (Photo: American Red Cross) He said it was the worst.",
                    "Photographs of detainees being humiliated were shown to the court on Friday."):
        assert shown(caption) == caption  # a caption, or prose that names a photograph, keeps its words


def test_a_fact_box_read_as_one_sentence_is_never_briefed() -> None:
    box = ("Born: August 29, 1958, Gary, Indiana, US Also known as: The King of Pop Biggest hits: Billie Jean, Bad, "
           "Earth Song The singer's doctor was questioned by police for three hours.")
    text = ("Police questioned the singer's doctor for three hours on Saturday, his lawyer said.\n\n" + box + "\n\n"
            "The coroner said toxicology results could take several weeks to come back from the laboratory.")
    b = brief_cluster([doc(text, "Police question doctor", "a")], Settings(long_min_words=25, long_max_words=120))
    assert "Born:" not in b.short + b.long and "Also known as" not in b.long
    assert "toxicology results" in b.long  # the prose around it is briefed
    # A quote whose speaker is in the box's line is not briefed either: it would bring the box along.
    quote = ('"He owes it to the family and to the public to say what happened in the last hours," the '
             'statement went on.')
    b = brief_cluster([doc(text.replace("\n\nThe coroner", f"\n\n{quote}\n\nThe coroner"), "Police question doctor",
                           "a")], Settings(long_min_words=25, long_max_words=120))
    assert "Born:" not in b.short + b.long and "toxicology results" in b.long
    assert not is_fact_box("The minister said: the budget will pass on Monday.")  # prose has one label at most


def test_the_long_opens_on_what_the_short_says() -> None:
    """The lede comes from a later source than another article's opening sentence: the long still opens on it,
    so that the details shown under the short never say its sentence again."""
    from summarise.render import details

    rescue = ("Peter Stevenson leads the British search and rescue team flying out of Gatwick tonight.\n\n"
              "His team of sixty firefighters carries cutting gear and listening devices for collapsed buildings.")
    quake = ("A powerful earthquake has devastated Haiti, and thousands of people are feared dead in the capital.\n\n"
             "The earthquake struck south-west of Port-au-Prince on Tuesday, toppling the presidential palace.")
    dead = "Thousands are feared dead after a powerful earthquake devastated Haiti's capital on Tuesday."
    b = brief_cluster([doc(rescue, "Rescue team", "a"), doc(quake, "Quake", "b"), doc(dead, "Quake 2", "c")],
                      Settings(long_min_words=40, long_max_words=120))
    assert b.short.startswith("Thousands are feared dead") and "Peter Stevenson" in b.long
    assert b.long.startswith(b.short) and "Thousands are feared dead" not in details(b)
