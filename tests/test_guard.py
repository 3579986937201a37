"""The faithfulness guard: invented numbers, amounts, dates and names are caught and replaced; the rest is cited."""

from __future__ import annotations

import re

from summarise.briefing import brief_cluster
from summarise.config import Settings
from summarise.guard import Facts, claims, unsupported
from summarise.render import to_json
from summarise.types import Result

from .test_briefing import BUS_A, BUS_B, doc

SOURCES = [BUS_A, BUS_B]
FACTS = Facts.of(SOURCES)


class FakeWriter:
    """A generator with scripted outputs per kind; records what it was asked to summarise."""

    def __init__(self, short: str, long: str, title: str = "") -> None:
        self.outputs = {"short": short, "long": long}
        self.title = title
        self.asked: list[tuple[str, str, int]] = []

    def write(self, text: str, kind: str, *, max_words: int, min_words: int = 0, n_sources: int = 1) -> str:
        self.asked.append((kind, text, n_sources))
        return self.title if max_words <= 12 else self.outputs[kind]


def test_claims_are_numbers_amounts_and_names() -> None:
    found = claims("In March, Mayor Ana Costa said the 40 buses cost $24 million, up 12%.")
    assert {"March", "Ana", "Costa", "40", "24 million", "dollar:24 million", "percent:12"} <= found
    assert "In" not in found  # an ordinary word at the start of a sentence is no name


def test_numbers_match_however_the_sources_write_them() -> None:
    facts = Facts.of(["Some 1,500 people and two dozen officials attended; inflation was 3,5 per cent."])
    assert unsupported("About 1500 people came.", facts) == []
    assert unsupported("Two buses and 12 officials came.", facts) == []  # "two" and "dozen"
    assert unsupported("Inflation was 3.5 percent.", facts) == []


def test_invented_number_name_amount_and_date_are_each_caught() -> None:
    assert unsupported("The council approved 75 electric buses.", FACTS) == ["75"]
    assert unsupported("Mayor John Smith praised the plan.", FACTS) == ["John", "Smith"]
    assert unsupported("The buses cost 24 billion euros.", FACTS) == ["24 billion"]
    assert unsupported("The buses cost $24 million.", FACTS) == ["dollar:24 million"]  # euros in the sources
    assert unsupported("The council voted on Friday.", FACTS) == ["Friday"]
    assert unsupported("Mayor Ana Costa said the 40 buses cost 24 million euros.", FACTS) == []


def test_generator_inventing_a_number_and_a_name_is_replaced_and_counted() -> None:
    invented = "Mayor John Smith said the council would buy 75 electric buses next year."
    faithful = "Porto will buy 40 electric buses with help from a European Union grant."
    writer = FakeWriter(short=faithful, long=f"{faithful} {invented}")
    docs = [doc(BUS_A, "Porto approves 40 electric buses", "a", "Jornal A"),
            doc(BUS_B, "Council backs electric bus purchase in Porto", "b", "Jornal B")]
    b = brief_cluster(docs, Settings(short_words=40, long_min_words=10, long_max_words=80), writer=writer)
    assert unsupported(invented, FACTS) == ["75", "John", "Smith"]  # both inventions are caught...
    assert "John Smith" not in b.long and "75" not in b.long  # ...and gone from the briefing
    assert b.long.startswith(faithful + "[")  # the faithful sentence is kept, and cited
    replacement = re.sub(r"(\[\d\])+$", "", b.long[b.long.index("]") + 1:].lstrip().split("] ")[-1])
    assert replacement in BUS_A or replacement in BUS_B  # replaced by a source sentence, verbatim
    assert b.replacements == 1 and b.short.startswith(faithful)
    result = Result(date="2025-01-01", documents=tuple(docs), issues=(), briefings=(b,))
    assert to_json(result)["clusters"][0]["guard_replacements"] == 1
    assert [kind for kind, _, _ in writer.asked] == ["short", "long"]  # the headline fitted: no title asked
    assert all(n == 2 and "Porto" in text for _, text, n in writer.asked)


def test_replacement_is_the_best_supporting_source_sentence() -> None:
    writer = FakeWriter(short="Mayor Ana Costa said the purchase would cost 99 million euros.",
                        long="Drivers will receive training from Volvo over the summer months.")
    b = brief_cluster([doc(BUS_A, "Porto approves 40 electric buses", "a")],
                      Settings(long_min_words=5, long_max_words=80), writer=writer)
    assert b.short.startswith("Mayor Ana Costa said the purchase would cost 24 million euros")
    assert b.long.startswith("Drivers will receive training on the new vehicles from the manufacturer")
    assert b.replacements == 2


def test_generated_title_is_guarded() -> None:
    docs = [doc(BUS_A, "", "a")]  # no headline to take
    good = brief_cluster(docs, writer=FakeWriter("Porto buys 40 electric buses.", "Porto buys buses.",
                                                 title="Porto buys 40 electric buses."))
    assert good.title == "Porto buys 40 electric buses" and good.replacements == 0
    bad = brief_cluster(docs, writer=FakeWriter("Porto buys 40 electric buses.", "Porto buys buses.",
                                                title="Lisbon buys 90 trams."))
    assert "Lisbon" not in bad.title and bad.replacements == 1 and bad.title.split()[0] == "The"
