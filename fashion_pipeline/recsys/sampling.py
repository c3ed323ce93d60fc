"""Training negatives: for the log loss, `ratio` items per positive that the user has not
interacted with; for the sampled softmax, one set of items shared by a whole batch."""

from __future__ import annotations

import numpy as np
import torch

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


SAMPLINGS = ("uniform", "popularity")


class SharedNegatives:
    """The negatives a batch of the sampled softmax shares: `k` distinct items per draw.

    "uniform" draws without replacement, so every item is equally likely and no correction is
    needed. "popularity" draws in proportion to the items' training counts, which makes the
    negatives harder (a popular item the user skipped says more than a random one), and returns
    the logQ correction log(k * q_item) to subtract from their logits, so that the sampled loss
    still estimates the full softmax (Bengio & Senecal 2008; Yi et al. 2019). Draws cost O(k log n),
    not O(n): the catalogue's size does not enter a batch's cost.
    """

    def __init__(self, items: np.ndarray, n_items: int, k: int, sampling: str, rng: np.random.Generator,
                 device: torch.device):
        if sampling not in SAMPLINGS:
            raise ValueError(f"softmax_sampling must be one of {', '.join(SAMPLINGS)}, not {sampling!r}")
        self.n_items, self.k, self.rng, self.device = n_items, min(k, n_items), rng, device
        self.cdf = self.log_kq = None
        if sampling == "popularity":
            q = np.bincount(items, minlength=n_items).astype(np.float64)
            q /= q.sum()
            self.cdf = np.cumsum(q)
            self.log_kq = torch.as_tensor(np.log(np.maximum(self.k * q, 1e-30)), dtype=torch.float32, device=device)

    def draw(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(distinct item indices, their logQ correction or None for uniform draws)."""
        if self.cdf is None:
            items = self.rng.choice(self.n_items, self.k, replace=False)
            return torch.as_tensor(items, device=self.device), None
        # with replacement by the cumulative counts, then distinct: at most k, usually a few fewer
        drawn = np.searchsorted(self.cdf, self.rng.random(self.k) * self.cdf[-1], side="right")
        items = torch.as_tensor(np.unique(np.minimum(drawn, self.n_items - 1)), device=self.device)
        return items, self.log_kq[items]
