"""Whether a sentence leans on the one before it: the test that keeps briefing sentences standing on their own.

An extracted sentence that opens on a pronoun ("He said…"), a demonstrative ("This visit…"), a connective
("However,…", "At the time,…") or a definite description that points back ("The company…", "The move…") reads
as nonsense when the sentence it points back to is left out: the classic "dangling reference" of extractive
summaries. `opens_on_reference` spots those openings; `antecedents` finds what such a sentence leans on, which
the briefer brings along (or it picks another sentence), and `dangling` counts what slipped through
(bench/quality.py reports it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .text import LIST_ITEM, SENTENCE_END, word_count

__all__ = ["MAX_ANTECEDENTS", "antecedents", "dangling", "is_list_item", "leans_back", "opens_on_reference",
           "previous_sentences"]

MAX_ANTECEDENTS = 3  # a sentence leaning on more earlier sentences than this is not picked

# Words and phrases that open a sentence by pointing at something said before it.
_PRONOUNS = ("he|she|it|they|him|her|his|hers|its|their|theirs|them|such|both|either|neither|another|others"
             "|the latter|the former|the same|the two|the three|all three|all of them|one of them")
# "This year", "this week": the time of writing, not something said before.
_DEMONSTRATIVES = (r"(?:this|that|these|those)(?!\s+(?:year|week|month|morning|afternoon|evening|weekend|summer"
                   r"|winter|spring|autumn|fall|season|century|decade)\b)")
_CONNECTIVES = ("but|however|also|meanwhile|moreover|furthermore|still|yet|and|or|so|then|thus|therefore|hence"
                "|instead|nevertheless|nonetheless|besides|additionally|in addition|in turn|as a result|as such"
                "|at the time|at that time|by then|by that time|by contrast|in contrast|on the other hand|otherwise"
                "|likewise|similarly|later|afterwards|afterward|subsequently|consequently|accordingly|even so"
                "|in response|in return|until then|since then|before that|after that|for (?:his|her|its|their) part"
                "|to that end|for that reason|because of this|despite this")
# "The company", "the Japanese company's", "the move": a definite description of someone or something named
# before (one word allowed between "the" and the noun). Institutions a reader places unaided ("the court",
# "the president") are left out.
_NOUNS = ("move|company|firm|decision|deal|agreement|plan|proposal|measure|group|agency|report|statement"
          "|announcement|incident|attack|bill|case|couple|pair|man|woman|boy|girl|suspect|victim|study|researchers"
          "|official|officials|spokesman|spokeswoman|spokesperson|talks|meeting|visit|trip|offer|bid|merger"
          "|acquisition|ruling|lawsuit|findings|results|changes|project|program|programme|policy|claims"
          "|allegations|video|letter|singer|actor|actress|star|player")
# "During his visit", "After this", "Despite the move": a back-reference inside an opening phrase.
_PREPOSITIONS = ("during|after|before|despite|following|since|with|without|in|on|at|by|for|from|under|amid|over"
                 "|as part of|because of|due to|ahead of|given|like|unlike|according to|to")
# "One of those", "Most of them", "Two of its…": a part of something named before.
_PARTITIVE = (r"(?:one|some|many|most|all|each|none|both|several|few|a few|half|either|neither|two|three|four|five)"
              r"\s+of\s+(?:them|those|these|its|his|her|their)")
_REFERENCE = rf"(?:{_PRONOUNS}|{_DEMONSTRATIVES}|{_PARTITIVE})\b|the\s+(?:[\w-]+\s+)?(?:{_NOUNS})\b"
# "It was not immediately clear whether…", "It is likely that…", "It has been 75 years since…": a dummy "it" that
# announces what follows (extraposition) points back at nothing.
_DUMMY_IT = (r"it(?:['’]s|\s+(?:is|was|remains|remained|seems|seemed|appears|appeared|has been|had been|will be))"
             r"\s+(?:not\s+|still\s+|also\s+|now\s+)?(?:(?:immediately|yet|entirely|fully|widely|generally)\s+)?"
             r"(?:clear|unclear|known|unknown|likely|unlikely|possible|impossible|expected|unexpected|believed|thought"
             r"|estimated|reported|understood|feared|hoped|rumored|rumoured|said|true|time|important|hard|difficult"
             r"|easy|rare|common|illegal|legal|necessary|worth|(?:\w+\s+)?(?:years|months|weeks|days|decades)\b)")
# "Here he keeps a diary", "There they rented a flat", "Now she is in Britain": a place or a time named before, then
# a person named before.
_ADVERBS = ("here|there|now|today|yesterday|tomorrow|tonight|again|soon|once|recently|previously|earlier|finally"
            "|eventually|initially|originally")
_PERSON = "he|she|they|his|her|their|him|them"
_OPENER = re.compile(
    rf"^[\"“‘'«(\[]*(?!{_DUMMY_IT})(?:(?:{_CONNECTIVES})\b|{_REFERENCE}|(?:{_PREPOSITIONS})\s+(?:{_REFERENCE})"
    rf"|(?:{_ADVERBS}),?\s+(?:{_PERSON})\b)",
    re.IGNORECASE)


def opens_on_reference(sentence: str) -> bool:
    """Whether `sentence` opens on a word or phrase that points back at an earlier sentence."""
    return bool(_OPENER.match(sentence.strip()))


# A quote's speaker given only as a pronoun ("…," he said): who spoke is in an earlier sentence.
_PRONOUN_SPEAKER = re.compile(r"[,”\"'’]\s+(?:he|she|they)\s+(?:said|says|added|adds|told|tells|explained|warned"
                              r"|insisted|claimed|wrote)\b", re.IGNORECASE)


def stands_alone(sentence: str) -> bool:
    """Whether `sentence` can be read without the one before it: it leans on none (`leans_back`), and a quote in it
    does not leave its speaker to a pronoun."""
    return not leans_back(sentence) and not _PRONOUN_SPEAKER.search(sentence)


def leans_back(sentence: str) -> bool:
    """Whether `sentence` leans on the one before it: it opens on a reference back, or closes a quotation that an
    earlier sentence opened ('… the brokenness."', '… asking for Tamiflu," one pharmacist said.'), whose start,
    and often who spoke, is there."""
    return opens_on_reference(sentence) or _first_quote(sentence) == "close"


_QUOTE_MARK = re.compile(r'["“”]')
_BEFORE_OPENING = "([{—–-/"
_AFTER_CLOSING = ".,;:!?)]…—–-"


def _first_quote(sentence: str) -> str | None:
    """"open" or "close": what the first double quotation mark of `sentence` does; None when it has none. A
    straight mark closes after a word or a stop and before a space, a stop or the end; else it opens."""
    return _quote_role(sentence, next(_QUOTE_MARK.finditer(sentence), None))


def _last_quote(sentence: str) -> str | None:
    """What the last double quotation mark of `sentence` does (see `_first_quote`)."""
    return _quote_role(sentence, next(reversed(list(_QUOTE_MARK.finditer(sentence))), None))


def _quote_role(sentence: str, mark: re.Match[str] | None) -> str | None:
    if mark is None:
        return None
    if mark.group() != '"':
        return "open" if mark.group() == "“" else "close"
    before, after = sentence[mark.start() - 1:mark.start()], sentence[mark.end():mark.end() + 1]
    closes = (before and not before.isspace() and before not in _BEFORE_OPENING
              and (not after or after.isspace() or after in _AFTER_CLOSING))
    return "close" if closes else "open"


# A fact box's label ("Born: ", "Also known as: ", "Biggest hits: "): a capitalised word and up to three more.
_FACT_LABEL = re.compile(r"(?:^|(?<=\s))[A-Z][a-z]+(?: [a-z]+){0,3}: ")


def is_fact_box(sentence: str) -> bool:
    """Whether `sentence` is a fact box read as one sentence ("Born: 29 August 1958, Gary, Indiana Also known as:
    The King of Pop Biggest hits: …"): two or more labels. Prose has at most one ("The minister said: …")."""
    return len(_FACT_LABEL.findall(sentence)) >= 2


def is_list_item(sentence: str) -> bool:
    """A bulleted or numbered list item ("- Trade Deals: …", "2) …")."""
    return bool(LIST_ITEM.match(sentence.strip()))


def previous_sentences(texts: Sequence[str]) -> list[int | None]:
    """For each line of a text, the index of the sentence before it, headings and captions (lines that end in
    no sentence mark) skipped: what a back-reference at its start points to."""
    out: list[int | None] = []
    last: int | None = None
    for k, text in enumerate(texts):
        out.append(last)
        if SENTENCE_END.search(text.strip()):
            last = k
    return out


def antecedents(texts: Sequence[str], raw: Sequence[str], j: int,
                previous: Sequence[int | None]) -> tuple[int, ...] | None:
    """The earlier sentences sentence j of a text leans on (none when it stands alone); None when too many or
    unusable. `texts` are the sentences as shown, `raw` as written (list markers kept), `previous` is
    `previous_sentences(texts)`.

    A sentence opening on a back-reference leans on the sentence before it (headings skipped), and on, while
    that one does too; one closing a quotation, back to the sentence that opened it; a list item leans on the
    line that introduces its list."""
    if is_list_item(raw[j]):
        k = j - 1
        while k >= 0 and is_list_item(raw[k]):
            k -= 1
        if k < 0 or not raw[k].endswith(":"):
            return ()
        at: int | None = k
    elif leans_back(texts[j]):
        at = previous[j]
    else:
        return ()
    chain: list[int] = []
    quoting = _first_quote(texts[j]) == "close"  # back to the sentence that opens the quotation
    while at is not None:
        chain.append(at)
        if len(chain) > MAX_ANTECEDENTS:
            return None
        if quoting:
            last = _last_quote(texts[at])
            if last == "close":
                return None  # the quotation's start is not where it should be: marks out of step
            quoting = last is None
        at = previous[at] if quoting or leans_back(texts[at]) else None
    if quoting:
        return None  # a quotation closed that no sentence before it opened
    if any(word_count(texts[k]) < 3 or is_list_item(raw[k]) or is_fact_box(texts[k]) for k in chain):
        return None  # an item of a list is no antecedent (it would come without its lead-in), nor a fact box
    return tuple(sorted(chain))


def dangling(briefing: Sequence[tuple[int, int]], opens: Sequence[bool],
             previous: Sequence[Sequence[int | None]]) -> list[bool]:
    """For each briefing sentence, given as (source, index in that source) with whether it opens on a
    reference: True when it does and the sentence before it in its source (`previous[source][index]`, see
    `previous_sentences`) is not right before it here. An article's first sentence leans on nothing."""
    out = []
    for k, ((source, index), leans) in enumerate(zip(briefing, opens, strict=True)):
        before = previous[source][index]
        out.append(leans and before is not None and (k == 0 or briefing[k - 1] != (source, before)))
    return out
