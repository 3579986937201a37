"""Where the article stands in a page of classified lines: repeated lines and teasers printed twice,
"Read next" and "Related" markers, the stretch with the best balance of prose over furniture, and inside
and above it, which lines are the article's text, headline and standfirst (stages 2 to 5 in `clean`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .pageline import BLANK, BLOCK, END, META, NOISE, TEXT, Line, is_source, marker_rest, words_in

__all__ = ["apply_markers", "glued_headline", "header", "headline_of", "keep_article", "mark_repeats", "region"]


def mark_repeats(lines: list[Line]) -> None:
    """Lines printed twice are furniture (menus, teasers); a repeated sentence keeps its first copy."""
    seen: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if line.kind in (TEXT, NOISE, META):
            seen.setdefault(line.text.lower(), []).append(i)
    for where in seen.values():
        if len(where) > 1:
            for i in where[1:] if lines[where[0]].sentence else where:
                lines[i].kind = NOISE
    _mark_teaser_copies(lines, [where[0] for text, where in seen.items() if len(text) >= 40])


def _mark_teaser_copies(lines: list[Line], candidates: list[int]) -> None:
    """A line that is the start or end of a longer one: a teaser, and a title+teaser line holding it."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i in candidates:
        low = lines[i].text.lower()
        groups.setdefault(("head", low[:40]), []).append(i)
        groups.setdefault(("tail", low[-40:]), []).append(i)
    for group in groups.values():
        if len(group) < 2:
            continue
        short = min(group, key=lambda i: len(lines[i].text))
        if any(lines[short].text.lower() in lines[i].text.lower() for i in group if i != short):
            for i in group:
                lines[i].kind = NOISE


def _next_text(lines: list[Line], i: int) -> int | None:
    """Index of the next non-blank line after i."""
    return next((j for j in range(i + 1, len(lines)) if lines[j].kind != BLANK), None)


def _resumes(lines: list[Line], i: int) -> bool:
    """Two prose lines in a row at i: the article goes on (teaser lists interleave times and labels)."""
    j = _next_text(lines, i)
    return j is not None and all(line.kind == TEXT and line.sentence and line.words >= 8
                                 for line in (lines[i], lines[j]))


def apply_markers(lines: list[Line], drop: list[bool]) -> None:
    """Drop what follows "Read next" (until the article resumes) and the lists after "Related"."""
    i, prose_seen = 0, False
    while i < len(lines):
        prose_seen = prose_seen or (lines[i].kind == TEXT and lines[i].sentence and lines[i].words >= 8)
        # In a menu above the article, "Latest" is just a link; below it, "Source: ..." closes it.
        if prose_seen and (lines[i].kind == END or is_source(lines[i].text)):
            i += 1
            while i < len(lines) and not _resumes(lines, i):
                drop[i] = True
                i += 1
        elif lines[i].kind == BLOCK and not marker_rest(lines[i].text):
            i = _drop_list(lines, drop, i + 1)
        else:
            i += 1


def _drop_list(lines: list[Line], drop: list[bool], i: int) -> int:
    """Drop the short lines of a link list starting at i; stop at prose or a blank after an item."""
    items = 0
    while i < len(lines) and items < 12:
        line = lines[i]
        if line.kind == BLANK:
            if items:
                break
        elif line.sentence and line.kind == TEXT:
            break
        else:
            drop[i] = True
            items += 1
        i += 1
    return i


def _score(line: Line) -> float:
    """Evidence for 'article' (prose, by length) against 'page' (furniture, short lines)."""
    if line.kind == BLANK:
        return 0.0
    if line.kind != TEXT:
        return -6.0
    if line.sentence:
        return float(min(line.words, 25))
    return 1.0 if line.bullet and line.words >= 3 else -2.0


def region(lines: list[Line], drop: list[bool]) -> tuple[int, int]:
    """[start, end) of the maximum-sum stretch of line scores; empty when no prose at all."""
    best, best_span, total, start = 0.0, (0, 0), 0.0, 0
    for i, line in enumerate(lines):
        if total <= 0:
            total, start = 0.0, i
        total += -6.0 if drop[i] else _score(line)
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


# --- inside and above the article --------------------------------------------------------

