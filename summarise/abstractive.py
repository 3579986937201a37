"""Abstractive briefings with any transformers seq2seq model, loaded on first use and once per process.

Two kinds of model, told apart by their config's `model_type`:
- summarisation models (BART, Pegasus, ...; default sshleifer/distilbart-cnn-12-6) are given the text itself;
- instruction-following text2text models (the T5 family, e.g. google/flan-t5-base) are given it inside the
  templates in prompts/ (short.txt, long.txt; their variables are documented in prompts/README.md).
A text longer than the model's window is never truncated: it is cut at sentence boundaries into chunks that fit,
each chunk is summarised (map), and the summaries are summarised in turn (reduce) until they fit in one window.
Outputs are cut back to whole sentences, repeated sentences are dropped, and the word budget is kept.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ConfigError, SummariseError
from .text import paragraphs, sentences, word_count

PROMPTED_TYPES = frozenset({"t5", "mt5", "umt5", "longt5"})  # text2text models that follow instructions
KINDS = ("short", "long")
VARIABLES = ("text", "max_words", "n_sources", "language")  # what a template may use (prompts/README.md)
REQUIRED = ("text", "max_words")  # what a template must use
TOKENS_PER_WORD = 1.5  # generous for English subword vocabularies; a longer output is cut by whole sentences
MAP_SHARE = 3  # a chunk's summary gets at most a third of a chunk's tokens, so each map-reduce round shrinks the text
_TERMINAL = re.compile(r"[.!?…][\"”’')»]*$")
_NORM = re.compile(r"\W+")


def prompts_dir() -> Path:
    """prompts/ beside the package in a checkout (and editable install), or inside it in an installed wheel."""
    here = Path(__file__).resolve().parent
    for folder in (here / "prompts", here.parent / "prompts"):
        if folder.is_dir():
            return folder
    raise SummariseError("the prompt templates are missing; reinstall summarise (`pip install summarise`)")


def load_template(kind: str, folder: Path | None = None) -> str:
    """The `short` or `long` template, checked: it uses {text} and {max_words}, and no unknown variable."""
    path = (folder or prompts_dir()) / f"{kind}.txt"
    try:
        template = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt template {path} cannot be read ({exc.strerror}); restore it") from None
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ConfigError(f"prompt template {path}: {exc}; write literal braces as {{{{ and }}}}") from None
    for name in sorted(used - set(VARIABLES)):
        raise ConfigError(f"prompt template {path} uses unknown variable {{{name}}}; "
                          f"the variables are {', '.join('{' + v + '}' for v in VARIABLES)}")
    for name in REQUIRED:
        if name not in used:
            raise ConfigError(f"prompt template {path} lacks the variable {{{name}}}; add it (see prompts/README.md)")
    return template


def _load(source: str, options: dict[str, Any]) -> tuple[Any, Any]:
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer

    config = AutoConfig.from_pretrained(source, **options)
    if not config.is_encoder_decoder:
        raise ValueError(f"{source} is a {config.model_type} model, not a seq2seq (encoder-decoder) one")
    return (AutoTokenizer.from_pretrained(source, **options),
            AutoModelForSeq2SeqLM.from_pretrained(source, config=config, **options))


@cache
def load_model(model: str, device: str) -> tuple[Any, Any]:
    """Tokenizer and model for a hub id or directory, loaded once per process; ModelUnavailableError if absent."""
    from .translation import hub

    tokenizer, loaded = hub.fetch(model, _load)
    hub.to_device(loaded, device)
    return tokenizer, loaded.eval()


def tidy(text: str, max_words: int) -> str:
    """Whole sentences only, each once, within `max_words` (a first sentence longer than that is kept whole)."""
    kept: list[str] = []
    seen: set[str] = set()
    for sentence in (s for p in paragraphs(text) for s in sentences(p)):
        key = _NORM.sub(" ", sentence.lower()).strip()
        if not _TERMINAL.search(sentence) or key in seen:
            continue  # an unfinished last sentence (the token limit), or one said already
        if kept and word_count(" ".join([*kept, sentence])) > max_words:
            break
        kept.append(sentence)
        seen.add(key)
    return " ".join(kept)


class Seq2SeqWriter:
    """Writes short and long briefings of a text with one seq2seq model (see the module docstring)."""

    def __init__(self, model: str, *, device: str, beams: int, prompts: Path | None = None) -> None:
        self.model = model
        self.device = device
        self.beams = beams
        self.prompts = prompts
        self.calls: list[str] = []  # every input given to the model, in order (map-reduce is visible in tests)

    def load(self) -> None:
        """Load the model now (the first write would), raising ModelUnavailableError when it cannot be had."""
        load_model(self.model, self.device)

    @property
    def prompted(self) -> bool:
        """True for instruction-following models, which get the templates."""
        return load_model(self.model, self.device)[1].config.model_type in PROMPTED_TYPES

    @property
    def window(self) -> int:
        """The most tokens the model reads (or writes) at once."""
        from .translation.core import model_limit

        tokenizer, model = load_model(self.model, self.device)
        return model_limit(getattr(model.config, "max_position_embeddings", None), tokenizer.model_max_length)

    def count_tokens(self, text: str) -> int:
        """Input tokens for `text`, special tokens included."""
        return len(load_model(self.model, self.device)[0](text)["input_ids"])

    def write(self, text: str, kind: str, *, max_words: int, min_words: int = 0, n_sources: int = 1) -> str:
        """A `short` or `long` briefing of `text`: whole sentences, at most `max_words` words; map-reduce if long."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        final, partial = self._template(kind), self._template("long")
        budget = self.window - max(self._overhead(final), self._overhead(partial))
        if budget < 16:
            raise ConfigError(f"the prompt templates leave model {self.model!r} no room for text; shorten them")
        chunks = self._chunks(text, budget)
        while len(chunks) > 1:
            size = self.count_tokens(" ".join(chunks))
            most = budget // MAP_SHARE
            summaries = [self._generate(chunk, partial, int(most / TOKENS_PER_WORD), 0, n_sources, most)
                         for chunk in chunks]
            text = " ".join(s for s in summaries if s)
            chunks = self._chunks(text, budget)
            if len(chunks) > 1 and self.count_tokens(text) >= size:
                raise SummariseError(f"model {self.model!r} does not shorten long texts; use a summarisation model")
        most = min(int(max_words * TOKENS_PER_WORD) + 8, self.window)  # the decoder has `window` positions too
        return tidy(self._generate(chunks[0] if chunks else "", final, max_words, min_words, n_sources, most),
                    max_words)

    def _template(self, kind: str) -> str:
        return load_template(kind, self.prompts) if self.prompted else "{text}"

    def _overhead(self, template: str) -> int:
        """Tokens the template itself takes around the text."""
        return self.count_tokens(template.format(text="", max_words=999, n_sources=99, language="English"))

    def _chunks(self, text: str, budget: int) -> list[str]:
        """Consecutive whole sentences packed into chunks of at most `budget` tokens; over-long ones split."""
        from .translation import fit

        chunks: list[str] = []
        for sentence in (s for p in paragraphs(text) for s in sentences(p)):
            for piece in fit(sentence, self.count_tokens, budget):
                if chunks and self.count_tokens(f"{chunks[-1]} {piece}") <= budget:
                    chunks[-1] = f"{chunks[-1]} {piece}"
                else:
                    chunks.append(piece)
        return chunks

    def _generate(self, text: str, template: str, max_words: int, min_words: int, n_sources: int,
                  max_tokens: int) -> str:
        """One model call: the text (inside the template for prompted models), at most `max_tokens` out."""
        import torch

        tokenizer, model = load_model(self.model, self.device)
        prompt = template.format(text=text, max_words=max_words, n_sources=n_sources, language="English")
        self.calls.append(prompt)
        inputs = tokenizer([prompt], return_tensors="pt").to(model.device)
        with torch.inference_mode():
            output = model.generate(**inputs, num_beams=self.beams, do_sample=False, no_repeat_ngram_size=3,
                                    max_new_tokens=max_tokens, min_new_tokens=min(min_words, max_tokens))
        return str(tokenizer.batch_decode(output, skip_special_tokens=True)[0]).strip()
