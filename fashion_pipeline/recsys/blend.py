"""Score blends of two fitted models, e.g. `sasrec+ease`: each model's scores z-normalised per
user, then w * first + (1 - w) * second, with w chosen on validation NDCG@10 from a grid that
holds 0 and 1 (so a blend is never chosen worse, on validation, than either model alone).

A blend is a model of the registry (recsys.registry) that requires its two parts; its own fit
is only the weight, chosen on the validation-stage fits of the parts and reused by the test and
serving refits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

# The blends every benchmark and `evaluate --models all` runs: the sequence model with each
# strong simple peer.
BLENDS: tuple[tuple[str, str], ...] = (("sasrec", "ease"), ("sasrec", "als"), ("sasrec", "slist"))
SEPARATOR = "+"


def blend_name(first: str, second: str) -> str:
    return f"{first}{SEPARATOR}{second}"


@dataclass
class BlendConfig:
    # Weights of the first model that validation NDCG@10 chooses from; 1 is the first model
    # alone, 0 the second alone.
    weights: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    # Validation users scored per weight (a fixed random subset, as the torch models validate on).
    eval_users: int = 5000
    seed: int = 0


def znorm(scores: np.ndarray) -> np.ndarray:
    """Per row (user): zero mean, unit standard deviation (a constant row becomes all zeros)."""
    scores = np.asarray(scores, dtype=np.float32)
    std = scores.std(axis=1, keepdims=True)
    return (scores - scores.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1.0)


class Blend:
    """w * znorm(first) + (1 - w) * znorm(second); the parts are scorers (score(users))."""

    def __init__(self, first, second, weight: float = 0.5):
        self.first, self.second = first, second
        self.weight = np.float32(weight)

    def combine(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        w = float(self.weight)
        if w == 1.0:
            return znorm(a)
        if w == 0.0:
            return znorm(b)
        return w * znorm(a) + (1.0 - w) * znorm(b)

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.combine(self.first.score(users), self.second.score(users))


def choose_weight(first, second, validate, cfg: BlendConfig, on_step=None) -> tuple[float, list[dict]]:
    """The grid weight with the best validation NDCG@10 (the first best on ties) and one record
    per weight; `validate(scorer)` returns validation metrics."""
    if not cfg.weights or any(not 0.0 <= w <= 1.0 for w in cfg.weights):
        raise ValueError(f"BlendConfig.weights must be a non-empty grid within [0, 1], not {cfg.weights}")
    history, best, best_ndcg = [], cfg.weights[0], float("-inf")
    for step, w in enumerate(cfg.weights, start=1):
        start = time.perf_counter()
        metrics = validate(Blend(first, second, w))
        record = {"epoch": step, "setting": f"weight {w:g}", "weight": float(w),
                  "seconds": time.perf_counter() - start, **{f"val_{k}": v for k, v in metrics.items()}}
        history.append(record)
        if on_step is not None:
            on_step(step, record)
        if metrics["ndcg@10"] > best_ndcg:
            best, best_ndcg = w, metrics["ndcg@10"]
    return float(best), history
