"""Users' interactions as time-ordered item sequences, one padded row per user."""

from __future__ import annotations

import numpy as np


def sequence_matrix(users: np.ndarray, items: np.ndarray, times: np.ndarray, n_users: int,
                    width: int) -> np.ndarray:
    """(n_users, width) each user's latest `width` items as tokens (item + 1), oldest first,
    left-padded with 0. Ties in time keep the order of the input arrays (the split's tie-break)."""
    order = np.lexsort((np.arange(len(users)), times, users))
    u, i = users[order], items[order]
    counts = np.bincount(u, minlength=n_users)
    ends = np.cumsum(counts)
    from_end = ends[u] - 1 - np.arange(len(u))  # 0 for each user's latest item
    keep = from_end < width
    out = np.zeros((n_users, width), dtype=np.int64)
    out[u[keep], width - 1 - from_end[keep]] = i[keep] + 1
    return out
