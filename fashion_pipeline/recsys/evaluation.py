"""The evaluation protocol, one module for every model and baseline.

- Leave-last-out by time: each user's interactions sorted by (timestamp, line number); the last
  is test, the second-to-last validation, the rest train. Users with fewer than 3 interactions
  stay in train and are not evaluated.
- Fixed negatives: 99 per user, drawn once with a seed from items the user never touched, the
  same for every model (the NCF paper's sampled protocol).
- Full ranking: the held-out item against every item the user has not interacted with before
  (train items for validation; train + validation items for test).
- Ties count against the model (pessimistic rank), so a model that scores everything alike
  earns nothing.

A model is anything with `score(users) -> (len(users), n_items)` scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl
import scipy.sparse as sp

from fashion_pipeline import columns as C

N_EVAL_NEGATIVES = 99
STAGES = ("validation", "test", "serve")


class Scorer(Protocol):
    def score(self, users: np.ndarray) -> np.ndarray: ...


@dataclass
class Split:
    """Leave-last-out split of implicit interactions, as index arrays."""

    n_users: int
    n_items: int
    train_users: np.ndarray
    train_items: np.ndarray
    train_times: np.ndarray
    val_item: np.ndarray  # per user; -1 where the user has no validation interaction
    val_time: np.ndarray
    test_item: np.ndarray
    test_time: np.ndarray
    negatives: np.ndarray  # (n_users, 99) fixed sampled-evaluation negatives (fewer for tiny catalogues)

    def fit_data(self, stage: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(users, items, times) to fit on: train for 'validation', train + validation for
        'test', and every interaction for 'serve' (the model that makes recommendations)."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
        parts = [(self.train_users, self.train_items, self.train_times)]
        for held_out, item, when in (("test", self.val_item, self.val_time), ("serve", self.test_item, self.test_time)):
            if STAGES.index(stage) >= STAGES.index(held_out):
                has = np.flatnonzero(item >= 0)
                parts.append((has, item[has], when[has]))
        return tuple(np.concatenate(arrays) for arrays in zip(*parts))

    def targets(self, stage: str) -> np.ndarray:
        return self.val_item if stage == "validation" else self.test_item

    def seen_matrix(self, stage: str) -> sp.csr_matrix:
        users, items, _ = self.fit_data(stage)
        return user_item_matrix(users, items, self.n_users, self.n_items)


def user_item_matrix(users, items, n_users, n_items, values=None) -> sp.csr_matrix:
    data = np.ones(len(users), dtype=np.float32) if values is None else values.astype(np.float32)
    m = sp.csr_matrix((data, (users, items)), shape=(n_users, n_items))
    m.sum_duplicates()
    return m


def leave_last_out(interactions: pl.DataFrame, seed: int = 0, n_users: int | None = None,
                   n_items: int | None = None) -> Split:
    """Split an interactions table (user_idx, item_idx, timestamp, line_number).

    `n_users`/`n_items` keep the global index space when the table is a subset (a season).
    """
    df = interactions.select(C.USER_IDX, C.ITEM_IDX, C.TIMESTAMP, C.LINE_NUMBER).sort(
        C.USER_IDX, C.TIMESTAMP, C.LINE_NUMBER)
    n_users = n_users or int(df[C.USER_IDX].max()) + 1
    n_items = n_items or int(df[C.ITEM_IDX].max()) + 1
    df = df.with_columns(
        pl.int_range(pl.len()).reverse().over(C.USER_IDX).alias("from_end"),
        pl.len().over(C.USER_IDX).alias("n"),
    )
    evaluable = pl.col("n") >= 3
    train = df.filter(~evaluable | (pl.col("from_end") >= 2))
    val = df.filter(evaluable & (pl.col("from_end") == 1))
    test = df.filter(evaluable & (pl.col("from_end") == 0))

    def per_user(part, col, fill):
        out = np.full(n_users, fill, dtype=np.int64)
        out[part[C.USER_IDX].to_numpy()] = part[col].to_numpy()
        return out

    users = df[C.USER_IDX].to_numpy()
    items = df[C.ITEM_IDX].to_numpy()
    return Split(
        n_users=n_users, n_items=n_items,
        train_users=train[C.USER_IDX].to_numpy().astype(np.int64),
        train_items=train[C.ITEM_IDX].to_numpy().astype(np.int64),
        train_times=train[C.TIMESTAMP].to_numpy().astype(np.int64),
        val_item=per_user(val, C.ITEM_IDX, -1), val_time=per_user(val, C.TIMESTAMP, 0),
        test_item=per_user(test, C.ITEM_IDX, -1), test_time=per_user(test, C.TIMESTAMP, 0),
        # 99 negatives; fewer only for a catalogue too small to hold 99 unseen items per user
        negatives=sample_unseen(users, items, n_users, n_items,
                                min(N_EVAL_NEGATIVES, n_items - int(np.bincount(users).max())),
                                np.random.default_rng(seed)),
    )


class PairSet:
    """Membership of (user, item) pairs, vectorized: sorted int64 keys and searchsorted."""

    def __init__(self, users: np.ndarray, items: np.ndarray, n_items: int):
        self.n_items = n_items
        self.keys = np.unique(users.astype(np.int64) * n_items + items)

    def contains(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        q = users.astype(np.int64) * self.n_items + items
        pos = np.minimum(np.searchsorted(self.keys, q), len(self.keys) - 1)
        return self.keys[pos] == q


def sample_unseen(users, items, n_users, n_items, k, rng, max_rounds: int = 100) -> np.ndarray:
    """(n_users, k) distinct items per user that the user never interacted with."""
    seen = PairSet(users, items, n_items)
    per_user_seen = np.bincount(users, minlength=n_users)
    if (per_user_seen + k > n_items).any():
        raise ValueError(f"some user has interacted with too many of the {n_items} items to draw {k} negatives")
    out = rng.integers(0, n_items, (n_users, k))
    rows = np.repeat(np.arange(n_users), k)
    for _ in range(max_rounds):
        flat = out.ravel()
        srt = np.sort(out, axis=1)
        dup_sorted = np.zeros_like(srt, dtype=bool)
        dup_sorted[:, 1:] = srt[:, 1:] == srt[:, :-1]
        # a duplicate within a row: redraw the later copies
        order = np.argsort(out, axis=1, kind="stable")
        dup = np.zeros_like(dup_sorted)
        np.put_along_axis(dup, order, dup_sorted, axis=1)
        bad = seen.contains(rows, flat).reshape(out.shape) | dup
        if not bad.any():
            return out
        out[bad] = rng.integers(0, n_items, int(bad.sum()))
    raise RuntimeError("could not draw enough unseen negatives")


def pessimistic_rank(scores: np.ndarray, target_scores: np.ndarray) -> np.ndarray:
    """0-based rank of the target: items scoring higher, plus tied items (ties count against)."""
    t = target_scores[:, None]
    return (scores > t).sum(axis=1) + (scores == t).sum(axis=1) - 1


def ranking_metrics(rank: np.ndarray, ks=(10, 20)) -> dict[str, float]:
    out = {}
    for k in ks:
        hit = rank < k
        out[f"hr@{k}"] = float(hit.mean()) if len(rank) else 0.0
        out[f"ndcg@{k}"] = float(np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0).mean()) if len(rank) else 0.0
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


def evaluate_period(model: Scorer, seen: sp.csr_matrix, future: sp.csr_matrix, k: int = 10,
                    batch_size: int = 1024) -> dict[str, float]:
    """How well top-K from `model` predicts what each user bought in a later period.

    `seen` (users x items) is what the model could know; `future` holds each user's purchases
    in the period, already-seen items removed. Users without future purchases are skipped.
    HR@K: share of users with a hit; Recall@K: hits / purchases; NDCG@K with binary gains.
    """
    from fashion_pipeline.recsys.recommend import top_k

    future = future.tocsr()
    users = np.flatnonzero(np.diff(future.indptr) > 0)
    if len(users) == 0:
        return {f"hr@{k}": 0.0, f"recall@{k}": 0.0, f"ndcg@{k}": 0.0, "users": 0}
    items, _ = top_k(model, users, seen, k=k, batch_size=batch_size)
    hits = np.asarray(future[np.repeat(users, items.shape[1]), items.ravel()]).reshape(items.shape) > 0
    n_future = np.diff(future.indptr)[users]
    discounts = 1.0 / np.log2(np.arange(2, items.shape[1] + 2))
    ideal = np.cumsum(discounts)[np.minimum(n_future, items.shape[1]) - 1]
    return {
        f"hr@{k}": float(hits.any(axis=1).mean()),
        f"recall@{k}": float((hits.sum(axis=1) / n_future).mean()),
        f"ndcg@{k}": float(((hits * discounts).sum(axis=1) / ideal).mean()),
        "users": int(len(users)),
    }


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
