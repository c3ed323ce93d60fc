"""Metrics: ranks, NDCG, full and sampled evaluation, period evaluation."""

import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.recsys import evaluation as ev
from fashion_pipeline.recsys.data import leave_last_out, user_item_matrix
from fashion_pipeline.recsys.evaluation import evaluate, evaluate_period, ndcg, pessimistic_rank, ranking_metrics


class FixedScores:
    def __init__(self, matrix):
        self.matrix = np.asarray(matrix, dtype=np.float32)

    def score(self, users):
        return self.matrix[users]


def _interactions(rows):
    return pl.DataFrame(rows, schema=[C.USER_IDX, C.ITEM_IDX, C.TIMESTAMP, C.LINE_NUMBER], orient="row")


def test_metrics_on_hand_made_ranks():
    m = ranking_metrics(np.array([0, 1, 9, 10, 19, 25]))
    assert m["hr@10"] == pytest.approx(3 / 6)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / np.log2(3) + 1 / np.log2(11)) / 6)
    assert m["hr@20"] == pytest.approx(5 / 6) and m["recall@20"] == m["hr@20"]
    assert m["ndcg@20"] == pytest.approx((1 + 1 / np.log2(3) + 1 / np.log2(11) + 1 / np.log2(12) + 1 / np.log2(21)) / 6)


def test_ties_count_against_the_model():
    scores = np.array([[1.0, 1.0, 1.0, 0.0]])
    assert pessimistic_rank(scores, np.array([1.0]))[0] == 2  # tied with two others: ranked last of them


def test_evaluate_perfect_and_hopeless_models():
    split = leave_last_out(_interactions([(u, (3 * u + j) % 150, j, 10 * u + j) for u in range(50) for j in range(5)]))
    perfect = np.zeros((split.n_users, split.n_items))
    perfect[np.arange(split.n_users), split.test_item] = 1.0
    m = evaluate(FixedScores(perfect), split, "test")
    assert m["hr@10"] == 1.0 and m["ndcg@10"] == 1.0 and m["hr@10_sampled"] == 1.0
    m = evaluate(FixedScores(np.zeros_like(perfect)), split, "test")  # all ties: nothing earned
    assert m["hr@10"] == 0.0 and m["hr@10_sampled"] == 0.0


def test_evaluate_period_on_hand_made_purchases():
    scores = np.tile(np.arange(20, 0, -1, dtype=np.float32), (3, 1))  # item 0 best, then 1, ...
    seen = user_item_matrix(np.array([0, 1]), np.array([0, 0]), 3, 20)  # users 0, 1 own item 0
    future = user_item_matrix(np.array([0, 0, 1, 2]), np.array([1, 15, 12, 3]), 3, 20)
    m = evaluate_period(FixedScores(scores), seen, future, k=10)
    # user 0: top-10 = items 1..10, hit at rank 1 of 2 purchases; user 1: none;
    # user 2 (nothing seen): top-10 = items 0..9, hit at rank 4 of 1 purchase
    assert m["users"] == 3
    assert m["hr@10"] == pytest.approx(2 / 3)
    assert m["recall@10"] == pytest.approx((0.5 + 0 + 1) / 3)
    assert m["ndcg@10"] == pytest.approx((1 / (1 + 1 / np.log2(3)) + 0 + 1 / np.log2(5)) / 3)


def test_one_ndcg_for_one_held_out_item_and_for_many():
    # one relevant item at rank r: 1 / log2(r + 2) within the top K, else 0
    hits = np.zeros((3, 5), dtype=bool)
    hits[0, 0] = hits[1, 3] = True
    assert ndcg(hits).tolist() == pytest.approx([1.0, 1 / np.log2(5), 0.0])
    # two relevant items, hits at positions 0 and 2: DCG over the ideal DCG of two hits on top
    many = np.array([[True, False, True, False]])
    assert ndcg(many, np.array([2]))[0] == pytest.approx((1 + 0.5) / (1 + 1 / np.log2(3)))
    # more relevant items than positions: the ideal is a list of hits only
    assert ndcg(np.array([[True, True]]), np.array([5]))[0] == pytest.approx(1.0)
    # ranking_metrics' NDCG is this one on the ranks
    ranks = np.array([0, 3, 7, 12])
    expected = np.array([1.0, 1 / np.log2(5), 1 / np.log2(9), 0.0]).mean()
    assert ranking_metrics(ranks, ks=(10,))["ndcg@10"] == pytest.approx(expected)


# --- beyond-accuracy metrics on hand-made lists -------------------------------------------------

def test_repeat_rate_counts_recommended_items_repeating_a_bought_key():
    item_key = np.array([0, 0, 1, 2, -1])
    lists = np.array([[1, 2, 4], [0, 3, -1]])  # user 0 bought item 0 (key 0); user 1 bought item 2 (key 1)
    rate = ev.repeat_rate(lists, np.array([0, 1]), item_key, np.array([0, 1]), np.array([0, 2]))
    # user 0: item 1 repeats key 0, item 2 no, item 4 unknown; user 1: item 0 (key 0) no, item 3 no
    assert rate == pytest.approx(1 / 5)


def test_intra_list_diversity_coverage_novelty():
    features = np.array([[1, 0], [1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    lists = np.array([[0, 1, -1], [0, 2, 3]])
    # list 0: one pair, identical -> 0; list 1: pairs (0,2)=0, (0,3)=0.6, (2,3)=0.8 -> 1 - 1.4/3
    assert ev.intra_list_diversity(lists, features) == pytest.approx((0 + (1 - 1.4 / 3)) / 2, rel=1e-5)
    assert ev.coverage(lists, 8) == pytest.approx(4 / 8)
    popularity = np.array([4, 2, 1, 0])
    expected = np.mean([-np.log2(4 / 8), -np.log2(2 / 8), -np.log2(4 / 8), -np.log2(1 / 8), -np.log2(1 / 8)])
    assert ev.novelty(lists, popularity, 8) == pytest.approx(expected)
