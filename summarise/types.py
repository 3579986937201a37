"""The frozen data that flows between the stages (see pipeline.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["ok", "skipped", "failed"]


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
    def exit_code(self) -> int:
        """0: everything briefed; 3: some inputs skipped or failed; 4: nothing briefed."""
        if not self.briefings:
            return 4
        return 3 if self.issues else 0
