"""Recommendations for someone the models never saw, from the items they just looked at or
bought (`fashion-pipeline recommend --items ASIN,ASIN,...` and `report --items`).

Who scores the history, in order:
1. the champion, when it can score a history it was not fitted on: a sequence model (SASRec
   reads the items in the order given, latest last), EASE (the history times its item-item
   matrix B), SLIST (the history weighted by recency, latest last, times its B), or a blend of
   two such models;
2. else item-item: EASE's serving fit when one was trained, else the cosine similarity of items
   in the serving interaction matrix (items bought by the same users);
3. else (no item of the history shares a buyer with any other item) popularity.
The given items are never recommended back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp
import torch

from fashion_pipeline import columns as C
from fashion_pipeline.layout import ArtifactLayout
from fashion_pipeline.recsys.blend import Blend
from fashion_pipeline.recsys.models.ease import EASE, binary
from fashion_pipeline.recsys.models.slist import SLIST
from fashion_pipeline.recsys.models.sasrec import SASRec
from fashion_pipeline.recsys.persistence import load_fitted, load_split, model_file
from fashion_pipeline.recsys.recommend import top_k
from fashion_pipeline.serving.champion import IdMaps, load_id_maps, read_champion

ITEM_ITEM_MODEL = "ease"  # the registered item-item model tried before plain cosine


@dataclass
class UnseenRecommendation:
    model: str  # what scored the history: a model's name, "item-item cosine" or "popularity"
    why: str  # one line: why that scorer
    items: np.ndarray  # item indices, best first
    scores: np.ndarray
    rows: list[tuple[int, str, float, str | None]]  # (rank, asin, score, title)


def item_indices(ids: IdMaps, asins: list[str]) -> np.ndarray:
    """Item indices of `asins` in the order given; unknown asins are named in a ValueError."""
    if not asins:
        raise ValueError("--items needs at least one asin")
    position = {a: i for i, a in enumerate(ids.item_ids)}
    unknown = [a for a in asins if a not in position]
    if unknown:
        raise ValueError(f"unknown asin(s) {', '.join(unknown)}: not in the catalogue the models were trained on "
                         f"({len(ids.item_ids):,} items)")
    return np.array([position[a] for a in asins], dtype=np.int64)


def history_scores(model, items: np.ndarray, n_items: int) -> np.ndarray | None:
    """(n_items,) scores of the item after the history `items` (oldest first) from a model that
    can score a history it never saw; None for a model that cannot (its scores need a user)."""
    model = getattr(model, "model", model)  # a TorchScorer's module
    if isinstance(model, SASRec):
        model.eval()
        with torch.no_grad():
            tokens = torch.as_tensor(items[None, -model.max_len:] + 1, device=model.item.weight.device)
            return model.score_sequences(tokens).float().cpu().numpy()[0]
    if isinstance(model, EASE):
        return model.score_histories(binary(np.zeros(len(items), dtype=np.int64), items, 1, n_items))[0]
    if isinstance(model, SLIST):
        return model.score_histories(items)
    if isinstance(model, Blend):
        a, b = history_scores(model.first, items, n_items), history_scores(model.second, items, n_items)
        return None if a is None or b is None else model.combine(a[None], b[None])[0]
    return None


def cosine_scores(x: sp.csr_matrix, items: np.ndarray) -> np.ndarray:
    """(n_items,) sum over the history of each item's cosine similarity to it, the items as
    columns of the binary user-item matrix `x` (no dense item-item matrix is formed)."""
    norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
    h = np.zeros(x.shape[1], dtype=np.float32)
    np.add.at(h, items, 1.0)
    h = np.divide(h, norms, out=np.zeros_like(h), where=norms > 0)
    co = x.T @ (x @ h)  # (X^T X) h
    return np.divide(co, norms, out=np.zeros_like(co, dtype=np.float32), where=norms > 0).astype(np.float32)


class _Fixed:
    """One precomputed score row as a scorer, so top_k selects exactly as for known users."""

    def __init__(self, scores: np.ndarray):
        self.scores = scores[None].astype(np.float32)

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.scores


def recommend_for_items(layout: ArtifactLayout, asins: list[str], k: int = 10) -> UnseenRecommendation:
    """Top-k for a history (asins, oldest first) of someone not in the training data."""
    ids = load_id_maps(layout)
    items = item_indices(ids, asins)
    split = load_split(layout.split)
    n_items = split.n_items
    champion = read_champion(layout)["name"]
    fitted = load_fitted(champion, "serve", layout.model_dir(champion), split.n_users, n_items,
                         models_dir=layout.models_dir)
    scores = history_scores(fitted.model, items, n_items)
    model, why = champion, "the champion scores the history itself"
    if scores is None and model_file(layout.model_dir(ITEM_ITEM_MODEL), ITEM_ITEM_MODEL, "serve").exists():
        ease = load_fitted(ITEM_ITEM_MODEL, "serve", layout.model_dir(ITEM_ITEM_MODEL), split.n_users, n_items)
        scores = history_scores(ease.model, items, n_items)
        model, why = ITEM_ITEM_MODEL, f"the champion ({champion}) needs a known user: item-item EASE instead"
    users, bought, _ = split.fit_data("serve")
    if scores is None:
        scores = cosine_scores(binary(users, bought, split.n_users, n_items), items)
        model, why = "item-item cosine", f"the champion ({champion}) needs a known user: items bought by the same users"
    others = np.setdiff1d(np.arange(n_items), items)
    if not (scores[others] > 0).any() and model == "item-item cosine":
        scores = np.bincount(bought, minlength=n_items).astype(np.float32)
        model, why = "popularity", "no item of the history shares a buyer with another item: most bought first"
    seen = binary(np.zeros(len(items), dtype=np.int64), items, 1, n_items)
    top, top_scores = top_k(_Fixed(scores), np.zeros(1, dtype=np.int64), seen, k=min(k, len(others)))
    top, top_scores = top[0], top_scores[0]
    titles = _titles(layout)
    rows = [(rank, ids.item_ids[i], float(s), titles.get(ids.item_ids[i]))
            for rank, (i, s) in enumerate(zip(top, top_scores), start=1)]
    return UnseenRecommendation(model, why, top, top_scores, rows)


def _titles(layout: ArtifactLayout) -> dict[str, str]:
    path = layout.parsed("products")
    if not path.exists():
        return {}
    return dict(pl.read_parquet(path, columns=[C.ITEM_ID, C.TITLE]).iter_rows())
