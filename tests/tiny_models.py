"""Tiny models and fixture text for tests: built in a temp dir in well under a second, loaded like real ones.

Random weights emit garbage, so tests that use them check structure (alignment, counts, order), not wording.
"""

from __future__ import annotations

import io
import json
import random
import warnings
from collections.abc import Sequence
from pathlib import Path

from summarise.config import Settings
from summarise.translation import Batched, Translator

_RU_SUBJECTS = ("Правительство", "Министр финансов", "Центральный банк", "Мэр города", "Комитет по бюджету",
                "Президент компании", "Верховный суд", "Профсоюз учителей", "Губернатор области", "Делегация")
_RU_VERBS = ("обсуждает", "поддерживает", "отклоняет", "критикует", "одобряет", "откладывает")
_RU_OBJECTS = ("новый бюджет", "план реформ", "повышение налогов", "строительство моста", "закон о выборах",
               "соглашение о торговле", "программу помощи", "запрет на экспорт", "снижение ставки",
               "проект договора")
_RU_TIMES = ("в понедельник", "во вторник", "на этой неделе", "после долгих переговоров", "несмотря на протесты")

_EN_SUBJECTS = ("The government", "The finance minister", "The central bank", "The city mayor",
                "The budget committee", "The company president", "The supreme court", "The teachers' union",
                "The regional governor", "The delegation")
_EN_VERBS = ("discusses", "supports", "rejects", "criticises", "approves", "postpones")
_EN_OBJECTS = ("the new budget", "the reform plan", "a tax rise", "the bridge project", "the election law",
               "the trade agreement", "the aid programme", "the export ban", "a rate cut", "the draft treaty")
_EN_TIMES = ("on Monday", "on Tuesday", "this week", "after long talks", "despite protests")


def _sentences(parts: Sequence[Sequence[str]], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(options) for options in parts) + "." for _ in range(n)]


def russian_sentences(n: int, seed: int = 0) -> list[str]:
    """`n` short, grammatical Russian news sentences (subject, verb, object, time), seeded."""
    return _sentences((_RU_SUBJECTS, _RU_VERBS, _RU_OBJECTS, _RU_TIMES), n, seed)


def english_sentences(n: int, seed: int = 0) -> list[str]:
    """`n` short English news sentences built like `russian_sentences`, seeded."""
    return _sentences((_EN_SUBJECTS, _EN_VERBS, _EN_OBJECTS, _EN_TIMES), n, seed)


def russian_article(words: int, seed: int = 0, per_paragraph: int = 6, distinct: int = 40) -> str:
    """A Russian article of at least `words` words drawn from `distinct` sentences, in blank-line paragraphs."""
    rng = random.Random(seed)
    pool = russian_sentences(distinct, seed)
    sentences: list[str] = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(rng.choice(pool))
    return "\n\n".join(" ".join(sentences[i:i + per_paragraph]) for i in range(0, len(sentences), per_paragraph))


def train_sentencepiece(lines: Sequence[str], vocab_size: int = 600) -> bytes:
    """A BPE sentencepiece model trained on `lines` (serialized) in a few milliseconds.

    BPE with a vocabulary this size keeps most fixture words whole: short inputs, so tiny-model generation
    (bounded relative to input length) stays quick.
    """
    import sentencepiece

    buffer = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=buffer, vocab_size=vocab_size, model_type="bpe",
        hard_vocab_limit=False, character_coverage=1.0, num_threads=1, minloglevel=2)
    return buffer.getvalue()


def _marian_vocab(spm_model: bytes) -> dict[str, int]:
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_proto=spm_model)
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())
              if not (processor.is_control(i) or processor.is_unknown(i))]
    # Marian's layout (as in the opus-mt vocab.json files): </s> 0, <unk> 1, the pieces, <pad> last.
    tokens = ["</s>", "<unk>", *pieces, "<pad>"]
    return {token: i for i, token in enumerate(tokens)}


def build_tiny_marian(directory: Path, seed: int = 0, max_positions: int = 128) -> Path:
    """Save a random-weight Marian ru→en model and its tokenizer into `directory`; return the directory."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    spm_model = train_sentencepiece(russian_sentences(300, seed) + english_sentences(300, seed))
    for name in ("source.spm", "target.spm"):
        (directory / name).write_bytes(spm_model)
    vocab = _marian_vocab(spm_model)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    pad = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=max_positions,
        pad_token_id=pad, eos_token_id=vocab["</s>"], decoder_start_token_id=pad, forced_eos_token_id=vocab["</s>"])
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    # As in the opus-mt generation configs: never generate padding; beams and a length limit preset.
    generation = model.generation_config
    generation.bad_words_ids, generation.num_beams, generation.max_length = [[pad]], 4, max_positions
    model.save_pretrained(directory)
    with warnings.catch_warnings():  # it recommends sacremoses, which Marian tokenization never uses
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = MarianTokenizer(str(directory / "source.spm"), str(directory / "target.spm"),
                                    str(directory / "vocab.json"), source_lang="ru", target_lang="en")
    tokenizer.save_pretrained(directory)
    return directory


class RecordingTranslator:
    """Wraps a translator and records every batch it is asked to translate (a spy for tests)."""

    def __init__(self, inner: Translator) -> None:
        self.inner = inner
        self.model: str = inner.model
        self.max_input_tokens: int = inner.max_input_tokens
        self.batches: list[list[str]] = []

    def count_tokens(self, text: str) -> int:
        """The wrapped translator's count."""
        return self.inner.count_tokens(text)

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Record the batch, then translate it with the wrapped translator."""
        self.batches.append(list(sentences))
        return self.inner.translate_batch(sentences)


def batched(backend: Translator, batch_size: int = Settings().batch_size) -> Batched:
    """`backend` as translate_text takes it, in batches of at most `batch_size` (else the settings' own)."""
    return Batched(backend, batch_size, Settings().max_batch_tokens)
