"""Top-K recommendations for many users at once, never an item the user already has."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def top_k(model, users: np.ndarray, seen: sp.csr_matrix, k: int = 10,
          batch_size: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """(items, scores), each (len(users), k), best first; seen items are excluded.

    Scores come in user batches; the top K is taken with argpartition then sorted, so the cost
    is one pass over each score matrix.
    """
    n_items = seen.shape[1]
    k = min(k, n_items)
    items_out = np.empty((len(users), k), dtype=np.int64)
    scores_out = np.empty((len(users), k), dtype=np.float32)
    for start in range(0, len(users), batch_size):
        batch = users[start:start + batch_size]
        scores = np.array(model.score(batch), dtype=np.float32)  # a writable copy
        sub = seen[batch]
        rows = np.repeat(np.arange(len(batch)), np.diff(sub.indptr))
        scores[rows, sub.indices] = -np.inf
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-part_scores, axis=1, kind="stable")
        items_out[start:start + len(batch)] = np.take_along_axis(part, order, axis=1)
        scores_out[start:start + len(batch)] = np.take_along_axis(part_scores, order, axis=1)
    return items_out, scores_out
