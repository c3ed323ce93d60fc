"""Baselines under the same protocol: popularity, and implicit's ALS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fashion_pipeline.recsys.data import user_item_matrix


class Popularity:
    """Every user gets the items bought most often in the training data."""

    def __init__(self, n_items: int):
        self.counts = np.zeros(n_items, dtype=np.float32)

    def fit(self, users: np.ndarray, items: np.ndarray, n_users: int) -> "Popularity":
        self.counts = np.bincount(items, minlength=len(self.counts)).astype(np.float32)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(users), len(self.counts)))


@dataclass
class ALSConfig:
    # Chosen on validation NDCG@10 of the Amazon Beauty 5-core (benchmarks/ncf_benchmark.py):
    # sparse fashion data needs many factors and a high confidence weight.
    factors: int = 128
    regularization: float = 0.05
    # Confidence of an observed interaction: 1 + alpha.
    alpha: float = 20.0
    iterations: int = 15
    seed: int = 0


class ALS:
    """implicit's AlternatingLeastSquares; scores are user factors . item factors."""

    def __init__(self, cfg: ALSConfig | None = None):
        self.cfg = cfg or ALSConfig()
        self.user_factors = self.item_factors = None

    def fit(self, users: np.ndarray, items: np.ndarray, n_users: int, n_items: int) -> "ALS":
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        model = AlternatingLeastSquares(factors=self.cfg.factors, regularization=self.cfg.regularization,
                                        alpha=self.cfg.alpha, iterations=self.cfg.iterations,
                                        random_state=self.cfg.seed, calculate_training_loss=False)
        # implicit parallelizes over users itself; BLAS threads inside that only contend
        with threadpool_limits(1, "blas"):
            model.fit(user_item_matrix(users, items, n_users, n_items), show_progress=False)
        self.user_factors = np.asarray(model.user_factors)
        self.item_factors = np.asarray(model.item_factors)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.user_factors[users] @ self.item_factors.T
