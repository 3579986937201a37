"""Speed: the translation path against plain transformers, a 500-article day end to end, its re-run, and --help.

Run: python bench/speed.py [--quick] [--articles N] [--sentences N] [--keep DIR]

1. Builds two full-size opus-mt-shaped Marian models (ru→en, pt→en) with random weights in a temp dir: 62,518-entry
   vocabulary, d_model 512, 6+6 layers, 8 heads, FFN 2048, sentencepiece (BPE, 31k per side) trained on devdata
   text: Leipzig sentences and FLORES train, never the text translated below, so that tokens per word err high.
   Speed does not depend on the weights' values. Random weights would stop at the end-of-sentence token only by
   chance, so its bias is set very low: every batch decodes exactly to its output bound, in both paths alike.
2. Tokens/s on held-out Russian news sentences (NTREX): a plain transformers fp32 baseline (batches of 16 in input
   order, beam 4, `min_new_tokens = max_new_tokens` = the project's output bound for the batch) against the
   project's translation path (`translate_sentences` on the default backend: CTranslate2 int8 when installed),
   same beam, same bound rule. Both alternate over slices of the sentences, so both see the same machine when
   other processes come and go. Tokens are source tokens, end-of-sentence included; models load before timing.
3. A generated day of 500 articles (a third Portuguese or Russian, ~500 words each: NTREX documents and held-out
   FLORES sentences; English from NTREX and Multi-News; nav, share, cookie and footer lines in each language) as
   .txt, .html and feed .json files, briefed by `summarise brief DIR --out OUT` in a subprocess with a fresh store
   and a fresh conversion cache (the first run converts both models), then again over the same folder. The day's
   config sets max_output_ratio = 1.0: random weights never stop early, so every batch decodes as many tokens as
   its longest input has (at least 16), about what a real model's English output takes.
4. `summarise --help` in a fresh interpreter, best of 7.

Prints one line per figure, each stage's wall and CPU seconds in the day and in its re-run (read, detect, translate,
embed, cluster, brief, render: from `summarise -v`'s stage log, so that a slowdown points at its stage; CPU seconds
move less than wall seconds on a busy machine), then
`RESULT speedup=<x> e2e_s=<s> rerun_ratio=<r> peak_rss_mb=<m> help_s=<s>`.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarise import translation  # noqa: E402
from summarise.config import Settings  # noqa: E402

DEVDATA = ROOT.parent / "shared" / "devdata"
VOCAB = 62518  # Helsinki-NLP/opus-mt-ru-en's vocabulary size
SPM_VOCAB = 31000  # per side: both sides together fill most of VOCAB
FLORES = {"ru": "rus_Cyrl", "pt": "por_Latn", "en": "eng_Latn"}
LEIPZIG = {"ru": "ru", "pt": "pt", "en": "en"}
NTREX = {"ru": ("rus",), "pt": ("por", "por-BR"), "en": ("eng",)}
BASELINE_BATCH, BEAMS, RATIO = 16, 4, 1.0
csv.field_size_limit(1 << 30)

# --- text ---------------------------------------------------------------------------------------------------


def _flores(lang: str, splits: Sequence[str]) -> list[str]:
    rows: list[str] = []
    for split in splits:
        with open(DEVDATA / "sib200_flores" / f"{FLORES[lang]}.{split}.tsv", encoding="utf-8") as handle:
            rows += [row["text"] for row in csv.DictReader(handle, delimiter="\t")]
    return rows


def _leipzig(lang: str) -> list[str]:
    text = (DEVDATA / "langid" / "sentences" / f"{LEIPZIG[lang]}.txt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line.strip()]


def training_text(lang: str) -> list[str]:
    """Text the sentencepiece models learn from: Leipzig sentences and FLORES train (not what is translated)."""
    extra = _multinews()[:200] if lang == "en" else []
    return _leipzig(lang) + _flores(lang, ["train"]) + [line for doc in extra for line in doc.split("\n")]


def ntrex_docs(lang: str) -> list[dict[str, str]]:
    """NTREX documents (title, text with one sentence a line) in `lang`, both Portuguese variants for pt."""
    rows = [json.loads(line) for line in (DEVDATA / "ntrex128" / "ntrex128_docs.jsonl").open(encoding="utf-8")]
    return [row for row in rows if row["lang"] in NTREX[lang]]


def _multinews() -> list[str]:
    with open(DEVDATA / "multinews_val" / "multinews_val_250.csv", encoding="utf-8") as handle:
        return [doc for row in csv.DictReader(handle) for doc in ast.literal_eval(row["documents"]) if doc.strip()]


# --- models -------------------------------------------------------------------------------------------------


def _train_spm(lines: Sequence[str]) -> bytes:
    import sentencepiece

    buffer = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=buffer, vocab_size=SPM_VOCAB, model_type="bpe",
        hard_vocab_limit=False, character_coverage=1.0, num_threads=2, minloglevel=2)
    return buffer.getvalue()


def _vocab(*spm_models: bytes) -> dict[str, int]:
    """Marian's layout: </s> 0, <unk> 1, the pieces of both sides, filler to opus-mt's size, <pad> last."""
    import sentencepiece

    tokens = ["</s>", "<unk>"]
    for model in spm_models:
        processor = sentencepiece.SentencePieceProcessor(model_proto=model)
        tokens += [processor.id_to_piece(i) for i in range(processor.get_piece_size())
                   if not (processor.is_control(i) or processor.is_unknown(i))]
    tokens = list(dict.fromkeys(tokens))
    tokens += [f"<filler{i}>" for i in range(VOCAB - 1 - len(tokens))]
    return {token: i for i, token in enumerate([*tokens, "<pad>"])}


def build_model(directory: Path, lang: str, seed: int = 0) -> Path:
    """Save a random-weight opus-mt-shaped Marian `lang`→en model (and tokenizer) into `directory`."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    source, target = _train_spm(training_text(lang)), _train_spm(training_text("en"))
    (directory / "source.spm").write_bytes(source)
    (directory / "target.spm").write_bytes(target)
    vocab = _vocab(source, target)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    pad, eos = vocab["<pad>"], vocab["</s>"]
    config = MarianConfig(  # Helsinki-NLP/opus-mt-ru-en's config
        vocab_size=VOCAB, decoder_vocab_size=VOCAB, d_model=512, encoder_layers=6, decoder_layers=6,
        encoder_attention_heads=8, decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
        activation_function="swish", max_position_embeddings=512, scale_embedding=True, pad_token_id=pad,
        eos_token_id=eos, decoder_start_token_id=pad, forced_eos_token_id=eos, share_encoder_decoder_embeddings=True)
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    with torch.no_grad():  # never stop early: every batch decodes to its bound, in both paths (see the docstring)
        model.final_logits_bias[0, eos] = -1e4
    generation = model.generation_config
    generation.bad_words_ids, generation.num_beams, generation.max_length = [[pad]], BEAMS, 512
    model.save_pretrained(directory)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tokenizer = MarianTokenizer(str(directory / "source.spm"), str(directory / "target.spm"),
                                    str(directory / "vocab.json"), source_lang=lang, target_lang="en")
    tokenizer.save_pretrained(directory)
    return directory


