"""SLIST (Choi et al., WSDM 2021, "Session-aware Linear Item-Item Models for Session-based
Recommendation"): EASE's item-item model and an item-to-next-item transition model, solved
together in closed form, reading each history with the latest purchases weighing most.

X is the binary user-item matrix. For every purchase after a user's first, a source row S_t holds
the user's earlier purchases (the one just before weighs 1, each step further back
exp(-1 / train_decay) less) and a target row T_t the purchase itself. Then

    minimise  alpha ||X - X B||^2 + (1 - alpha) ||T - S B||^2 + lambda ||B||^2,  diag(B) = 0

    P  = (alpha X^T X + (1 - alpha) S^T S + lambda I)^-1
    B0 = I - lambda P - (1 - alpha) P (S^T S - S^T T)     the unconstrained solution
    B  = B0 - P diagMat(diag(B0) / diag(P))               the zero diagonal, as EASE's

One Cholesky inverse, as EASE (alpha = 1 is EASE exactly); S^T S and S^T T are sparse. A user's
scores are h_u B, with h_u the history weighted by recency: the latest purchase 1, each earlier
one exp(-1 / score_decay) less (an infinite decay is the plain binary history). Lambda, alpha and
the score decay are chosen on validation (`choose`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from fashion_pipeline.recsys.models.ease import binary, gram, refuse_large_catalogue, regularized_inverse

INF = math.inf


@dataclass
class SLISTConfig:
    # L2 grid, searched first at the middle alpha (on Sports, 100 beat 300 and 1000 at alpha 0.5).
    lambdas: tuple[float, ...] = (30.0, 100.0, 300.0)
    # Weight of the item-item (EASE) objective against the next-item one, searched at the best
    # lambda; 1.0 would be EASE, 0.0 transitions only.
    alphas: tuple[float, ...] = (0.2, 0.5, 0.8)
    # Positions back over which an earlier purchase's weight in a source row falls by e: small
    # values make the model learn from the purchase just before each one.
    train_decay: float = 2.0
    # Earlier purchases per source row (those further back weigh under exp(-max_lag / train_decay)).
    max_lag: int = 10
    # Recency of the history when scoring, chosen on validation at every (lambda, alpha) without
    # a refit; inf scores the binary history as EASE does.
    score_decays: tuple[float, ...] = (1.0, 3.0, 10.0, INF)
    # Used when there is no validation to choose on (a fit outside the protocol).
    fallback: tuple[float, float, float] = (300.0, 0.5, 3.0)  # lambda, alpha, score_decay
    # Largest catalogue accepted: a fit holds four dense n_items^2 float32 matrices.
    max_items: int = 25_000
    # Validation users scored per setting (a fixed random subset, as the other models validate on).
    eval_users: int = 5000
    seed: int = 0


DENSE_MATRICES = 4  # X^T X, P, B and a block of work, each n_items^2 float32


def check_catalogue(n_items: int, cfg: SLISTConfig) -> None:
    refuse_large_catalogue("SLIST", n_items, cfg.max_items, DENSE_MATRICES)


def time_ordered(users: np.ndarray, items: np.ndarray, times: np.ndarray):
    """(users, items, steps back from each user's latest) in time order per user; ties in time
    keep the input order (the split's tie-break)."""
    order = np.lexsort((np.arange(len(users)), times, users))
    u, i = users[order], items[order]
    ends = np.cumsum(np.bincount(u, minlength=int(u.max()) + 1 if len(u) else 0))
    from_end = (ends[u] - 1 - np.arange(len(u))).astype(np.int32) if len(u) else np.zeros(0, np.int32)
    return u, i, from_end


def recency_weights(from_end: np.ndarray, decay: float) -> np.ndarray:
    if math.isinf(decay):
        return np.ones(len(from_end), dtype=np.float32)
    return np.exp(-from_end / np.float32(decay)).astype(np.float32)


def transitions(u: np.ndarray, i: np.ndarray, n_items: int, decay: float, max_lag: int):
    """(S, T): one row per time-ordered interaction, empty for each user's first; S holds the
    earlier purchases weighted by how far back they are, T the purchase itself."""
    n = len(u)
    starts = np.r_[0, np.flatnonzero(np.diff(u)) + 1] if n else np.zeros(0, np.int64)
    position = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    rows, cols, vals = [], [], []
    for lag in range(1, max_lag + 1):  # a handful of lags, each one array operation
        at = np.flatnonzero(position >= lag)
        rows.append(at)
        cols.append(i[at - lag])
        vals.append(np.full(len(at), math.exp(-(lag - 1) / decay), dtype=np.float32))
    s = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n_items))
    targets = np.flatnonzero(position >= 1)
    t = sp.csr_matrix((np.ones(len(targets), np.float32), (targets, i[targets])), shape=(n, n_items))
    return s, t


@dataclass
class Gram:
    """What every (lambda, alpha) solve needs: X^T X dense, S^T S and S^T T sparse."""

    xtx: np.ndarray
    sts: sp.csr_matrix
    stt: sp.csr_matrix


