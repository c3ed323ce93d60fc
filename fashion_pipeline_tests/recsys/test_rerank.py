"""The fashion-sense re-ranker: occasion filter, repeat penalty, harmony bonus, diversity."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.rerank import RerankConfig, UserHistory, item_sense, recommend, reasons, rerank


def catalogue(n=40, seed=0):
    rng = np.random.default_rng(seed)
    occasions = np.array(["casual", "formal", "sport", "party"])[rng.integers(0, 4, n)]
    colours = np.array(["red", "green", "navy", "yellow", "black"])[rng.integers(0, 5, n)]
    patterns = np.array(["solid", "striped"])[rng.integers(0, 2, n)]
    ids = np.array([f"i{j:03d}" for j in range(n)])
    attrs = pl.DataFrame({C.ITEM_ID: ids, C.CATEGORY: ["tops"] * n, C.COLOUR: colours,
                          C.PATTERN: patterns, C.OCCASION: occasions})
    return ids, attrs


class FixedScorer:
    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=np.float32)

    def score(self, users):
        return self.scores[users]


def setup(n_users=6, n_items=40, seed=0):
    ids, attrs = catalogue(n_items, seed)
    sense = item_sense(attrs, ids)
    rng = np.random.default_rng(seed + 1)
    users = np.repeat(np.arange(n_users), 4)
    items = rng.integers(0, n_items, len(users))
    times = np.arange(len(users))
    history = UserHistory.build(users, items, times, n_users, sense)
    model = FixedScorer(rng.random((n_users, n_items)))
    return ids, attrs, sense, history, model


def test_occasion_filter_never_leaks_other_occasions():
    _, attrs, sense, history, model = setup()
    users = np.arange(6)
    for occasion in ("casual", "formal", "sport", "party"):
        result = recommend(model, users, history, sense, RerankConfig(occasion=occasion), k=5)
        got = result.items[result.items >= 0]
        assert len(got) > 0
        assert set(sense.occasion[got]) == {occasion}


def test_reranked_list_keeps_k_distinct_unseen_items():
    _, _, sense, history, model = setup()
    users = np.arange(6)
    result = recommend(model, users, history, sense, RerankConfig(diversity=0.5, harmony_bonus=0.3), k=10)
    assert result.items.shape == (6, 10)
    assert (result.items >= 0).all()
    for u in users:
        row = result.items[u]
        assert len(set(row.tolist())) == 10
        assert not history.seen[u].toarray()[0, row].any()


def test_repeat_penalty_pushes_repeats_below_fresh_items():
    ids = np.array(["a", "b", "c", "d"])
    attrs = pl.DataFrame({C.ITEM_ID: ids, C.CATEGORY: ["tops"] * 4, C.COLOUR: ["red", "red", "blue", "red"],
                          C.PATTERN: ["solid"] * 4, C.OCCASION: ["casual", "casual", "casual", "formal"]})
    sense = item_sense(attrs, ids)
    history = UserHistory.build(np.array([0]), np.array([0]), np.array([1]), 1, sense)  # bought a: casual red solid
    cand = np.array([[1, 2, 3]])  # b repeats a's style-colour-pattern and scores best
    scores = np.array([[0.9, 0.5, 0.4]], dtype=np.float32)
    plain = rerank(np.array([0]), cand, scores, history, sense, RerankConfig(0, repeat_penalty=0, diversity=0, harmony_bonus=0), 3)
    assert plain.items[0].tolist() == [1, 2, 3]
    demoted = rerank(np.array([0]), cand, scores, history, sense, RerankConfig(repeat_penalty=1.5, diversity=0, harmony_bonus=0), 3)
    assert demoted.items[0].tolist() == [2, 3, 1]
    assert demoted.repeat[0].tolist() == [False, False, True]
    text = reasons(demoted, RerankConfig(repeat_penalty=1.5, diversity=0, harmony_bonus=0))
    assert "repeats a style-colour-pattern" in text[2] and "model rank 1" in text[2]


def test_harmony_bonus_breaks_near_ties_towards_matching_colours():
    ids = np.array(["bought", "x", "y", "z"])
    attrs = pl.DataFrame({C.ITEM_ID: ids, C.CATEGORY: ["tops"] * 4, C.COLOUR: ["red", "yellow", "green", "yellow"],
                          C.PATTERN: ["solid"] * 4, C.OCCASION: ["casual", "formal", "party", "sport"]})
    sense = item_sense(attrs, ids)
    history = UserHistory.build(np.array([0]), np.array([0]), np.array([1]), 1, sense)
    # z sets the scale: relevance is min-max scaled within the candidates
    cand, scores = np.array([[1, 2, 3]]), np.array([[0.51, 0.50, 0.0]], dtype=np.float32)
    config = RerankConfig(repeat_penalty=0, diversity=0, harmony_bonus=0.1)
    out = rerank(np.array([0]), cand, scores, history, sense, config, 3)
    assert out.items[0].tolist() == [2, 1, 3]  # green is complementary to the red purchase; yellow is not
    assert "complementary to your recent red" in reasons(out, config)[0]


def test_no_reranking_is_the_model_order():
    _, _, sense, history, model = setup()
    from fashion_pipeline.recsys.recommend import top_k

    users = np.arange(6)
    off = RerankConfig().scaled(0.0)
    assert not off.active
    expected, _ = top_k(model, users, history.seen, k=10)
    assert (recommend(model, users, history, sense, off, k=10).items == expected).all()


def test_reranked_scorer_ranks_like_the_reranker():
    from fashion_pipeline.recsys.recommend import top_k
    from fashion_pipeline.recsys.rerank import RerankedScorer

    _, _, sense, history, model = setup()
    users = np.arange(6)
    config = RerankConfig(candidates=20, diversity=0.3, harmony_bonus=0.2, repeat_penalty=0.5)
    expected = recommend(model, users, history, sense, config, k=10).items
    got, _ = top_k(RerankedScorer(model, history, sense, config), users, history.seen, k=10)
    assert (got == expected).all()
    off = RerankedScorer(model, history, sense, config.scaled(0.0))
    assert np.array_equal(off.score(users), model.score(users))