# --- tokens/s -----------------------------------------------------------------------------------------------


def held_out_sentences(n: int) -> list[str]:
    """`n` distinct Russian NTREX sentences, in document order (as articles would bring them)."""
    lines = [line for doc in ntrex_docs("ru") for line in doc["text"].split("\n") if line.strip()]
    return list(dict.fromkeys(lines))[:n]


class Baseline:
    """Plain transformers fp32: batches of 16 in input order, beam 4, exactly the project's output bound."""

    def __init__(self, model_dir: Path) -> None:
        from transformers import MarianMTModel, MarianTokenizer

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tokenizer = MarianTokenizer.from_pretrained(model_dir)
        self.model = MarianMTModel.from_pretrained(model_dir).eval()

    def run(self, sentences: Sequence[str]) -> int:
        """Translate `sentences`; the number of tokens generated."""
        import torch

        generated = 0
        for start in range(0, len(sentences), BASELINE_BATCH):
            inputs = self.tokenizer(list(sentences[start:start + BASELINE_BATCH]), return_tensors="pt", padding=True)
            bound = translation.output_limit(inputs["input_ids"].shape[1], RATIO, 512)
            with torch.inference_mode():
                out = self.model.generate(**inputs, num_beams=BEAMS, do_sample=False, max_new_tokens=bound,
                                          min_new_tokens=bound, max_length=None)
            generated += int(out.shape[0] * (out.shape[1] - 1))
        return generated


def project(translator: translation.Translator, sentences: Sequence[str], settings: Settings) -> None:
    """The project's translation path over `sentences` (the model loaded beforehand)."""
    english = translation.translate_sentences(sentences, translator, settings.batch_size, settings.max_batch_tokens)
    assert len(english) == len(set(sentences)) and all(english.values())


