"""Calendar dates in page text (English, Portuguese, Russian): `find_date` reads the first one as ISO 8601;
`is_date_line` tells a dateline ("Published: 12 March 2025, 09:14 GMT") from a sentence that names a date,
and `is_time_or_day` a bare clock time or a day without a year ("22:00", "Jan 23, Thu"), which is page
furniture (teaser lists print them). `check_date` checks a --date.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime

from .errors import ConfigError

__all__ = ["check_date", "find_date", "headline", "is_date_line", "is_time_or_day", "without_time_stamp"]

_MONTH_NAMES = (
    "january jan janeiro janv января январь янв",
    "february feb fevereiro fev февраля февраль фев",
    "march mar março marco марта март",
    "april apr abril abr апреля апрель апр",
    "may maio mai мая май",
    "june jun junho июня июнь",
    "july jul julho июля июль",
    "august aug agosto ago августа август авг",
    "september sep sept setembro set сентября сентябрь сен",
    "october oct outubro out октября октябрь окт",
    "november nov novembro ноября ноябрь ноя",
    "december dec dezembro dez декабря декабрь дек",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}

_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY, _YEAR = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?", r"(?P<year>(?:19|20)\d\d)"
_DATE_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>\d\d)-(?P<day>\d\d)(?!\d)",  # also 2025-01-07T10:00:00Z
    rf"\b{_DAY}\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+)?{_YEAR}\b",
    rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b",
    r"\b(?P<day>\d{1,2})[./](?P<mnum>\d{1,2})[./](?P<year>(?:19|20)\d\d)\b",
)]
_TIME = re.compile(r"(?<![\d:])(?P<h>[01]?\d|2[0-3])[:h.](?P<m>[0-5]\d)(?::[0-5]\d)?(?![\d:])"
                   r"(?:\s*(?P<ampm>[ap]\.?m\.?))?",
                   re.IGNORECASE)
_YEAR_ANYWHERE = re.compile(r"(?:19|20)\d\d")
_ANY_MONTH = _MONTH.replace("?P<month>", "?:")
_YEARLESS_DATE = re.compile(
    rf"^(?:\w+,?\s+)?(?:{_ANY_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+(?:de\s+)?{_ANY_MONTH})(?:,?\s+\w+)?$", re.IGNORECASE)
_LABEL_WORDS = r"(?:last )?(?:published|updated|posted|publicado|atualizado|actualizado|опубликовано|обновлено)"
_DATE_LABEL = re.compile(rf"^{_LABEL_WORDS}\b", re.IGNORECASE)
# A page's time stamp glued to the start of a sentence: a run of stamp pieces (a date label, a weekday, a date with its
# year, a clock time with its zone, separators) that holds a date and a clock time, so that prose that opens on a date
# keeps it: "Tuesday, September 30, 2008; 10:10 AM Most Americans…", "Wednesday 14 December 2005 18.17 GMT The…",
# "May 15, 2009 14:06 UTC--Paul…", "Last updated: 14 January, 2010 - 17:26 GMT Haiti…", and as BBC pages print it,
# "24 June 2010 Last updated at 14:59 GMT Help A year on…" (the page's Help link), "Page last updated at 23:19 GMT,
# Tuesday, 19 January 2010 09:58 UK Born amid…" (with the headline pasted before it, which goes too), or after a
# byline, "Fergus Walsh | 10:25 UK time, Monday, 15 June 2009 I'm going…", "By Rob Kendt Thursday 9 June 2005 11.08
# BST Big…". A time zone only from the list, so that "… 14:06 UN inspectors" keeps "UN".
_WEEKDAY_ABBREVIATIONS = "Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun"  # "Thu May 14, 2009 4:16 pm EDT", as Reuters prints it
_ZONES = r"(?:UK time|GMT|BST|UTC|ET|EST|EDT|CST|CDT|PST|PDT|CET|CEST|MSK|WET|WEST)\b"
_STAMP_PIECE = re.compile(
    rf"(?:(?i:(?:page\s+)?{_LABEL_WORDS})(?:\s+(?:at|on))?:?|(?:[A-Z][a-z]{{2,8}}day|{_WEEKDAY_ABBREVIATIONS})\b\.?,?|at\b"
    rf"|(?P<date>(?i:{_ANY_MONTH}\s+\d{{1,2}},?|\d{{1,2}}\s+{_ANY_MONTH},?)\s+\d{{4}}\b,?)"
    rf"|(?P<uk>UK\b)|(?P<clock>\d{{1,2}}[:.]\d{{2}}(?!\d)(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+{_ZONES})?,?)|[;|—–-]+)\s*")
_STAMP_LEAD = re.compile(r"(?P<headline>[^.!?|]{0,150}?(?=\b(?:Page last|Last) updated\b))"
                         r"|(?:By\s+)?(?:[A-Z][\w'’.-]*\s+){1,4}\|\s*|By\s+(?:[A-Z][\w'’.-]*\s+){1,3}")
# A title pasted with the headline and standfirst, then the stamp and the first sentence, as Guardian pages print them
# ("Iraq Survey Group concludes dictator destroyed weapons years before invasion Thursday 13 January 2005 03.10 GMT
# The US investigators…"): no sentence end before a weekday, date, year, clock and zone; not after "on", "at", …,
# which is prose ("The quake struck on Tuesday 12 January 2010 16.53 GMT …").
_PASTED_HEADLINE = re.compile(
    rf"(?P<headline>[^.!?|]{{0,300}}?[^\W_]['’\"”)]?)\s+(?=[A-Z][a-z]{{2,8}}day\s+\d{{1,2}}\s+(?i:{_ANY_MONTH})\s+"
    rf"\d{{4}}\s+\d{{1,2}}[.:]\d{{2}}\s+{_ZONES})")
_LEADS_INTO_DATE = frozenset({"on", "at", "by", "from", "since", "until", "till", "before", "after", "of", "to",
                              "and", "or", "was", "is", "between", "that", "the"})
_STAMP_END = re.compile(r"(?:Help\s+)?(?=[A-Z\"“‘'])")
_STAMP_PIECES = 16  # a stamp is short: this bounds the work on a hostile line
# What a web server prints where a page's server-side include failed (Apache's default message), often right after
# the stamp, and page furniture wherever it is.
_SERVER_ERROR = re.compile(r"[\[(]an error occurred while processing this directive[\])]\s*", re.IGNORECASE)
_TIME_ONLY = re.compile(r"^\d{1,2}[:h.]\d{2}(?:\s*[ap]\.?m\.?)?$", re.IGNORECASE)


def _date_match(text: str) -> tuple[re.Match[str], datetime] | None:
    if not _YEAR_ANYWHERE.search(text):  # cheap test first: every full date carries a year
        return None
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = int(parts["mnum"]) if parts.get("mnum") else _MONTHS[parts["month"].lower()]
            day = int(parts["day"])
            if parts.get("mnum") and "-" not in match.group(0) and month > 12 >= day:
                day, month = month, day  # 03/17/2025: month first, the US way
            try:
                return match, datetime(int(parts["year"]), month, day)
            except ValueError:
                continue
    return None


def find_date(text: str) -> str | None:
    """The first calendar date in `text` as ISO 8601 (with HH:MM when a time sits next to it), or None."""
    found = _date_match(text)
    if found is None:
        return None
    match, date = found
    near = text[max(0, match.start() - 12):match.start()] + " | " + text[match.end():match.end() + 16]
    time = _TIME.search(near)
    if time is None:
        return date.date().isoformat()
    hour, ampm = int(time["h"]), (time["ampm"] or "").lower().replace(".", "")
    hour = hour % 12 + (12 if ampm == "pm" else 0) if ampm else hour
    return f"{date.date().isoformat()}T{hour:02d}:{int(time['m']):02d}"


def is_date_line(text: str) -> bool:
    """A line that is a date and little else ("Published: 12 March 2025, 09:14 GMT")."""
    found = _date_match(text)
    if found is None:
        return False
    rest = _TIME.sub(" ", text[:found[0].start()] + " " + text[found[0].end():])
    others = len(re.findall(r"[^\W\d_]{2,}", rest))
    if _DATE_LABEL.match(text):
        return others <= 8
    return others <= 4 and not (others >= 3 and text.endswith("."))  # "The vote is on 7 May 2025."


def without_time_stamp(sentence: str) -> str:
    """`sentence` without a page's time stamp glued to its start (see _STAMP_PIECE), with the headline pasted before
    it (_PASTED_HEADLINE), and without a web server's error message (_SERVER_ERROR)."""
    sentence = _SERVER_ERROR.sub("", sentence)
    found = _stamp(sentence)
    return sentence[found[1]:] if found else sentence