_STOPWORDS = frozenset([
    "this", "that", "with", "from", "have", "will", "were", "been", "they", "their", "there", "which", "what",
    "when", "where", "about", "after", "into", "over", "more", "than", "also", "said", "says", "para", "como",
    "pelo", "pela", "pelos", "pelas", "está", "foram", "sobre", "mais", "isso", "esta", "este", "essa", "esse",
    "entre", "quando", "onde", "após", "ainda", "которые", "который", "также", "после", "было", "были", "этот",
    "этой", "того", "чтобы", "когда"
])


def _stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in words_in(text) if len(w) >= 4 and w.lower() not in _STOPWORDS}


def _is_teaser(lines: list[Line], i: int) -> bool:
    """A headline-like line (7+ words) sharing no word with the paragraph after it links elsewhere."""
    line = lines[i]
    j = _next_text(lines, i)
    if not line.heading or line.words < 7 or j is None or not lines[j].sentence:
        return False
    return not _stems(line.text) & _stems(lines[j].text)


def _drop_pull_quotes(lines: list[Line], keep: list[bool], start: int, end: int) -> None:
    """A quoted line without a full stop whose words mostly repeat another paragraph is a pull quote."""
    kept = [i for i in range(start, end) if keep[i]]
    for i in kept:
        line = lines[i]
        if not line.heading or line.text[:1] not in "\"“«'‘„":
            continue
        stems = _stems(line.text)
        if len(stems) >= 4 and any(len(stems & _stems(lines[j].text)) >= 0.7 * len(stems) for j in kept if j != i):
            keep[i] = False


def _drop_link_runs(lines: list[Line], keep: list[bool], start: int, end: int) -> None:
    """Three or more short non-list lines in a row inside the article are a list of links."""
    run: list[int] = []
    for i in range(start, end + 1):
        line = lines[i] if i < end else None
        if line is not None and line.kind == BLANK:
            continue
        if line is not None and keep[i] and not line.sentence and not line.bullet:
            run.append(i)
            continue
        if len(run) >= 3:
            for k in run:
                keep[k] = False
        run = []


def _header_window(lines: list[Line], start: int) -> list[int]:
    """Non-blank lines above the article's first prose line, nearest first, up to a related-links list."""
    window: list[int] = []
    i = start - 1
    while i >= 0 and len(window) < 16 and lines[i].kind != BLOCK:
        if lines[i].kind != BLANK:
            window.append(i)
        i -= 1
    return window


def _in_byline(lines: list[Line], i: int) -> bool:
    """A short line touching a date or byline line ("Da Redação, em Brasília") is part of the byline."""
    touching = [lines[j].kind for j in (i - 1, i + 1) if 0 <= j < len(lines)]
    return lines[i].words <= 4 and META in touching


def header(lines: list[Line], start: int) -> tuple[int | None, list[int]]:
    """The headline and standfirst above the article's first prose line.

    Headlines sit above the byline and date; heading-like lines between the date and the body are
    captions and alt texts. Without a date or byline, the nearest heading-like line is the headline.
    """
    window = _header_window(lines, start)
    meta = next((k for k, i in enumerate(window) if lines[i].kind == META), None)
    order = window
    if meta is not None:  # above the date first, then between it and the body, topmost first
        order = window[meta + 1:] + window[:meta][::-1]
    candidates = [i for i in order if lines[i].heading and not _in_byline(lines, i)]
    if not candidates:
        return None, []
    title = candidates[0]
    above = _next_above(lines, title)
    if above is not None and lines[above].heading and not _in_byline(lines, above):
        title = above  # a headline, then a standfirst without a full stop
    limit = next((i for i in reversed(window) if i > title and lines[i].kind == META), start)
    standfirst = [i for i in range(title + 1, limit)
                  if lines[i].kind == TEXT and (lines[i].sentence or lines[i].heading) and not _in_byline(lines, i)]
    return title, standfirst


def _next_above(lines: list[Line], i: int) -> int | None:
    return next((j for j in range(i - 1, -1, -1) if lines[j].kind != BLANK), None)


def _trailing_list(lines: list[Line], drop: list[bool], end: int) -> int:
    """Extend the article over a list that its last line introduces ("... include:")."""
    last = _next_above(lines, end)
    if last is None or not lines[last].text.endswith(":"):
        return end
    i = end
    while i < len(lines) and (lines[i].kind == BLANK or (lines[i].bullet and not drop[i])):
        i += 1
    return i