def source_tokens(model_dir: Path, sentences: Sequence[str]) -> int:
    """Source tokens of `sentences` as Marian counts them (end-of-sentence included)."""
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
    return sum(len(processor.encode(s)) + 1 for s in sentences)


# --- the day ------------------------------------------------------------------------------------------------

BOILERPLATE = {
    "en": {"nav": ["Home | World | Business | Politics | Sport | Culture | Opinion", "Menu", "Search",
                   "Sign in | Subscribe"],
           "top": ["Share this article", "Share on Facebook", "Share on Twitter", "Copy link", "Listen to this article",
                   "Advertisement"],
           "foot": ["Read more:", "Related stories", "Most read", "Sign up for our morning newsletter",
                    "We use cookies to improve your experience. By continuing you agree to our cookie policy.",
                    "© 2025 The Daily Courier. All rights reserved.", "Terms of use | Privacy policy | Contact us",
                    "Follow us on Instagram", "Comments (12)"]},
    "pt": {"nav": ["Início | Mundo | Economia | Política | Desporto | Cultura | Opinião", "Menu", "Pesquisar",
                   "Entrar | Assinar"],
           "top": ["Partilhar este artigo", "Partilhar no Facebook", "Partilhar no Twitter", "Copiar link",
                   "Ouvir este artigo", "Publicidade"],
           "foot": ["Leia também:", "Notícias relacionadas", "Mais lidas", "Subscreva a nossa newsletter diária",
                    "Utilizamos cookies para melhorar a sua experiência. Ao continuar, aceita a nossa política de "
                    "cookies.", "© 2025 Jornal do Dia. Todos os direitos reservados.",
                    "Termos de utilização | Privacidade | Contactos", "Siga-nos no Instagram", "Comentários (12)"]},
    "ru": {"nav": ["Главная | В мире | Экономика | Политика | Спорт | Культура | Мнения", "Меню", "Поиск",
                   "Войти | Подписаться"],
           "top": ["Поделиться статьей", "Поделиться в Facebook", "Поделиться в Telegram", "Скопировать ссылку",
                   "Слушать статью", "Реклама"],
           "foot": ["Читайте также:", "Похожие новости", "Самое читаемое", "Подпишитесь на нашу рассылку",
                    "Мы используем файлы cookie, чтобы улучшить работу сайта. Продолжая, вы соглашаетесь с "
                    "политикой cookie.", "© 2025 Ежедневные вести. Все права защищены.",
                    "Условия использования | Конфиденциальность | Контакты", "Мы в Telegram", "Комментарии (12)"]},
}
WORDS, FORMATS = 500, ("txt", "txt", "html", "json")


def _articles(lang: str, count: int) -> Iterator[tuple[str, list[list[str]]]]:
    """`count` (title, paragraphs) of about WORDS words each, cut from NTREX documents then held-out FLORES."""
    stream = [(doc["title"], s) for doc in ntrex_docs(lang) for s in doc["text"].split("\n") if s.strip()]
    if lang != "en":
        stream += [(s[:60], s) for s in _flores(lang, ["dev", "test"])]
    position = 0
    for _ in range(count):
        title = stream[position % len(stream)][0]
        body: list[str] = []
        while sum(len(s.split()) for s in body) < WORDS:
            body.append(stream[position % len(stream)][1])  # wraps only when asked for more text than there is
            position += 1
        yield title, [body[i:i + 5] for i in range(0, len(body), 5)]


def _english_articles(count: int) -> Iterator[tuple[str, list[list[str]]]]:
    """English: NTREX documents (the stories the others tell), then Multi-News articles cut to about WORDS words."""
    yield from _articles("en", min(count, 60))
    made = 60
    for doc in _multinews():
        lines = [line.strip() for line in doc.split("\n") if line.strip()]
        if made >= count or len(lines) < 4 or len(doc.split()) < WORDS // 2:
            continue  # a headline-only or very short item: not a day's article
        kept: list[str] = []
        for line in lines[1:]:
            kept.append(line)
            if sum(len(k.split()) for k in kept) >= WORDS:
                break
        made += 1
        yield lines[0][:120], [[line] for line in kept]


