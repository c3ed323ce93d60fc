"""Cold start: scoring items nobody has bought yet from their images, and measuring how well it works.

Two scorers, both fed by the image features (one unit vector per item):

- image similarity (the baseline): a user's profile is the mean image vector of what they
  bought; an item scores the cosine-like dot product of its vector with that profile.
- the image MLP (recsys.models.image_mlp): trained on the warm interactions with the shared
  training loop, its item side a projection of the image vector, so a new item needs no retraining.

The evaluation holds a random share of items out of training entirely and ranks, for every
user who bought some of them (and something else), only the held-out items; HR@10 / NDCG@10 come
from evaluation.evaluate_period, the same code that scores seasons.

`reserve_cold_slot` is the rule user_recommendations uses to mix cold items in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch

from fashion_pipeline.recsys.data import user_item_matrix
from fashion_pipeline.recsys.evaluation import evaluate_period
from fashion_pipeline.recsys.models.image_mlp import ImageMLP, ImageMLPConfig
from fashion_pipeline.recsys.training import TorchScorer, resolve_device, train_pointwise


def align_vectors(feature_ids, vectors: np.ndarray, item_ids) -> tuple[np.ndarray, np.ndarray]:
    """(rows of `vectors` in `item_ids` order, has-image mask); zeros where an item has no image."""
    feature_ids = np.asarray(feature_ids, dtype=object).astype(str)
    item_ids = np.asarray(item_ids, dtype=object).astype(str)
    order = np.argsort(feature_ids)
    pos = np.searchsorted(feature_ids[order], item_ids)
    pos = np.minimum(pos, max(len(order) - 1, 0))
    found = (feature_ids[order][pos] == item_ids) if len(order) else np.zeros(len(item_ids), bool)
    out = np.zeros((len(item_ids), vectors.shape[1]), np.float32)
    out[found] = vectors[order[pos[found]]]
    return out, found


def user_profiles(seen: sp.csr_matrix, item_vectors: np.ndarray) -> np.ndarray:
    """(n_users, dim): the mean image vector of each user's items (zeros for a user with none)."""
    counts = np.asarray(seen.sum(axis=1)).ravel()
    inverse = sp.diags(1.0 / np.maximum(counts, 1.0))
    return np.asarray(inverse @ (seen @ item_vectors), dtype=np.float32)


class ImageSimilarityScorer:
    """score(users) = profile(user) . image(item): how much an item looks like what the user bought."""

    def __init__(self, seen: sp.csr_matrix, item_vectors: np.ndarray):
        self.profiles = user_profiles(seen, item_vectors)
        self.item_vectors = np.asarray(item_vectors, np.float32)

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.profiles[users] @ self.item_vectors.T


class RandomScorer:
    def __init__(self, n_items: int, seed: int = 0):
        self.n_items, self.rng = n_items, np.random.default_rng(seed)

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.rng.random((len(users), self.n_items), dtype=np.float32)


class LeaveUserOutPopularity:
    """An oracle baseline: how many *other* users bought the item in `counts_from` (the held-out
    interactions themselves, since cold items have no training popularity)."""

    def __init__(self, counts_from: sp.csr_matrix):
        self.matrix = counts_from.tocsr()
        self.counts = np.asarray((self.matrix > 0).sum(axis=0), dtype=np.float32).ravel()

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.counts[None, :] - (self.matrix[users] > 0).toarray().astype(np.float32)


class OnlyItems:
    """Restricts a scorer's ranking to `items`: every other item scores -inf."""

    def __init__(self, scorer, items: np.ndarray, n_items: int):
        self.scorer = scorer
        self.mask = np.ones(n_items, bool)
        self.mask[items] = False

    def score(self, users: np.ndarray) -> np.ndarray:
        scores = np.array(self.scorer.score(users), dtype=np.float32)
        scores[:, self.mask] = -np.inf
        return scores


