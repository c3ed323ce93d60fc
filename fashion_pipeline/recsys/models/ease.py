"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): an item-item model
in closed form, the strongest simple peer on sparse Amazon data.

With X the binary user-item matrix and lambda the L2 regularization,

    P = (X^T X + lambda I)^-1,    B = I - P / diag(P)   (column j divided by P_jj; diag(B) = 0)

and a user's scores are X_u B: every item scored by the items the user has, weighted by B. One
dense n_items x n_items matrix, so the catalogue size is bounded (`EASEConfig.max_items`); lambda
is chosen on validation from `EASEConfig.lambdas` (recsys.registry's fit does the choosing).

The model keeps the matrix it was fitted on (CSR arrays), so `score(users)` needs only user
indices like every other model, and `score_histories` scores histories it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class EASEConfig:
    # The L2 grid that validation NDCG@10 chooses from (Steck's values for sparse data lie in
    # the hundreds to thousands; the benchmark's Clothing run chose within this range, Sports
    # chose 50, the lowest of the earlier grid, so it now reaches down to 10).
    lambdas: tuple[float, ...] = (10.0, 25.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 3000.0)
    # The lambda used when there is no validation to choose on (a fit outside the protocol).
    fallback_lambda: float = 500.0
    # Largest catalogue EASE accepts: it holds about three dense n_items^2 float32 matrices while
    # fitting (30,000 items: about 10 GiB), more than the 24 GiB machine can spare beyond that.
    max_items: int = 30_000
    # Validation users scored per lambda (a fixed random subset, as the torch models validate on).
    eval_users: int = 5000
    seed: int = 0


def memory_needed(n_items: int, dense_matrices: int = 3) -> int:
    """Bytes of the dense float32 n_items^2 matrices a fit holds at once (EASE: X^T X, its
    inverse, B)."""
    return dense_matrices * n_items * n_items * 4


def refuse_large_catalogue(model: str, n_items: int, max_items: int, dense_matrices: int = 3) -> None:
    """The size guard of the dense item-item models (EASE, SLIST): a clear refusal naming the
    size and the memory, before any matrix is made."""
    if n_items > max_items:
        raise ValueError(f"{model} refuses a catalogue of {n_items:,} items (max_items is {max_items:,}): "
                         f"its dense item-item matrices would need about "
                         f"{memory_needed(n_items, dense_matrices) / 2**30:.1f} GiB")


def check_catalogue(n_items: int, cfg: EASEConfig) -> None:
    refuse_large_catalogue("EASE", n_items, cfg.max_items)


def gram(x: sp.csr_matrix) -> np.ndarray:
    """X^T X as a dense float32 matrix."""
    return np.asarray((x.T @ x).toarray(), dtype=np.float32)


def regularized_inverse(g: np.ndarray, lam: float, block: int = 2048) -> np.ndarray:
    """P = (G + lambda I)^-1 as a full symmetric float32 matrix (Fortran order); `g` unchanged.

    G + lambda I is symmetric positive definite: Cholesky (LAPACK potrf/potri, half the work of a
    general inverse) in place on one copy, so a fit holds G, this matrix and at most one more.
    """
    from scipy.linalg import lapack

    n = g.shape[0]
    a = np.array(g, dtype=np.float32, order="F")  # LAPACK works in place on Fortran order
    a[np.diag_indices(n)] += np.float32(lam)
    a, info = lapack.spotrf(a, lower=0, clean=0, overwrite_a=1)
    if info == 0:
        a, info = lapack.spotri(a, lower=0, overwrite_c=1)
    if info != 0:
        raise ValueError(f"X^T X + {lam} I is not positive definite (LAPACK info {info}); raise the lambda")
    for start in range(0, n, block):  # potri fills the upper triangle: mirror it, a block at a time
        end = min(start + block, n)
        a[start:end, :start] = a[:start, start:end].T
        upper = np.triu(a[start:end, start:end])
        a[start:end, start:end] = upper + np.triu(upper, 1).T
    return a


def closed_form(g: np.ndarray, lam: float, block: int = 2048) -> np.ndarray:
    """B = I - P / diag(P) with P = (G + lambda I)^-1, float32; `g` is left unchanged."""
    n = g.shape[0]
    try:
        a = regularized_inverse(g, lam, block)
    except ValueError as exc:
        raise ValueError(f"EASE: {exc}") from None
    diag = np.diag(a).copy()
    a /= -diag[None, :]  # column j divided by -P_jj
    a[np.diag_indices(n)] = 0.0
    return np.ascontiguousarray(a)


def binary(users: np.ndarray, items: np.ndarray, n_users: int, n_items: int) -> sp.csr_matrix:
    """The binary user-item matrix (a repeated purchase counts once)."""
    x = sp.csr_matrix((np.ones(len(users), dtype=np.float32), (users, items)), shape=(n_users, n_items))
    x.sum_duplicates()
    x.data[:] = 1.0
    return x


class EASE:
    """Scores X_u B with the item-item matrix B of the chosen lambda."""

    def __init__(self, n_users: int, n_items: int, cfg: EASEConfig | None = None):
        self.cfg = cfg or EASEConfig()
        self.n_users, self.n_items = n_users, n_items
        self.B = np.zeros((0, 0), dtype=np.float32)
        self.lam = np.float32(0.0)
        # the fitted user-item matrix as CSR arrays (what save/load write)
        self.indptr = np.zeros(n_users + 1, dtype=np.int64)
        self.indices = np.zeros(0, dtype=np.int64)

    def set_interactions(self, users: np.ndarray, items: np.ndarray) -> sp.csr_matrix:
        check_catalogue(self.n_items, self.cfg)
        x = binary(users, items, self.n_users, self.n_items)
        self.indptr, self.indices = x.indptr.astype(np.int64), x.indices.astype(np.int64)
        self._x = None
        return x

    @property
    def matrix(self) -> sp.csr_matrix:
        if getattr(self, "_x", None) is None or self._x.nnz != len(self.indices):
            data = np.ones(len(self.indices), dtype=np.float32)
            self._x = sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n_users, self.n_items))
        return self._x

    def fit(self, users: np.ndarray, items: np.ndarray, lam: float) -> "EASE":
        self.use(closed_form(gram(self.set_interactions(users, items)), lam), lam)
        return self

    def use(self, b: np.ndarray, lam: float) -> "EASE":
        self.B, self.lam = b, np.float32(lam)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.asarray(self.matrix[users] @ self.B, dtype=np.float32)

    def score_histories(self, x: sp.csr_matrix) -> np.ndarray:
        """Scores of histories the model never saw: `x` (histories, n_items), binary."""
        return np.asarray(x @ self.B, dtype=np.float32)