def _page(title: str, paragraphs: list[list[str]], lang: str, rng: random.Random, fmt: str) -> str:
    """The article as a file of format `fmt`, with its site's furniture around it."""
    furniture = BOILERPLATE[lang]
    top = furniture["nav"] + [title, rng.choice(["By Staff Reporter", "Reuters", "AFP"]), "12 June 2025 08:41"]
    top += rng.sample(furniture["top"], 3)
    foot = rng.sample(furniture["foot"], 6)
    body = [" ".join(p) for p in paragraphs]
    if fmt == "json":
        return json.dumps({"title": title, "text": "\n\n".join(body), "url": f"https://example.com/{rng.random()}",
                           "published": "2025-06-12T08:41:00Z", "source": "example.com"}, ensure_ascii=False)
    if fmt == "html":
        nav = "".join(f"<li><a href='/s{i}'>{x}</a></li>" for i, x in enumerate(furniture["nav"]))
        paras = "".join(f"<p>{p}</p>" for p in body)
        aside = "".join(f"<div class='share'>{x}</div>" for x in top[-3:])
        footer = "".join(f"<p>{x}</p>" for x in foot)
        return (f"<html lang='{lang}'><head><title>{title}</title></head><body><nav><ul>{nav}</ul></nav>"
                f"<article><h1>{title}</h1>{aside}{paras}</article><footer>{footer}</footer></body></html>")
    return "\n\n".join(top + body + foot) + "\n"