def _fit_image_mlp(users: np.ndarray, items: np.ndarray, n_users: int, item_vectors: np.ndarray,
                   order: np.ndarray, n_fit: int, config: ImageMLPConfig, epochs: int, validate=None):
    """Train on (users, items) with the model's items = `order` (the first n_fit are the ones
    trained on and drawn as negatives); returns (model, TrainResult)."""
    compact = np.full(len(item_vectors), -1, np.int64)
    compact[order] = np.arange(len(order))
    torch.manual_seed(config.train.seed)  # the initial weights, too, follow the seed
    model = ImageMLP(n_users, item_vectors[order], config.layers, config.dropout, config.user_init_std)
    result = train_pointwise(model, users, compact[items], n_fit, config.train, validate=validate, epochs=epochs)
    return model, result


def choose_epochs(train_users: np.ndarray, train_items: np.ndarray, n_users: int, item_vectors: np.ndarray,
                  config: ImageMLPConfig = ImageMLPConfig(), k: int = 10) -> int:
    """Epochs by early stopping on NDCG@k over validation items held out of this training run,
    ranked (only among themselves) for users who bought one, like the cold-start evaluation."""
    warm = np.unique(train_items)
    rng = np.random.default_rng(config.train.seed)
    val = np.sort(rng.choice(warm, max(k, int(round(config.validation_share * len(warm)))), replace=False))
    fit = np.setdiff1d(warm, val)
    order = np.concatenate([fit, val])
    keep = ~np.isin(train_items, val)
    compact = np.full(len(item_vectors), -1, np.int64)
    compact[order] = np.arange(len(order))
    seen = user_item_matrix(train_users[keep], compact[train_items[keep]], n_users, len(order))
    has_fit = np.diff(seen.indptr) > 0
    on_val = ~keep & has_fit[train_users]
    future = user_item_matrix(train_users[on_val], compact[train_items[on_val]], n_users, len(order))
    future.data[:] = 1.0
    val_positions = np.arange(len(fit), len(order))

    def validate(scorer):
        return evaluate_period(OnlyItems(scorer, val_positions, len(order)), seen, future, k=k)

    _, result = _fit_image_mlp(train_users[keep], train_items[keep], n_users, item_vectors, order, len(fit),
                               config, config.train.epochs, validate)
    return max(result.best_epoch, 1)


def train_image_mlp(train_users: np.ndarray, train_items: np.ndarray, n_users: int, item_vectors: np.ndarray,
                    config: ImageMLPConfig = ImageMLPConfig()) -> ImageMLP:
    """Fit the image MLP on the items in train_items (the epoch count chosen on validation items
    when config.validation_share > 0), then hand it every item's vector, so it scores the whole
    catalogue. Negatives are drawn among trained items only: a cold item must not be learned as
    "not bought"."""
    warm = np.unique(train_items)
    epochs = config.train.epochs
    if config.validation_share > 0:
        epochs = choose_epochs(train_users, train_items, n_users, item_vectors, config)
    model, _ = _fit_image_mlp(train_users, train_items, n_users, item_vectors, warm, len(warm), config, epochs)
    model.item_vectors = torch.as_tensor(np.asarray(item_vectors, np.float32),
                                         device=model.item_vectors.device)  # now the whole catalogue
    model.epochs = epochs  # what was trained, for reports
    return model


@dataclass
class ColdStartConfig:
    # Share of items (with an image) held out of training entirely; their interactions are the test.
    held_out_share: float = 0.1
    k: int = 10
    seed: int = 0
    mlp: ImageMLPConfig = field(default_factory=ImageMLPConfig)


@dataclass
class ColdStartData:
    n_users: int
    n_items: int
    cold_items: np.ndarray
    train_users: np.ndarray  # interactions with warm items only
    train_items: np.ndarray
    seen: sp.csr_matrix  # users x items, training interactions
    future: sp.csr_matrix  # users x items, the held-out items' interactions of evaluable users