def solve(g: Gram, lam: float, alpha: float, block: int = 2048) -> np.ndarray:
    """B of the closed form above, float32, zero diagonal."""
    n = g.xtx.shape[0]
    a = np.asarray(g.sts.toarray(), dtype=np.float32)
    a *= np.float32(1.0 - alpha)
    for start in range(0, n, block):  # a += alpha X^T X without a second full temporary
        a[start:start + block] += np.float32(alpha) * g.xtx[start:start + block]
    try:
        p = regularized_inverse(a, lam, block)
    except ValueError as exc:
        raise ValueError(f"SLIST: {exc}") from None
    del a
    d = ((g.sts - g.stt) * np.float32(1.0 - alpha)).tocsr().astype(np.float32)
    b = np.asarray(d.T @ p, dtype=np.float32).T  # (D^T P)^T = P D, P being symmetric
    b *= -1.0
    b -= np.float32(lam) * p
    b[np.diag_indices(n)] += 1.0
    mu = np.diag(b) / np.diag(p)
    for start in range(0, n, block):  # B -= P diagMat(mu), a block of rows at a time
        b[start:start + block] -= p[start:start + block] * mu[None, :]
    b[np.diag_indices(n)] = 0.0
    return np.ascontiguousarray(b)


class SLIST:
    """Scores h_u B: the recency-weighted history times the item-item matrix of the chosen setting."""

    def __init__(self, n_users: int, n_items: int, cfg: SLISTConfig | None = None):
        self.cfg = cfg or SLISTConfig()
        self.n_users, self.n_items = n_users, n_items
        self.B = np.zeros((0, 0), dtype=np.float32)
        self.lam, self.alpha = np.float64(0.0), np.float64(1.0)
        self.score_decay = np.float64(INF)
        # the fitted interactions in time order (what save/load write)
        self.seq_users = np.zeros(0, dtype=np.int64)
        self.seq_items = np.zeros(0, dtype=np.int64)
        self.from_end = np.zeros(0, dtype=np.int32)
        self._h = None

    def set_interactions(self, users: np.ndarray, items: np.ndarray, times: np.ndarray) -> Gram:
        """Keep the histories; return the matrices every solve needs."""
        check_catalogue(self.n_items, self.cfg)
        self.seq_users, self.seq_items, self.from_end = time_ordered(users, items, times)
        self._h = None
        s, t = transitions(self.seq_users, self.seq_items, self.n_items, self.cfg.train_decay, self.cfg.max_lag)
        x = binary(users, items, self.n_users, self.n_items)
        return Gram(gram(x), (s.T @ s).tocsr(), (s.T @ t).tocsr())

    def use(self, b: np.ndarray, lam: float, alpha: float, score_decay: float) -> "SLIST":
        self.B, self.lam, self.alpha = b, np.float64(lam), np.float64(alpha)
        return self.set_score_decay(score_decay)

    def set_score_decay(self, decay: float) -> "SLIST":
        self.score_decay, self._h = np.float64(decay), None
        return self

    @property
    def histories(self) -> sp.csr_matrix:
        """(n_users, n_items) recency-weighted histories (a repeated item adds its weights)."""
        if self._h is None:
            w = recency_weights(self.from_end, float(self.score_decay))
            self._h = sp.csr_matrix((w, (self.seq_users, self.seq_items)), shape=(self.n_users, self.n_items))
        return self._h

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.asarray(self.histories[users] @ self.B, dtype=np.float32)

    def score_histories(self, items: np.ndarray) -> np.ndarray:
        """(n_items,) scores after a history it never saw: `items` oldest first."""
        from_end = np.arange(len(items) - 1, -1, -1, dtype=np.int32)
        h = np.zeros(self.n_items, dtype=np.float32)
        np.add.at(h, items, recency_weights(from_end, float(self.score_decay)))
        return h @ self.B


Validate = Callable[["SLIST"], dict]


def choose(model: SLIST, g: Gram, validate: Validate, on_step: Callable[[int, dict], None] | None = None
           ) -> list[dict]:
    """Lambda at the middle alpha, then alpha at that lambda; every score decay at each; leaves
    `model` on the best setting by validation NDCG@10 and returns one record per setting."""
    cfg = model.cfg
    history, best = [], None  # best: (ndcg, B, lam, alpha, decay)

    def try_setting(lam: float, alpha: float) -> None:
        nonlocal best
        start = time.perf_counter()
        b = solve(g, lam, alpha)
        for decay in cfg.score_decays:
            metrics = validate(model.use(b, lam, alpha, decay))
            record = {"epoch": len(history) + 1, "setting": f"lambda {lam:g}, alpha {alpha:g}, score decay {decay:g}",
                      "lambda": float(lam), "alpha": float(alpha), "score_decay": float(decay),
                      "seconds": time.perf_counter() - start, **{f"val_{k}": v for k, v in metrics.items()}}
            history.append(record)
            if on_step is not None:
                on_step(record["epoch"], record)
            if best is None or metrics["ndcg@10"] > best[0]:
                best = (metrics["ndcg@10"], b, lam, alpha, decay)
            start = time.perf_counter()

    middle = cfg.alphas[len(cfg.alphas) // 2]
    for lam in cfg.lambdas:
        try_setting(lam, middle)
    best_lam = best[2]
    for alpha in cfg.alphas:
        if alpha != middle:
            try_setting(best_lam, alpha)
    model.use(best[1], best[2], best[3], best[4])
    return history
