"""Training negatives: for every positive, `ratio` items the user has not interacted with."""

from __future__ import annotations

import numpy as np

from fashion_pipeline.recsys.data import PairSet


def sample_training_negatives(users: np.ndarray, positives: PairSet, n_items: int, ratio: int,
                              rng: np.random.Generator, max_rounds: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """(users, items) of `ratio` negatives per entry of `users`, never one of the user's items.

    Uniform draws, with only the (rare) hits on a user's own items drawn again.
    """
    neg_users = np.repeat(users, ratio)
    neg_items = rng.integers(0, n_items, len(neg_users))
    for _ in range(max_rounds):
        bad = positives.contains(neg_users, neg_items)
        if not bad.any():
            return neg_users, neg_items
        neg_items[bad] = rng.integers(0, n_items, int(bad.sum()))
    raise RuntimeError("could not draw negatives: some user has interacted with nearly every item")
