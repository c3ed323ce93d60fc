"""Top-K recommendations for many users at once, never an item the user already has."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch


def top_k(model, users: np.ndarray, seen: sp.csr_matrix, k: int = 10,
          batch_size: int = 2048, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(items, scores), each (len(users), k), best first; seen items are excluded.

    Scores come in user batches; torch.topk selects the best K (about 7x faster than numpy's
    argpartition on a 2048 x 23,033 score matrix). A model with `score_tensor` (the torch models)
    hands its scores over as a tensor that is masked in place: no copy of the score matrix.
    `threads`: torch CPU threads while scoring (None keeps the current setting). Training keeps
    one thread because parallel steps share the cores; a recommendation job that runs alone gains
    from all of them (39,387 x 23,033 on 2 cores: 6.8 s with one thread, 3.7 s with two).
    """
    if threads is not None:
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return top_k(model, users, seen, k, batch_size)
        finally:
            torch.set_num_threads(previous)
    n_items = seen.shape[1]
    k = min(k, n_items)
    items_out = np.empty((len(users), k), dtype=np.int64)
    scores_out = np.empty((len(users), k), dtype=np.float32)
    for start in range(0, len(users), batch_size):
        batch = users[start:start + batch_size]
        if hasattr(model, "score_tensor"):
            scores = model.score_tensor(batch)
        else:
            scores = torch.from_numpy(np.array(model.score(batch), dtype=np.float32))  # a writable copy
        sub = seen[batch]
        rows = np.repeat(np.arange(len(batch)), np.diff(sub.indptr))
        scores[torch.from_numpy(rows), torch.from_numpy(sub.indices.astype(np.int64))] = -torch.inf
        values, index = torch.topk(scores, k, dim=1)  # sorted, best first
        items_out[start:start + len(batch)] = index.numpy()
        scores_out[start:start + len(batch)] = values.numpy()
    return items_out, scores_out
