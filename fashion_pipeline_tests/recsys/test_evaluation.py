import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.evaluation import (
    PairSet, evaluate, leave_last_out, pessimistic_rank, ranking_metrics, sample_unseen,
)
from fashion_pipeline.recsys.sampling import sample_training_negatives


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


def test_leave_last_out_by_time_with_line_number_tie_break():
    split = leave_last_out(_interactions([
        (0, 0, 100, 1), (0, 1, 300, 2), (0, 2, 200, 3), (0, 3, 300, 4),  # items 1 and 3 at the same time
        (1, 0, 100, 5), (1, 2, 50, 6),  # two interactions: train only
        *[(2, i, i, 6 + i) for i in range(5, 9)],
    ]))
    assert (split.val_item[0], split.test_item[0]) == (1, 3)  # line 2 before line 4
    assert sorted(split.train_items[split.train_users == 0]) == [0, 2]
    assert split.val_item[1] == -1 and split.test_item[1] == -1
    assert sorted(split.train_items[split.train_users == 1]) == [0, 2]


def test_no_test_or_validation_interaction_leaks_into_training(small_sample_split):
    split = small_sample_split
    train = PairSet(split.train_users, split.train_items, split.n_items)
    users = np.flatnonzero(split.test_item >= 0)
    assert not train.contains(users, split.test_item[users]).any()
    assert not train.contains(users, split.val_item[users]).any()
    test_fit = PairSet(*split.fit_data("test")[:2], split.n_items)
    assert not test_fit.contains(users, split.test_item[users]).any()
    assert test_fit.contains(users, split.val_item[users]).all()
    # every held-out interaction is the user's latest
    last_train = np.zeros(split.n_users, dtype=np.int64)
    np.maximum.at(last_train, split.train_users, split.train_times)
    assert (split.val_time[users] >= last_train[users]).all() and (split.test_time[users] >= split.val_time[users]).all()


def test_negatives_never_hit_the_users_items(small_sample_split):
    split = small_sample_split
    users, items, _ = split.fit_data("serve")
    everything = PairSet(users, items, split.n_items)
    negs = split.negatives
    assert negs.shape == (split.n_users, 99)
    assert not everything.contains(np.repeat(np.arange(split.n_users), 99), negs.ravel()).any()
    assert all(len(set(row)) == 99 for row in negs[:200])
    train = PairSet(split.train_users, split.train_items, split.n_items)
    nu, ni = sample_training_negatives(split.train_users, train, split.n_items, 4, np.random.default_rng(1))
    assert len(nu) == 4 * len(split.train_users)
    assert not train.contains(nu, ni).any()


def test_sample_unseen_refuses_impossible_requests():
    with pytest.raises(ValueError):
        sample_unseen(np.array([0, 0]), np.array([0, 1]), 1, 3, 2, np.random.default_rng(0))


def test_evaluate_perfect_and_hopeless_models():
    split = leave_last_out(_interactions([(u, (3 * u + j) % 150, j, 10 * u + j) for u in range(50) for j in range(5)]))
    perfect = np.zeros((split.n_users, split.n_items))
    perfect[np.arange(split.n_users), split.test_item] = 1.0
    m = evaluate(FixedScores(perfect), split, "test")
    assert m["hr@10"] == 1.0 and m["ndcg@10"] == 1.0 and m["hr@10_sampled"] == 1.0
    m = evaluate(FixedScores(np.zeros_like(perfect)), split, "test")  # all ties: nothing earned
    assert m["hr@10"] == 0.0 and m["hr@10_sampled"] == 0.0


def test_evaluate_period_on_hand_made_purchases():
    from fashion_pipeline.recsys.evaluation import evaluate_period, user_item_matrix

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
