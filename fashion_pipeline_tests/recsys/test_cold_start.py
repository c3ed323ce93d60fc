"""Cold start from images: unseen items that look like a user's purchases rank above ones that do not."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from fashion_pipeline.recsys.cold_start import (ColdStartConfig, ImageSimilarityScorer, align_vectors,
                                                evaluate_cold_start, hold_out_items, reserve_cold_slot,
                                                train_image_mlp)
from fashion_pipeline.recsys.data import user_item_matrix
from fashion_pipeline.recsys.models.image_mlp import ImageMLP, ImageMLPConfig
from fashion_pipeline.recsys.train_config import TrainConfig


def two_tastes(n_users=60, per_colour=20, per_user=6, seed=0):
    """Half the users buy only 'red' items (image vectors near e0), half only 'blue' (near e1)."""
    rng = np.random.default_rng(seed)
    dim = 8
    base = np.zeros((2, dim), np.float32)
    base[0, 0] = base[1, 1] = 1.0
    colour = np.repeat([0, 1], per_colour)
    vectors = base[colour] + 0.15 * rng.standard_normal((len(colour), dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    taste = np.arange(n_users) % 2
    users = np.repeat(np.arange(n_users), per_user)
    items = np.concatenate([rng.choice(np.flatnonzero(colour == t), per_user, replace=False) for t in taste])
    return users, items, vectors, colour, taste


def test_image_similarity_ranks_the_lookalike_cold_item_first():
    users, items, vectors, colour, taste = two_tastes()
    red_cold, blue_cold = 0, len(colour) - 1  # pretend these two were never bought
    keep = (items != red_cold) & (items != blue_cold)
    seen = user_item_matrix(users[keep], items[keep], len(taste), len(colour))
    scores = ImageSimilarityScorer(seen, vectors).score(np.arange(len(taste)))
    red_users, blue_users = taste == 0, taste == 1
    assert (scores[red_users, red_cold] > scores[red_users, blue_cold]).all()
    assert (scores[blue_users, blue_cold] > scores[blue_users, red_cold]).all()


def test_image_mlp_scores_unseen_items_by_their_looks():
    users, items, vectors, colour, taste = two_tastes()
    red_cold, blue_cold = 0, len(colour) - 1
    keep = (items != red_cold) & (items != blue_cold)
    config = ImageMLPConfig(layers=(16, 8), validation_share=0.0, train=TrainConfig(epochs=15, lr=0.01, batch_size=256, negatives=4,
                                                               device="cpu"))
    model = train_image_mlp(users[keep], items[keep], len(taste), vectors, config)
    assert model.item_vectors.shape[0] == len(colour)  # trained on warm items, now scores the catalogue
    with torch.no_grad():
        scores = model.score_users(torch.arange(len(taste))).numpy()
    red_users, blue_users = taste == 0, taste == 1
    assert (scores[red_users, red_cold] > scores[red_users, blue_cold]).mean() >= 0.9
    assert (scores[blue_users, blue_cold] > scores[blue_users, red_cold]).mean() >= 0.9


def test_image_mlp_all_item_scores_equal_pairwise_forward():
    torch.manual_seed(0)
    model = ImageMLP(5, np.random.default_rng(0).standard_normal((7, 4)).astype(np.float32), (8, 4))
    users = torch.tensor([0, 3])
    with torch.no_grad():
        full = model.score_users(users, item_chunk=3)
        pairs = model(users.repeat_interleave(7), torch.arange(7).repeat(2)).reshape(2, 7)
    assert torch.allclose(full, pairs, atol=1e-5)


def test_hold_out_keeps_cold_items_out_of_training():
    users, items, vectors, colour, _ = two_tastes()
    data = hold_out_items(users, items, 60, len(colour), np.ones(len(colour), bool),
                          ColdStartConfig(held_out_share=0.25, k=5))
    assert len(data.cold_items) == 10
    assert not np.isin(data.train_items, data.cold_items).any()
    assert data.seen[:, data.cold_items].nnz == 0
    future_items = np.unique(data.future.indices)
    assert np.isin(future_items, data.cold_items).all() and data.future.nnz > 0


def test_evaluation_image_orderings_beat_random_on_two_tastes():
    users, items, vectors, colour, _ = two_tastes(n_users=80, per_colour=30)
    config = ColdStartConfig(held_out_share=0.4, k=5, mlp=ImageMLPConfig(
        layers=(16, 8), validation_share=0.0, train=TrainConfig(epochs=20, lr=0.01, batch_size=64, negatives=4, device="cpu")))
    data = hold_out_items(users, items, 80, len(colour), np.ones(len(colour), bool), config)
    results = evaluate_cold_start(data, vectors, config)
    assert set(results) == {"image-mlp", "image-similarity", "random", "popularity (held-out counts, oracle)"}
    for name in ("image-mlp", "image-similarity"):
        assert results[name]["ndcg@5"] > results["random"]["ndcg@5"] + 0.1, (name, results)


def test_align_vectors_puts_rows_in_item_order_with_zeros_for_missing():
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    out, found = align_vectors(["b", "a", "c"], vectors, ["a", "x", "c", "b"])
    np.testing.assert_array_equal(out, [[2, 3], [0, 0], [4, 5], [0, 1]])
    np.testing.assert_array_equal(found, [True, False, True, True])


def test_reserve_cold_slot_by_hand():
    e = np.eye(3, dtype=np.float32)
    warm = np.stack([e[0], e[0], e[1], np.zeros(3, np.float32)])  # item 3 has no image
    seen = sp.csr_matrix(np.array([[1, 0, 0, 0],     # likes e0
                                   [0, 0, 1, 0],     # likes e1
                                   [0, 0, 0, 0]], np.float32))  # bought nothing
    rec = np.array([[2, 3], [0, 2], [0, 1]])  # K=2; user 0's last warm slot has no image (score 0)
    cold = np.stack([e[0] * 0.9 + e[2] * 0.1, e[2]])
    chosen, score = reserve_cold_slot(rec, seen, warm, cold)
    # user 0: cold 0 scores 0.9 > 0 -> replaces; user 1: best cold scores 0 < last warm (item 2: 1.0) -> stays;
    # user 2: no purchases, no profile -> stays
    np.testing.assert_array_equal(chosen, [0, -1, -1])
    assert score[0] == pytest.approx(0.9)


def test_epochs_are_chosen_on_validation_items():
    users, items, vectors, colour, taste = two_tastes(n_users=80, per_colour=30)
    config = ImageMLPConfig(layers=(16, 8), validation_share=0.2, train=TrainConfig(
        epochs=6, lr=0.01, batch_size=64, negatives=4, patience=2, device="cpu"))
    model = train_image_mlp(users, items, 80, vectors, config)
    assert 1 <= model.epochs <= 6 and model.item_vectors.shape[0] == len(colour)
