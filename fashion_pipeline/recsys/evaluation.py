"""The evaluation protocol's metrics, one module for every model and baseline.

- Full ranking: the held-out item against every item the user has not interacted with before
  (train items for validation; train + validation items for test).
- Sampled ranking: the held-out item against the split's 99 fixed negatives (recsys.data).
- Ties count against the model (pessimistic rank), so a model that scores everything alike
  earns nothing.
- NDCG with binary gains, one function (`ndcg`) for one held-out item and for many.

A model is anything with `score(users) -> (len(users), n_items)` scores. The split itself
(leave-last-out by time, the fixed negatives) is recsys.data.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp

from fashion_pipeline.recsys.data import PairSet, Split


class Scorer(Protocol):
    def score(self, users: np.ndarray) -> np.ndarray: ...


def pessimistic_rank(scores: np.ndarray, target_scores: np.ndarray) -> np.ndarray:
    """0-based rank of the target: items scoring higher, plus tied items (ties count against)."""
    t = target_scores[:, None]
    return (scores > t).sum(axis=1) + (scores == t).sum(axis=1) - 1


def ndcg(hits: np.ndarray, n_relevant: np.ndarray | int = 1) -> np.ndarray:
    """Per-list NDCG with binary gains: `hits` (lists, K) is True where the item at that position
    (best first) is relevant; `n_relevant` counts each list's relevant items, so the ideal list
    has min(n_relevant, K) hits on top."""
    discounts = 1.0 / np.log2(np.arange(2, hits.shape[1] + 2))
    ideal = np.cumsum(discounts)[np.minimum(n_relevant, hits.shape[1]) - 1]
    return (hits * discounts).sum(axis=1) / ideal


def hits_at(rank: np.ndarray, k: int) -> np.ndarray:
    """(len(rank), k) bool: True at position `rank` where the one relevant item made the top k."""
    hits = np.zeros((len(rank), k), dtype=bool)
    rows = np.flatnonzero(rank < k)
    hits[rows, rank[rows].astype(np.int64)] = True
    return hits


def ranking_metrics(rank: np.ndarray, ks=(10, 20)) -> dict[str, float]:
    """HR@K and NDCG@K from the 0-based rank of each user's one held-out item."""
    out = {}
    for k in ks:
        hit = rank < k
        out[f"hr@{k}"] = float(hit.mean()) if len(rank) else 0.0
        out[f"ndcg@{k}"] = float(ndcg(hits_at(rank, k)).mean()) if len(rank) else 0.0
    if 20 in ks:
        out["recall@20"] = out["hr@20"]  # one held-out item per user: recall@K is hit rate@K
    return out


def evaluate(model: Scorer, split: Split, stage: str, users: np.ndarray | None = None,
             batch_size: int = 1024) -> dict[str, float]:
    """Full-ranking and sampled metrics of `model` on the validation or test interactions."""
    targets = split.targets(stage)
    if users is None:
        users = np.flatnonzero(targets >= 0)
    seen = split.seen_matrix(stage)
    full_ranks, sampled_ranks = [], []
    for start in range(0, len(users), batch_size):
        batch = users[start:start + batch_size]
        scores = np.asarray(model.score(batch), dtype=np.float32).copy()
        target = targets[batch]
        rows = np.arange(len(batch))
        target_score = scores[rows, target].copy()
        sub = seen[batch]
        scores[np.repeat(rows, np.diff(sub.indptr)), sub.indices] = -np.inf
        full_ranks.append(pessimistic_rank(scores, target_score))
        negatives = scores[rows[:, None], split.negatives[batch]]
        # rank among the target and its 99 negatives: negatives scoring at least as high
        sampled_ranks.append((negatives >= target_score[:, None]).sum(axis=1))
    full = np.concatenate(full_ranks) if full_ranks else np.zeros(0)
    sampled = np.concatenate(sampled_ranks) if sampled_ranks else np.zeros(0)
    metrics = ranking_metrics(full)
    s = ranking_metrics(sampled, ks=(10,))
    metrics["hr@10_sampled"], metrics["ndcg@10_sampled"] = s["hr@10"], s["ndcg@10"]
    metrics["users"] = int(len(users))
    return metrics