def generate_day(folder: Path, count: int, seed: int = 0) -> dict[str, int]:
    """Write `count` articles into `folder`, a third in Portuguese or Russian; the number per language."""
    rng = random.Random(seed)
    foreign = count // 3
    plan = [("ru", a) for a in _articles("ru", foreign - foreign // 2)]
    plan += [("pt", a) for a in _articles("pt", foreign // 2)]
    plan += [("en", a) for a in _english_articles(count - foreign)]
    folder.mkdir(parents=True, exist_ok=True)
    for n, (lang, (title, paragraphs)) in enumerate(plan):
        fmt = FORMATS[n % len(FORMATS)]
        (folder / f"{n:04d}-{lang}.{fmt}").write_text(_page(title, paragraphs, lang, rng, fmt), encoding="utf-8")
    return {lang: sum(1 for lang_, _ in plan if lang_ == lang) for lang in ("en", "pt", "ru")}


# Runs the command and prints its peak RSS. A small process in between, because a child forked straight from this
# one would count this process's own memory (the models of the tokens/s part) in its peak.
_MEASURE = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")


STAGES = ("read", "detect", "translate", "embed", "cluster", "brief", "render")
# A stage's line in `summarise -v`'s log (pipeline._timed): "translate: <what it did>, 61.2 s, CPU 98.4 s".
_STAGE_LINE = re.compile(rf"^({'|'.join(STAGES)}): .*, ([\d.]+) s, CPU ([\d.]+) s$")


def run_brief(day: Path, out: Path, env: dict[str, str]) -> tuple[float, float, int, dict[str, tuple[float, float]]]:
    """Seconds, peak RSS (MB), exit code and each stage's (wall, CPU) seconds, from its -v log, of
    `summarise brief DAY --out OUT` in a subprocess."""
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "summarise.cli", "brief", str(day),
               "--out", str(out), "-q", "-v", "--date", "2025-06-12"]
    started = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if run.returncode not in (0, 3):
        sys.exit(f"summarise brief failed ({run.returncode}):\n{run.stderr[-3000:]}")
    stages = {m[1]: (float(m[2]), float(m[3])) for line in run.stderr.splitlines() if (m := _STAGE_LINE.match(line))}
    return seconds, int(run.stderr.strip().splitlines()[-1]) / 1024, run.returncode, stages


def print_stages(first: dict[str, tuple[float, float]], second: dict[str, tuple[float, float]]) -> None:
    """Each stage's wall and CPU seconds in the day's run and in its re-run."""
    print(f"{'stage':<15} {'day_s':>6} {'day_cpu_s':>10} {'rerun_s':>8} {'rerun_cpu_s':>12}")
    for stage in STAGES:
        (a, b), (c, d) = first.get(stage, (math.nan, math.nan)), second.get(stage, (math.nan, math.nan))
        print(f"stage_{stage:<9} {a:6.1f} {b:10.1f} {c:8.2f} {d:12.2f}", flush=True)


def time_help(env: dict[str, str], runs: int = 7) -> float:
    """Best wall time of `summarise --help` in a fresh interpreter."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "summarise.cli", "--help"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


# --- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 articles and 48 sentences: a smoke check")
    parser.add_argument("--articles", type=int, default=None)
    parser.add_argument("--sentences", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and leave it there")
    args = parser.parse_args()
    articles = args.articles or (60 if args.quick else 500)
    count = args.sentences or (48 if args.quick else 320)
    work = args.keep or Path(tempfile.mkdtemp(prefix="summarise-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT),
           "SUMMARISE_CACHE_DIR": str(work / "ct2-cache"), "HF_HOME": str(work / "hf-home")}
    env.pop("SUMMARISE_STORE", None)
    os.environ.update({k: env[k] for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HOME")})
    os.environ["SUMMARISE_CACHE_DIR"] = str(work / "bench-ct2-cache")  # this process's own conversions
    print(f"load_avg_1m {os.getloadavg()[0]:.2f}  cpus {os.cpu_count()}", flush=True)
    try:
        started = time.perf_counter()
        models = {lang: build_model(work / f"opus-mt-{lang}-en", lang) for lang in ("ru", "pt")}
        print(f"build_models_s {time.perf_counter() - started:.1f}", flush=True)
        speedup = tokens_per_second(models["ru"], held_out_sentences(count))
        e2e, rerun, rss = end_to_end(work, models, articles, env)
        help_s = time_help(env)
        print(f"help_s {help_s:.3f}")
        print(f"RESULT speedup={speedup:.2f} e2e_s={e2e:.1f} rerun_ratio={rerun / e2e:.4f} peak_rss_mb={rss:.0f} "
              f"help_s={help_s:.3f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def tokens_per_second(model_dir: Path, sentences: list[str], size: int = 64) -> float:
    """Print and return the project path's speedup over the plain baseline, in source tokens per second.

    The two alternate over slices of `size` sentences, so that both see the same machine when other processes
    come and go; the project path sorts and batches within each slice only (no advantage taken).
    """
    tokens = source_tokens(model_dir, sentences)
    print(f"sentences {len(sentences)}  source_tokens {tokens}  beam {BEAMS}  output_bound max({RATIO} * longest, "
          f"{translation.MIN_OUTPUT})", flush=True)
    settings = Settings(max_output_ratio=RATIO, beam_size=BEAMS)
    translator, plain = translation.load_translator(str(model_dir), settings), Baseline(model_dir)
    ours = theirs = 0.0
    generated = 0
    for start in range(0, len(sentences), size):
        part = sentences[start:start + size]
        began = time.perf_counter()
        project(translator, part, settings)
        middle = time.perf_counter()
        generated += plain.run(part)
        ours, theirs = ours + middle - began, theirs + time.perf_counter() - middle
    print(f"project_tok_s {tokens / ours:.1f}  ({type(translator).__name__}, batch_size {settings.batch_size}, "
          f"max_batch_tokens {settings.max_batch_tokens}, {ours:.1f} s)", flush=True)
    print(f"baseline_tok_s {tokens / theirs:.1f}  (transformers fp32, batch {BASELINE_BATCH}, "
          f"{generated} tokens generated, {theirs:.1f} s)", flush=True)
    print(f"speedup {theirs / ours:.2f}", flush=True)
    return theirs / ours


def end_to_end(work: Path, models: dict[str, Path], articles: int, env: dict[str, str]) -> tuple[float, float, float]:
    """Print and return the first run's seconds, the re-run's seconds and the higher peak RSS (MB)."""
    day, out = work / "day", work / "out"
    counts = generate_day(day, articles)
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in day.iterdir())
    print(f"day_articles {sum(counts.values())}  en {counts['en']}  pt {counts['pt']}  ru {counts['ru']}  "
          f"words_in_files {words}", flush=True)
    for lang in ("ru", "pt"):
        text = [" ".join(p) for _, paragraphs in _articles(lang, counts[lang]) for p in paragraphs]
        tokens, words = source_tokens(models[lang], text), sum(len(t.split()) for t in text)
        print(f"{lang}_words {words}  {lang}_source_tokens {tokens}  ({tokens / words:.2f} per word)", flush=True)
    config = work / "summarise.toml"
    config.write_text(f"max_output_ratio = {RATIO}\n[models]\nru = {json.dumps(str(models['ru']))}\n"
                      f"pt = {json.dumps(str(models['pt']))}\n", encoding="utf-8")
    env = {**env, "SUMMARISE_CONFIG": str(config)}
    first, rss1, code, stages1 = run_brief(day, out, env)
    print(f"e2e_s {first:.1f}  peak_rss_mb {rss1:.0f}  exit {code}", flush=True)
    second, rss2, code, stages2 = run_brief(day, out, env)
    print(f"rerun_s {second:.2f}  peak_rss_mb {rss2:.0f}  exit {code}  ratio {second / first:.4f}", flush=True)
    print_stages(stages1, stages2)
    return first, second, max(rss1, rss2)


if __name__ == "__main__":
    main()
