"""Amazon-looking ids: reviewer ids like A2SUAM1J3GNN3B and 10-character asins."""

from __future__ import annotations

import numpy as np

_UPPER_DIGITS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
_DIGITS = np.array(list("0123456789"))


def _random_strings(rng, n, length, alphabet) -> np.ndarray:
    codes = rng.integers(0, len(alphabet), (n, length))
    return np.ascontiguousarray(alphabet[codes]).view(f"<U{length}").ravel()


def unique_ids(rng: np.random.Generator, n: int, make) -> np.ndarray:
    """n distinct ids from `make(rng, m)`, drawing again for the rare collisions."""
    ids = np.unique(make(rng, n))
    while len(ids) < n:
        ids = np.unique(np.concatenate([ids, make(rng, n - len(ids))]))
    return rng.permutation(ids[:n])


def reviewer_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    def make(r, m):
        return np.char.add("A", _random_strings(r, m, 13, _UPPER_DIGITS))
    return unique_ids(rng, n, make)


def asins(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mostly B00XXXXXXX asins; a few ISBN-like all-digit ones, as in the real file."""
    def make(r, m):
        modern = np.char.add("B00", _random_strings(r, m, 7, _UPPER_DIGITS))
        legacy = np.char.add("0", _random_strings(r, m, 9, _DIGITS))
        return np.where(r.random(m) < 0.03, legacy, modern)
    return unique_ids(rng, n, make)