def period_metrics_per_user(model: Scorer, seen: sp.csr_matrix, future: sp.csr_matrix, k: int = 10,
                            batch_size: int = 1024) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(users, {hr@K, recall@K, ndcg@K: one value per user}) for evaluate_period's protocol:
    per-user values let a caller judge a difference against its standard error."""
    from fashion_pipeline.recsys.recommend import top_k

    future = future.tocsr()
    users = np.flatnonzero(np.diff(future.indptr) > 0)
    if len(users) == 0:
        return users, {f"hr@{k}": np.zeros(0), f"recall@{k}": np.zeros(0), f"ndcg@{k}": np.zeros(0)}
    items, _ = top_k(model, users, seen, k=k, batch_size=batch_size)
    hits = np.asarray(future[np.repeat(users, items.shape[1]), items.ravel()]).reshape(items.shape) > 0
    n_future = np.diff(future.indptr)[users]
    return users, {f"hr@{k}": hits.any(axis=1).astype(np.float64), f"recall@{k}": hits.sum(axis=1) / n_future,
                   f"ndcg@{k}": ndcg(hits, n_future)}


def evaluate_period(model: Scorer, seen: sp.csr_matrix, future: sp.csr_matrix, k: int = 10,
                    batch_size: int = 1024) -> dict[str, float]:
    """How well top-K from `model` predicts what each user bought in a later period.

    `seen` (users x items) is what the model could know; `future` holds each user's purchases
    in the period, already-seen items removed. Users without future purchases are skipped.
    HR@K: share of users with a hit; Recall@K: hits / purchases; NDCG@K with binary gains.
    """
    users, per_user = period_metrics_per_user(model, seen, future, k, batch_size)
    if len(users) == 0:
        return {f"hr@{k}": 0.0, f"recall@{k}": 0.0, f"ndcg@{k}": 0.0, "users": 0}
    return {**{name: float(values.mean()) for name, values in per_user.items()}, "users": int(len(users))}


# --- beyond accuracy: what the lists look like, not only whether they hit -----------------------
# Lists are (users, K) item-index arrays, best first; -1 marks an empty slot and is ignored.

def repeat_rate(lists: np.ndarray, users: np.ndarray, item_key: np.ndarray, bought_users: np.ndarray,
                bought_items: np.ndarray) -> float:
    """Share of recommended items whose style-colour-pattern (`item_key`, -1 unknown) the user
    already bought (among `bought_users`/`bought_items` pairs)."""
    ok = lists >= 0
    rec_users = np.broadcast_to(users[:, None], lists.shape)[ok]
    rec_key = item_key[lists[ok]]
    b_key = item_key[bought_items]
    has = b_key >= 0
    if not ok.any():
        return 0.0
    n_keys = int(item_key.max()) + 2
    bought = PairSet(bought_users[has], b_key[has] + 1, n_keys) if has.any() else None
    hit = (rec_key >= 0) & (bought.contains(rec_users, rec_key + 1) if bought is not None else False)
    return float(np.mean(hit))


def intra_list_diversity(lists: np.ndarray, features: np.ndarray) -> float:
    """Mean over lists (of two or more items) of the mean pairwise dissimilarity 1 - f_i . f_j,
    with `features` rows of unit length (cosine) or scaled so the dot product is a similarity."""
    ok = lists >= 0
    f = features[np.maximum(lists, 0)] * ok[:, :, None]
    sim = np.einsum("ukd,uld->ukl", f, f)
    n = ok.sum(axis=1)
    pair = ok[:, :, None] & ok[:, None, :] & ~np.eye(lists.shape[1], dtype=bool)[None]
    pairs = pair.sum(axis=(1, 2))
    usable = n >= 2
    if not usable.any():
        return 0.0
    mean_sim = (sim * pair).sum(axis=(1, 2))[usable] / pairs[usable]
    return float(np.mean(1.0 - mean_sim))


def coverage(lists: np.ndarray, n_items: int) -> float:
    """Share of the catalogue recommended to at least one user."""
    return float(len(np.unique(lists[lists >= 0])) / n_items) if n_items else 0.0


def novelty(lists: np.ndarray, popularity: np.ndarray, n_users: int) -> float:
    """Mean self-information -log2(p) of recommended items, p = share of users who interacted
    with the item (at least one user, so unseen items are not infinitely novel)."""
    rec = lists[lists >= 0]
    if len(rec) == 0:
        return 0.0
    p = np.maximum(popularity[rec], 1) / max(n_users, 1)
    return float(np.mean(-np.log2(p)))


def beyond_accuracy(model: Scorer, split: Split, stage: str, item_key: np.ndarray, features: np.ndarray,
                    k: int = 10) -> dict[str, float]:
    """repeat_rate, intra_list_diversity, coverage, novelty of `model`'s top-k lists for the
    users evaluated at `stage`, judged against what they had bought by then."""
    from fashion_pipeline.recsys.recommend import top_k

    users = np.flatnonzero(split.targets(stage) >= 0)
    b_users, b_items, _ = split.fit_data(stage)
    lists, scores = top_k(model, users, split.seen_matrix(stage), k=k)
    lists = np.where(np.isfinite(scores), lists, -1)
    popularity = np.bincount(b_items, minlength=split.n_items)
    return {
        "repeat_rate": repeat_rate(lists, users, item_key, b_users, b_items),
        "intra_list_diversity": intra_list_diversity(lists, features),
        "coverage": coverage(lists, split.n_items),
        "novelty": novelty(lists, popularity, len(np.unique(b_users))),
    }
