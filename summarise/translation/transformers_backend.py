"""The transformers backend: MarianMT (opus-mt) or any other seq2seq model, on CPU or GPU."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..config import Settings
from . import hub
from .core import model_limit, output_limit


def _load(source: str, options: dict[str, Any]) -> tuple[Any, Any]:
    """Tokenizer and model from a directory or hub id; Marian classes for Marian configs."""
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer, MarianMTModel, MarianTokenizer
    from transformers.utils import logging as hf_logging

    quiet: Callable[[], None] = hf_logging.disable_progress_bar  # untyped in transformers

    quiet()  # a "Loading weights" bar per model would bury our own progress bar

    config = AutoConfig.from_pretrained(source, **options)
    marian = config.model_type == "marian"
    with warnings.catch_warnings():
        # MarianTokenizer recommends sacremoses, but its tokenization never calls the normalizer it would build.
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = (MarianTokenizer if marian else AutoTokenizer).from_pretrained(source, **options)
    model = (MarianMTModel if marian else AutoModelForSeq2SeqLM).from_pretrained(source, config=config, **options)
    return tokenizer, model


class TransformersTranslator:
    """Translates batches of sentences with a transformers seq2seq model, deterministically (beam search)."""

    def __init__(self, model: str, settings: Settings) -> None:
        self.model = model
        self._tokenizer, self._model = hub.fetch(model, _load)
        hub.to_device(self._model, settings.device)
        self._model.eval()
        self._beams, self._ratio = settings.beam_size, settings.max_output_ratio
        self.limit = model_limit(getattr(self._model.config, "max_position_embeddings", None),
                                 self._tokenizer.model_max_length)  # 512 for opus-mt
        # Inputs get half the positions so that the output, bounded below, has room to be longer than its source.
        self.max_input_tokens = self.limit // 2

    def count_tokens(self, text: str) -> int:
        """Input tokens for `text`, special tokens included."""
        # verbose=False: counting an over-long text (to split it) is not an error worth a warning.
        return len(self._tokenizer(text, verbose=False)["input_ids"])

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """One translation per sentence, in order."""
        if not sentences:
            return []
        import torch

        inputs = self._tokenizer(list(sentences), return_tensors="pt", padding=True).to(self._model.device)
        # Bound the output relative to the input to stop runaway (repeating) generation. An output that hits the
        # bound is cut short, but the input never is: translate_text keeps inputs within max_input_tokens.
        bound = output_limit(inputs["input_ids"].shape[1], self._ratio, self.limit)
        with torch.inference_mode():
            # max_length=None: opus-mt generation configs set max_length=512, which would warn on every batch.
            output = self._model.generate(**inputs, num_beams=self._beams, do_sample=False, max_new_tokens=bound,
                                          max_length=None)
        return [text.strip() for text in self._tokenizer.batch_decode(output, skip_special_tokens=True)]
