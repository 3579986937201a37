"""The frozen data that flows between the stages (see pipeline.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .errors import ExitCode

Status = Literal["ok", "skipped", "failed"]
TRANSLATION_OFF = "translation disabled"  # the untranslated_reason of an article left as it is on purpose
UNDETERMINED = "language could not be determined"  # ... of one whose language (and so model) is unknown


@dataclass(frozen=True)
class Article:
    """One input article after ingest and boilerplate removal."""

    id: str  # stable: derived from the cleaned content
    path: str  # as found under the input folder (relative to it)
    title: str
    text: str  # cleaned body; paragraphs separated by blank lines
    url: str | None = None
    source: str | None = None  # outlet name or host
    published: str | None = None  # ISO 8601 when known
    encoding: str | None = None
    removed_lines: int = 0  # boilerplate lines dropped by clean.py


@dataclass(frozen=True)
class InputIssue:
    """An input that was not briefed, and why."""

    path: str
    status: Status  # "skipped" or "failed"
    reason: str


@dataclass(frozen=True)
class Language:
    """An ISO 639-1 code (or "und") and a confidence in [0, 1]."""

    code: str
    confidence: float


@dataclass(frozen=True)
class AlignedSentence:
    """One English sentence and the original sentence it translates (identical for English)."""

    source: str
    english: str


@dataclass(frozen=True)
class Translation:
    """A whole text, paragraph by paragraph, each English sentence aligned to its original."""

    language: str
    model: str | None  # None when no model was needed or none was available
    paragraphs: tuple[tuple[AlignedSentence, ...], ...]

    @property
    def text(self) -> str:
        return "\n\n".join(" ".join(s.english for s in p) for p in self.paragraphs)

    @property
    def sentences(self) -> tuple[AlignedSentence, ...]:
        return tuple(s for p in self.paragraphs for s in p)


@dataclass(frozen=True)
class Document:
    """An article ready to cluster and brief: language known, English text where it could be had."""

    article: Article
    language: Language
    title_en: str
    body: Translation  # English when translated or already English; else the original sentences
    translated: bool
    untranslated_reason: str | None = None  # set when a non-English article could not be translated

    @property
    def english(self) -> bool:
        """True when `body` holds English text."""
        return self.translated or self.language.code == "en"

    @property
    def missed(self) -> bool:
        """True when it should have been translated and could not be (no model), not when translation is off."""
        return not self.english and self.untranslated_reason not in (None, TRANSLATION_OFF, UNDETERMINED)


@dataclass(frozen=True)
class Citation:
    """Citation number n in a briefing refers to this article."""

    n: int
    article_id: str
    title: str
    source: str | None
    url: str | None
    language: str
    translated: bool
    copies: tuple[str, ...] = ()  # ids of syndicated copies merged into this source (their outlets are in `source`)
    published: str | None = None  # the source's publication day (ISO 8601), when known
    cited: bool = True  # False: no sentence of the briefing cites it (listed as "also reported by")
    earlier: bool = False  # True: an earlier day's source, cited by the story's background


@dataclass(frozen=True)
class Continuation:
    """A story followed from earlier days: when it was first and last briefed, and which day of it this is."""

    first_seen: str  # YYYY-MM-DD
    last_seen: str  # the last earlier day it was briefed
    day: int  # 1 on the day it was first seen


@dataclass(frozen=True)
class Briefing:
    """One story: a title, a short and a long briefing with [n] markers, and their sources."""

    id: str
    title: str
    short: str
    long: str
    article_ids: tuple[str, ...]
    citations: tuple[Citation, ...]
    untranslated: tuple[str, ...] = ()  # ids of sources that could not be translated
    replacements: int = 0  # generated sentences the faithfulness guard replaced by source sentences
    english: bool = True  # False: no source could be had in English, so title and text are in the original
    language: str = "en"  # the language of the title and text
    notice: str | None = None  # for a story not in English: what it is, and how to get it translated
    continues: Continuation | None = None  # set when the story was briefed on an earlier day (story memory)
    background: str = ""  # what came before, dated, cited to earlier sources ([n] markers): the story's own past,
    # or, for a new story, that of the remembered stories it is related to (`related`)
    related: tuple[str, ...] = ()  # a new story: ids of the related remembered stories its background draws on
    facets: tuple[tuple[str, ...], ...] = ()  # article ids per facet, when the story joined several (events.py)


@dataclass(frozen=True)
class Result:
    """Everything one run produced."""

    date: str
    documents: tuple[Document, ...]
    issues: tuple[InputIssue, ...]
    briefings: tuple[Briefing, ...]
    warnings: tuple[str, ...] = field(default=())
    outputs: tuple[str, ...] = field(default=())  # files written

    @property
    def exit_code(self) -> ExitCode:
        """OK, PARTIAL (some inputs skipped or failed, or not translated for want of a model) or NOTHING."""
        if not self.briefings:
            return ExitCode.NOTHING
        return ExitCode.PARTIAL if self.issues or any(d.missed for d in self.documents) else ExitCode.OK

    @property
    def notices(self) -> tuple[str, ...]:
        """Each distinct reason articles were left untranslated for want of a model, with how many: once per
        model, however many articles it cost."""
        counts: dict[str, int] = {}
        for d in self.documents:
            if d.missed and d.untranslated_reason:
                counts[d.untranslated_reason] = counts.get(d.untranslated_reason, 0) + 1
        return tuple(f"{n} article{'s' if n > 1 else ''} not translated: {reason}" for reason, n in counts.items())