def hold_out_items(users: np.ndarray, items: np.ndarray, n_users: int, n_items: int, has_image: np.ndarray,
                   config: ColdStartConfig = ColdStartConfig()) -> ColdStartData:
    """Hold `held_out_share` of the items with an image out of training. A user is evaluated on
    the held-out items they bought when they also bought some warm item (otherwise no profile)."""
    rng = np.random.default_rng(config.seed)
    candidates = np.flatnonzero(has_image)
    n_cold = max(config.k, int(round(config.held_out_share * len(candidates))))
    if n_cold >= len(candidates):
        raise ValueError(f"{len(candidates)} items with images are too few to hold out {n_cold} and train on the rest")
    cold = np.sort(rng.choice(candidates, n_cold, replace=False))
    is_cold = np.zeros(n_items, bool)
    is_cold[cold] = True
    on_cold = is_cold[items]
    seen = user_item_matrix(users[~on_cold], items[~on_cold], n_users, n_items)
    has_warm = np.diff(seen.indptr) > 0
    test = on_cold & has_warm[users]
    future = user_item_matrix(users[test], items[test], n_users, n_items)
    future.data[:] = 1.0  # a repeat purchase is still one held-out item
    return ColdStartData(n_users, n_items, cold, users[~on_cold], items[~on_cold], seen, future)


def evaluate_cold_start(data: ColdStartData, item_vectors: np.ndarray,
                        config: ColdStartConfig = ColdStartConfig()) -> dict[str, dict[str, float]]:
    """HR@k, Recall@k, NDCG@k ranking only the held-out items, for each ordering."""
    start = time.perf_counter()
    mlp = train_image_mlp(data.train_users, data.train_items, data.n_users, item_vectors, config.mlp)
    mlp_seconds = time.perf_counter() - start
    scorers = {
        "image-mlp": TorchScorer(mlp, resolve_device(config.mlp.train.device)),
        "image-similarity": ImageSimilarityScorer(data.seen, item_vectors),
        "random": RandomScorer(data.n_items, config.seed),
        "popularity (held-out counts, oracle)": LeaveUserOutPopularity(data.future),
    }
    results = {}
    for name, scorer in scorers.items():
        results[name] = evaluate_period(OnlyItems(scorer, data.cold_items, data.n_items), data.seen, data.future, k=config.k)
    results["image-mlp"]["fit_seconds"] = round(mlp_seconds, 2)
    results["image-mlp"]["epochs"] = mlp.epochs
    return results


def reserve_cold_slot(rec_items: np.ndarray, seen: sp.csr_matrix, warm_vectors: np.ndarray,
                      cold_vectors: np.ndarray, batch_size: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """The mixing rule of user_recommendations: the last of each user's K slots goes to the cold
    item that looks most like the user's purchases, when it looks more like them than the K-th
    warm recommendation does (both scored by image similarity, so the two are comparable).

    rec_items: (n_users, K) warm item indices, best first; seen: users x warm items;
    warm_vectors: (n_warm, dim), zeros for items without an image; cold_vectors: (n_cold, dim).
    Returns (cold item position per user or -1 where the warm item stays, its image score).
    """
    n_users = rec_items.shape[0]
    chosen = np.full(n_users, -1, np.int64)
    best = np.zeros(n_users, np.float32)
    if len(cold_vectors) == 0 or rec_items.shape[1] == 0:
        return chosen, best
    profiles = user_profiles(seen, warm_vectors)
    for s in range(0, n_users, batch_size):  # bounds the (users x cold items) score block
        p = profiles[s:s + batch_size]
        cold_scores = p @ cold_vectors.T
        top = cold_scores.argmax(axis=1)
        top_score = cold_scores[np.arange(len(p)), top]
        last_warm = np.einsum("ud,ud->u", p, warm_vectors[rec_items[s:s + batch_size, -1]])
        wins = (top_score > last_warm) & (np.abs(p).sum(axis=1) > 0)
        chosen[s:s + batch_size] = np.where(wins, top, -1)
        best[s:s + batch_size] = top_score
    return chosen, best
