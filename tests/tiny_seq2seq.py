"""Tiny random-weight BART and T5 models with sentencepiece tokenizers, saved in a temp dir, loaded like real ones.

Each builds in well under a second. Their windows are small (64 and 128 tokens) so that a few sentences of
fixture text already need map-reduce. Random weights emit garbage: tests check structure, not wording.
"""

from __future__ import annotations

from pathlib import Path

from .tiny_models import english_sentences, train_sentencepiece

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


def _tokenizer(seed: int, window: int):  # type: ignore[no-untyped-def]
    """A T5-style tokenizer whose pieces are whole fixture and prompt words where possible.

    The pieces come from a BPE sentencepiece model; given equal scores, the unigram tokenizer picks the fewest
    pieces, so words stay whole, and decoding then re-encoding a tiny model's output does not make it longer.
    """
    import sentencepiece
    from transformers import T5Tokenizer

    prompts = [line for path in sorted(PROMPTS.glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    model = train_sentencepiece(english_sentences(300, seed) + prompts * 3, vocab_size=600)
    sp = sentencepiece.SentencePieceProcessor(model_proto=model)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size()) if not (sp.is_control(i) or sp.is_unknown(i))]
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), *((piece, -1.0) for piece in pieces)]
    return T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=window)


def build_tiny_bart(directory: Path, seed: int = 0, window: int = 64) -> Path:
    """Save a random-weight BART summarisation model and its tokenizer; return the directory."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(seed, window)
    eos = tokenizer.eos_token_id
    config = BartConfig(vocab_size=len(tokenizer), max_position_embeddings=window, d_model=16, encoder_layers=1,
                        decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                        decoder_ffn_dim=32, pad_token_id=tokenizer.pad_token_id, bos_token_id=eos,
                        eos_token_id=eos, decoder_start_token_id=eos, forced_eos_token_id=eos)
    torch.manual_seed(seed)
    BartForConditionalGeneration(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def build_tiny_t5(directory: Path, seed: int = 0, window: int = 128) -> Path:
    """Save a random-weight T5 (instruction-style text2text) model and its tokenizer; return the directory."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(seed, window)
    config = T5Config(vocab_size=len(tokenizer), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_decoder_layers=1,
                      num_heads=2, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                      decoder_start_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    T5ForConditionalGeneration(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