def keep_article(lines: list[Line], drop: list[bool], start: int, end: int) -> list[bool]:
    """Which lines of the article stretch [start, end) are its text."""
    keep = [False] * len(lines)
    end = _trailing_list(lines, drop, end)
    for i in range(start, end):
        keep[i] = lines[i].kind == TEXT and not drop[i] and not _is_teaser(lines, i) and not _in_byline(lines, i)
    _drop_link_runs(lines, keep, start, end)
    _drop_pull_quotes(lines, keep, start, end)
    return keep


# --- a headline glued to the sentence it heads ----------------------------------------------------

# Words that open an English sentence and are never capitalised inside one: what a capital marks after a headline
# whose line break was lost ("Haiti devastated by massive quake Thousands of people are feared dead after…").
_OPENERS = frozenset([
    "the", "a", "an", "it", "he", "she", "they", "we", "there", "this", "these", "those", "its", "his", "her",
    "their", "our", "many", "some", "most", "several", "thousands", "hundreds", "dozens", "millions", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "mr", "mrs", "ms", "dr", "after", "as",
    "when", "while", "but", "if", "in", "on", "at", "for", "with", "more"])
_ARTICLES = frozenset(["the", "a", "an"])
_BEFORE_OPENER = frozenset(["a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or",
                            "as", "into", "about", "over", "after", "before", "than", "is", "was", "are", "were",
                            "be", "his", "her", "its", "their", "our", "my", "your", "this", "that"])
_GLUE_HEAD = (3, 15)  # words of a headline
_GLUE_REST = 6  # words, at least, of the sentence after it
_HEAD_BREAK = re.compile(r"[.!?|]")
_CLOSING = "'’\"”)"
_SENTENCE_END = re.compile(r"[.!?][\"”’')]?$")
_LOWERCASE = re.compile(r"\b[a-z][a-z'’-]+\b")  # words a page writes in lower case


def glued_headline(line: str, lowercase: Collection[str] = ()) -> tuple[str, str] | None:
    """(headline, sentence) of a line that runs a headline into the sentence it heads, with no full stop between,
    or None. The sentence opens on a capitalised word that never is one inside an English sentence (`_OPENERS`),
    or that its page writes in lower case elsewhere (`lowercase`: "Relatives of…") with a lower-case word after it;
    the headline before it is 3 to 15 words without a sentence's end, and ends on a word (or its closing quote)
    that does not lead into another ("… the coverage of Hurricane Katrina"). A Title Case headline splits only
    before "The", "A" or "An"."""
    words = line.split()
    if len(words) < _GLUE_HEAD[0] + _GLUE_REST or not _SENTENCE_END.search(line.rstrip()):
        return None
    for at in range(_GLUE_HEAD[0], min(_GLUE_HEAD[1], len(words) - _GLUE_REST) + 1):
        head, word, after = words[:at], words[at].strip("\"“‘'`"), words[at + 1]
        if _HEAD_BREAK.search(" ".join(head)):
            return None  # a headline holds no sentence's end (nor "U.S.", to be safe); a longer one neither
        if (not word[:1].isupper() or (word.isupper() and len(word) > 1) or head[-1].lower() in _BEFORE_OPENER
                or not (head[-1][-1].isalnum() or (head[-1][-1] in _CLOSING and head[-1][:-1]))):
            continue  # "… coverage of Hurricane", "Nicola Sturgeon: `", "GENEVA (Reuters) -": not a headline's end
        low = word.lower()
        title_case = all(w[:1].isupper() or w.lower() in _BEFORE_OPENER or not w[:1].isalpha() for w in head)
        if low in _ARTICLES or (not title_case and head[-1][:1].islower() and (
                low in _OPENERS or (low in lowercase and after[:1].islower()))):
            return " ".join(head), " ".join(words[at:])
    return None


def headline_of(title: str, text: str) -> str:
    """A title to show as a headline: where it is the text's first line (or was cut from it) and that line runs a
    headline into the sentence it heads, the headline; else the title as it is. The text keeps the line whole."""
    first = text.split("\n", 1)[0].strip()
    if not first or not (title == first or (title.endswith("…") and first.startswith(title[:-1]))):
        return title
    glued = glued_headline(first, set(_LOWERCASE.findall(text)))
    return glued[0] if glued else title
