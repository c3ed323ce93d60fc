"""The split: leave-last-out by time, the fixed negatives, pair membership."""

import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.data import STAGES, PairSet, leave_last_out, sample_unseen, user_item_matrix
from fashion_pipeline.recsys.sampling import sample_training_negatives


def _interactions(rows):
    return pl.DataFrame(rows, schema=[C.USER_IDX, C.ITEM_IDX, C.TIMESTAMP, C.LINE_NUMBER], orient="row")


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


def test_leave_last_out_puts_the_last_interaction_in_test_and_the_one_before_in_validation():
    # rows out of order on purpose; user 0's two latest share a timestamp: line number decides
    split = leave_last_out(_interactions([
        (0, 4, 500, 9), (0, 1, 100, 1), (0, 2, 200, 2), (0, 3, 500, 3), (0, 5, 300, 4),
        (1, 6, 10, 5), (1, 7, 30, 6), (1, 8, 20, 7),
    ]))
    assert (split.n_users, split.n_items) == (2, 9)
    assert (split.test_item[0], split.val_item[0]) == (4, 3)  # line 9 after line 3 at t=500
    assert (split.test_time[0], split.val_time[0]) == (500, 500)
    assert sorted(split.train_items[split.train_users == 0]) == [1, 2, 5]
    assert (split.test_item[1], split.val_item[1]) == (7, 8)  # by time, not by line
    assert split.train_items[split.train_users == 1].tolist() == [6]
    # each stage fits on what comes before its target, and serving on everything
    sizes = {stage: len(split.fit_data(stage)[0]) for stage in STAGES}
    assert sizes == {"validation": 4, "test": 6, "serve": 8}
    with pytest.raises(ValueError, match="stage"):
        split.fit_data("train")


def test_sample_unseen_never_returns_a_seen_item_and_no_duplicates():
    rng = np.random.default_rng(3)
    n_users, n_items, k = 30, 40, 20
    users = np.repeat(np.arange(n_users), 15)
    items = np.concatenate([rng.choice(n_items, 15, replace=False) for _ in range(n_users)])
    out = sample_unseen(users, items, n_users, n_items, k, np.random.default_rng(0))
    assert out.shape == (n_users, k)
    seen = user_item_matrix(users, items, n_users, n_items).toarray() > 0
    assert not seen[np.repeat(np.arange(n_users), k), out.ravel()].any()
    assert all(len(set(row)) == k for row in out.tolist())
    # seeded: the same draws again
    assert np.array_equal(out, sample_unseen(users, items, n_users, n_items, k, np.random.default_rng(0)))


def test_pair_set_membership():
    pairs = PairSet(np.array([0, 0, 2]), np.array([1, 3, 0]), n_items=4)
    got = pairs.contains(np.array([0, 0, 1, 2, 2]), np.array([1, 2, 1, 0, 3]))
    assert got.tolist() == [True, False, False, True, False]