def headline(title: str) -> str:
    """A page's title without its time stamp: the headline pasted before the stamp when there is one ("Iraq Survey
    Group concludes … Thursday 13 January 2005 03.10 GMT The US investigators…", _PASTED_HEADLINE), else what
    follows it."""
    title = _SERVER_ERROR.sub("", title)
    found = _stamp(title)
    if found is None:
        return title
    lead, body = found
    return lead if len(lead.split()) >= 3 else title[body:]


def _stamp(sentence: str) -> tuple[str, int] | None:
    """(the headline pasted before the page's time stamp, "" if none; where the sentence after it starts), or None
    when `sentence` does not open on a stamp. A body's sentence can carry the pasted headline too, where the page's
    title was glued to its text."""
    found = (_STAMP_LEAD.match(sentence), _PASTED_HEADLINE.match(sentence))
    for lead in (None, *(m for m in found if m is not None)):
        if lead and lead.re is _PASTED_HEADLINE and lead["headline"].split()[-1].lower() in _LEADS_INTO_DATE:
            continue  # "The quake struck on Tuesday 12 January 2010 16.53 GMT …": prose, not a page's header
        at = lead.end() if lead else 0
        seen: list[str] = []
        for _ in range(_STAMP_PIECES):
            piece = _STAMP_PIECE.match(sentence, at)  # every piece is at least one character
            if piece is None:
                break
            if piece["uk"] and not (seen[-1:] == ["clock"] and seen.count("clock") > 1):
                break  # "… GMT, 24 June 2010 09:58 UK": the local time after a GMT one; else "UK" opens the sentence
            seen += [next((name for name in ("date", "clock") if piece[name]), "other")]
            at = piece.end()
        end = _STAMP_END.match(sentence, at)
        if {"date", "clock"} <= set(seen) and end is not None:
            return (lead["headline"] or "").strip() if lead else "", end.end()
    return None


def is_time_or_day(text: str) -> bool:
    """A line that is only a clock time ("22:00", "6:41 PM") or a day without a year ("Jan 23, Thu")."""
    return bool(_TIME_ONLY.match(text) or _YEARLESS_DATE.match(text))


def publication_day(published: str | None) -> dt.date | None:
    """The calendar day of an ISO 8601 date or timestamp, else None."""
    try:
        return dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


def short_date(day: dt.date) -> str:
    """'7 Jan 2025'."""
    return f"{day.day} {day.strftime('%b')} {day.year}"


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_date(value: str) -> str:
    """A real calendar date written YYYY-MM-DD (it names a folder, so nothing else may pass)."""
    try:
        if _ISO_DAY.fullmatch(value):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ConfigError(f"--date {value!r} is not a date; write it as YYYY-MM-DD, e.g. {dt.date.today().isoformat()}")
