"""The data every model and metric shares: the leave-last-out split and its index structures.

- Leave-last-out by time: each user's interactions sorted by (timestamp, line number); the last
  is test, the second-to-last validation, the rest train. Users with fewer than 3 interactions
  stay in train and are not evaluated.
- Fixed negatives: 99 per user, drawn once with a seed from items the user never touched, the
  same for every model (the NCF paper's sampled protocol).

The metrics computed on a split are in recsys.evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp

from fashion_pipeline import columns as C

N_EVAL_NEGATIVES = 99
STAGES = ("validation", "test", "serve")


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
