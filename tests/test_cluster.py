"""Cross-lingual story clustering and the embeddings under it (the bundled USE model, offline)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import numpy as np
import pytest

from summarise import cluster
from summarise.cluster import (
    group,
    group_features,
    group_similarities,
    names_and_numbers,
    similarities,
    sparse_complete_linkage,
)
from summarise.config import Settings, check
from summarise.embed import DIM, embed
from summarise.errors import ConfigError
from summarise.text import paragraphs, sentences
from summarise.types import AlignedSentence, Article, Document, Language, Translation

from .conftest import DEVDATA, ROOT

THRESHOLD = Settings().cluster_threshold
EXACT = Settings().cluster_exact_max

STORIES = {
    "quake": {
        "en": ("Strong earthquake hits northern Chile",
               "A magnitude 7.1 earthquake struck northern Chile on Tuesday, damaging houses in the port city "
               "of Iquique.\n\nAuthorities said two people were injured and electricity was cut to thousands "
               "of homes. A tsunami warning was lifted after an hour."),
        "pt": ("Forte terremoto atinge o norte do Chile",
               "Um terremoto de magnitude 7,1 atingiu o norte do Chile na terça-feira, danificando casas na "
               "cidade portuária de Iquique.\n\nAs autoridades disseram que duas pessoas ficaram feridas e a "
               "eletricidade foi cortada em milhares de casas. Um alerta de tsunami foi suspenso depois de uma hora."),
        "ru": ("Сильное землетрясение произошло на севере Чили",
               "Землетрясение магнитудой 7,1 произошло во вторник на севере Чили, повредив дома в портовом "
               "городе Икике.\n\nВласти сообщили, что два человека получили ранения, а тысячи домов остались "
               "без электричества. Угроза цунами была снята через час."),
    },
    "rates": {
        "en": ("Central bank raises interest rates to fight inflation",
               "The central bank raised its main interest rate by half a percentage point to 5.25% on Thursday, "
               "its third increase this year.\n\nThe governor said inflation remained too high and that further "
               "rises could not be ruled out. Mortgage lenders are expected to follow."),
        "pt": ("Banco central eleva juros para combater a inflação",
               "O banco central elevou na quinta-feira a sua taxa de juros básica em meio ponto percentual, "
               "para 5,25%, o terceiro aumento deste ano.\n\nO presidente do banco disse que a inflação continua "
               "alta demais e que novas altas não podem ser descartadas."),
        "ru": ("Центральный банк повысил процентную ставку для борьбы с инфляцией",
               "В четверг центральный банк повысил основную процентную ставку на полпроцентного пункта, до "
               "5,25%, это уже третье повышение в этом году.\n\nГлава банка заявил, что инфляция остаётся "
               "слишком высокой и дальнейшее повышение не исключено."),
    },
    "football": {
        "en": ("Late goal sends Porto into the cup final",
               "Porto reached the cup final after a stoppage-time header beat Benfica 2-1 in a tense semi-final "
               "in front of 50,000 fans.\n\nThe coach praised his players' spirit and said the team would now "
               "focus on the league title race."),
        "pt": ("Gol no fim da partida leva o Porto à final da taça",
               "O Porto chegou à final da taça depois que um gol de cabeça nos acréscimos venceu o Benfica por "
               "2 a 1, numa semifinal tensa diante de 50 mil torcedores.\n\nO treinador elogiou o espírito dos "
               "jogadores e disse que a equipe agora vai se concentrar na disputa pelo título do campeonato."),
        "ru": ("Поздний гол вывел «Порту» в финал кубка",
               "«Порту» вышел в финал кубка, победив «Бенфику» со счётом 2:1 благодаря голу головой в "
               "добавленное время в напряжённом полуфинале.\n\nТренер похвалил характер своих игроков и "
               "сказал, что теперь команда сосредоточится на борьбе за чемпионский титул."),
    },
}


def document(story: str, lang: str) -> Document:
    """An untranslated Document, as clustering gets it when no translation model is available."""
    title, text = STORIES[story][lang]
    body = tuple(tuple(AlignedSentence(s, s) for s in sentences(p, lang)) for p in paragraphs(text))
    article = Article(id=f"{story}-{lang}", path=f"{story}-{lang}.txt", title=title, text=text)
    return Document(article=article, language=Language(lang, 1.0), title_en=title,
                    body=Translation(lang, None, body), translated=False)


def test_embed_gives_unit_float32_rows() -> None:
    vectors = embed(["The central bank raised rates.", "O banco central elevou os juros.", ""])
    assert vectors.shape == (3, DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) > 0.6  # the same sentence across languages
    assert embed([]).shape == (0, DIM)


def test_one_story_in_three_languages_is_one_cluster_and_stories_stay_apart() -> None:
    order = [("quake", "en"), ("rates", "pt"), ("quake", "pt"), ("football", "ru"), ("quake", "ru"),
             ("rates", "en"), ("football", "en"), ("rates", "ru"), ("football", "pt")]
    groups = group([document(s, lang) for s, lang in order], THRESHOLD, EXACT)
    assert groups == [[0, 2, 4], [1, 5, 7], [3, 6, 8]]


def test_unrelated_stories_in_one_language_stay_apart() -> None:
    docs = [document(story, "en") for story in STORIES]
    assert group(docs, THRESHOLD, EXACT) == [[0], [1], [2]]


def test_most_covered_story_comes_first() -> None:
    docs = [document("rates", "en"), document("quake", "en"), document("quake", "pt"), document("quake", "ru"),
            document("football", "en"), document("rates", "ru")]
    assert group(docs, THRESHOLD, EXACT) == [[1, 2, 3], [0, 5], [4]]


def group_vectors(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Rows of `vectors` (any scale; zero rows stay alone) grouped by cosine similarity >= threshold."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors, dtype=np.float64), where=norms > 0)
    return group_similarities(unit @ unit.T, threshold)


def test_group_vectors_orders_by_size_then_first_index() -> None:
    a, b, c = np.eye(3)
    vectors = np.stack([c, a, b, a, b, b])
    assert group_vectors(vectors, 0.9) == [[2, 4, 5], [1, 3], [0]]
    assert group_vectors(np.stack([a, np.zeros(3), a]), 0.9) == [[0, 2], [1]]  # a zero row stays alone


def test_grouping_is_deterministic() -> None:
    docs = [document(story, lang) for story in STORIES for lang in ("ru", "en", "pt")]
    first = similarities(docs)
    assert np.array_equal(first, similarities(docs))
    assert group(docs, THRESHOLD, EXACT) == group(list(docs), THRESHOLD, EXACT)


def test_empty_input_and_one_document() -> None:
    assert group([], THRESHOLD, EXACT) == []
    assert group_vectors(np.zeros((0, DIM), np.float32), THRESHOLD) == []
    assert group([document("quake", "ru")], THRESHOLD, EXACT) == [[0]]


def test_threshold_extremes() -> None:
    docs = [document(story, lang) for story in STORIES for lang in ("en", "pt", "ru")]
    assert group(docs, 1.0, EXACT) == [[i] for i in range(len(docs))]
    assert len(group(docs, 0.0, EXACT)) < len(group(docs, THRESHOLD, EXACT))


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_threshold_outside_range_is_a_config_error(threshold: float) -> None:
    with pytest.raises(ConfigError, match="'cluster_threshold'"):  # checked once, when settings are made
        check(Settings(cluster_threshold=threshold))


def test_names_and_numbers_skip_sentence_openers_and_unify_number_formats() -> None:
    text = "The Welsh Assembly met 1,000 voters. In June the Commission met Dolly Menga. Путин выделил 1 000 000."
    assert names_and_numbers(text) == ["welsh", "assembly", "1000", "june", "commission", "dolly", "menga",
                                       "1000000"]


def _story_vectors(stories: int, size: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Unit vectors of `stories` stories of `size` articles (story cosine ~0.6..0.9, across ~0), with name texts."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((stories, 64))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = np.repeat(np.arange(stories), size)
    noise = rng.standard_normal((len(labels), 64))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    a = rng.uniform(0.75, 0.95, (len(labels), 1))
    vectors = a * centres[labels] + np.sqrt(1 - a * a) * noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [f"news of Place{label} and Person{label} and {rng.integers(10, 99)}" for label in labels]
    order = rng.permutation(len(labels))
    return vectors[order].astype(np.float32), [texts[i] for i in order]


def test_approximate_path_gives_the_exact_stories() -> None:
    docs = [document(story, lang) for story in STORIES for lang in ("ru", "en", "pt")]
    assert group(docs, THRESHOLD, 0) == group(docs, THRESHOLD, EXACT) == [[0, 1, 2], [3, 4, 5],
                                                                                              [6, 7, 8]]
    vectors, texts = _story_vectors(12, 8)
    exact = group_features(vectors, texts, THRESHOLD, exact_max=len(texts))
    assert len(exact) > 12  # complete linkage splits some stories: a real test of the rule, not of chaining
    assert group_features(vectors, texts, THRESHOLD, exact_max=len(texts) - 1) == exact


def test_large_components_are_linked_on_the_sparse_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, texts = _story_vectors(6, 20, seed=1)
    exact = group_features(vectors, texts, THRESHOLD, exact_max=len(texts))
    monkeypatch.setattr(cluster, "DENSE_COMPONENT", 3)  # every story's component takes the sparse path
    monkeypatch.setattr(cluster, "NEIGHBOURS", 4)  # and has to grow its neighbour lists to find all pairs
    assert group_features(vectors, texts, THRESHOLD, exact_max=0) == exact


def test_sparse_complete_linkage_agrees_with_scipy() -> None:
    from scipy.sparse import csr_matrix

    rng = np.random.default_rng(3)
    vectors, _ = _story_vectors(5, 12, seed=3)
    sims = (vectors @ vectors.T).astype(np.float64)
    sims[rng.random(sims.shape) < 0.05] = -1.0  # some pairs unknown: below the threshold for both
    sims = np.minimum(sims, sims.T)
    np.fill_diagonal(sims, 1.0)
    graph = csr_matrix(np.where(sims >= 0.6, sims + 1.0, 0.0) - np.eye(len(sims)) * 2.0)
    assert sparse_complete_linkage(graph, 0.6) == group_similarities(sims, 0.6)


def test_approximate_clustering_memory_is_not_quadratic() -> None:
    import tracemalloc  # numpy reports its arrays to it

    vectors, texts = _story_vectors(400, 4, seed=2)
    n = len(texts)
    group_features(vectors[:50], texts[:50], THRESHOLD, exact_max=0)  # imports are not what we measure
    tracemalloc.start()
    try:
        groups = group_features(vectors, texts, THRESHOLD, exact_max=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sorted(i for g in groups for i in g) == list(range(n))
    assert peak < n * n * 8 / 4, peak  # the exact path holds several n x n float64 matrices at once


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_cluster", ROOT / "bench" / "cluster.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (DEVDATA / "ntrex128").is_dir(), reason="devdata not available")
def test_devdata_mix_of_ntrex_and_multinews() -> None:
    bench = _bench()
    n_docs, n_gold = bench.ntrex(limit=10)
    m_docs, m_gold = bench.multinews(bench.multinews_rows(10, "tune"), clean=False)
    docs, gold = n_docs + m_docs, n_gold + m_gold
    pred = group(docs, THRESHOLD, EXACT)
    precision, recall, f1 = bench.bcubed(pred, gold)
    assert bench.together(pred, gold) == 1.0  # every NTREX document's en/pt/ru versions in one cluster
    # A pinned floor just under the measured 0.909 (P 1.000, R 0.833): the recall lost is Multi-News
    # rows whose "articles" include unrelated or archive-notice pages, and one story told from angles
    # the encoder scores below 0.65 (see the report of bench/cluster.py).
    assert f1 >= 0.90, (precision, recall, f1)


def test_events_join_alike_facets_and_attach_lone_articles_but_keep_distinct_stories_apart() -> None:
    from summarise import events

    rng = np.random.default_rng(7)
    base = rng.normal(size=(3, 16))
    base /= np.linalg.norm(base, axis=1, keepdims=True)  # three unrelated directions: three events

    def near(k: int, spread: float) -> np.ndarray:
        v = base[k] + spread * rng.normal(size=16)
        return np.asarray(v / np.linalg.norm(v))

    vectors = np.array([near(0, 0.1), near(0, 0.1), near(0, 0.3), near(0, 0.3), near(0, 0.6), near(1, 0.1),
                        near(1, 0.1), near(2, 0.1)])
    texts = ["protest in Cairo"] * 5 + ["vote in Lima"] * 2 + ["storm in Oslo"]
    facets = [[0, 1], [2, 3], [4], [5, 6], [7]]
    found = events.stories(vectors, texts, facets, event_threshold=0.6, attach_threshold=0.5)
    assert [events.members(s) for s in found] == [[0, 1, 2, 3, 4], [5, 6], [7]]
    assert found[0] == [[0, 1], [2, 3], [4]]  # the facets stay visible inside the story
    off = events.stories(vectors, texts, facets, event_threshold=1.0, attach_threshold=1.0)
    assert sorted(events.members(s) for s in off) == sorted(facets)


def test_a_lone_article_alike_only_in_kind_does_not_join() -> None:
    from summarise import events

    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.8, 0.6]])
    facets = [[0, 1], [2]]
    shared = events.stories(vectors, ["song by Coldplay"] * 2 + ["records of Coldplay"], facets,
                            event_threshold=1.0, attach_threshold=0.5)
    alone = events.stories(vectors, ["song by Coldplay"] * 2 + ["estate of Michael Jackson"], facets,
                           event_threshold=1.0, attach_threshold=0.5)
    assert [events.members(s) for s in shared] == [[0, 1, 2]]
    assert [events.members(s) for s in alone] == [[0, 1], [2]]


def test_the_index_searches_a_projection_and_scores_exactly() -> None:
    from summarise import ann

    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((600, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = ann.build(vectors)
    assert index.projection is not None and index.projection.shape == (DIM, ann.PROJECTED)
    keys, scores = ann.search(index, vectors[:50], 8)
    assert keys.shape == scores.shape == (50, 8) and (keys >= 0).all()
    assert (keys[:, 0] == np.arange(50)).all()  # each row's nearest is itself
    exact = np.einsum("qd,qkd->qk", vectors[:50], vectors[keys])
    assert np.allclose(scores, exact, atol=1e-5)  # the scores returned are inner products of the full rows
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first


def test_a_projection_keeps_the_neighbours_of_rows_it_spans() -> None:
    from summarise import ann

    rng = np.random.default_rng(5)  # rows in a 40-dimensional subspace: the projection loses nothing of them
    vectors = (rng.standard_normal((800, 40)) @ rng.standard_normal((40, DIM))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keys, _ = ann.search(ann.build(vectors), vectors, 5)
    true = np.argsort(-(vectors @ vectors.T), axis=1)[:, :5]
    assert np.mean([len(set(a) & set(b)) / 5 for a, b in zip(keys.tolist(), true.tolist(), strict=True)]) > 0.98
