"""Top-K lists from a model, re-ranked for fashion sense, and the table they become.

One builder serves user_recommendations, seasonal_recommendations and `recommend --occasion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.layout import ArtifactLayout
from fashion_pipeline.recsys.attributes import item_attributes
from fashion_pipeline.recsys.rerank import ItemSense, RerankConfig, UserHistory, item_sense, reasons, recommend
from fashion_pipeline.serving.champion import load_serving_model


def load_item_sense(layout: ArtifactLayout, item_ids: np.ndarray) -> ItemSense:
    """ItemSense for `item_ids` from item_attributes (and image features, when embedded)."""
    from fashion_pipeline.vision.features import read_aligned_vectors

    path = layout.parsed("item_attributes")
    if path.exists():
        attrs = pl.read_parquet(path)
    else:  # item_attributes not materialized (yet): the words of the product text still serve
        attrs = item_attributes(pl.read_parquet(layout.parsed("products")), None)
    features = layout.image_features
    vectors = read_aligned_vectors(features, item_ids) if features.exists() else None
    return item_sense(attrs, item_ids, vectors)


@dataclass
class Lists:
    items: np.ndarray  # (n_users, k) item indices; -1 = empty slot
    scores: np.ndarray
    reranked: bool
    reasons: np.ndarray  # (n_users * k,) strings, row-major


def ranked_lists(layout: ArtifactLayout, model, users: np.ndarray, history: tuple[np.ndarray, np.ndarray, np.ndarray],
                 n_users: int, item_ids: np.ndarray, k: int, rerank: bool = True,
                 config: RerankConfig = RerankConfig()) -> Lists:
    """Top-k per user, re-ranked unless `rerank` is False; `history` = (users, items, times)
    of what they already bought (never recommended again)."""
    sense = load_item_sense(layout, item_ids)
    if not rerank:
        config = config.scaled(0.0)  # the model's own order (an occasion filter still applies)
    user_history = UserHistory.build(*history, n_users, sense, config.recent)
    result = recommend(model, users, user_history, sense, config, k=k)
    return Lists(result.items, result.scores, config.active, reasons(result, config))


def recommendation_table(lists: Lists, user_ids: np.ndarray, item_ids: np.ndarray, model: str,
                         **constants) -> pl.DataFrame:
    """One row per (user, rank) of `lists`, `user_ids` naming each list's user; `constants`
    become leading columns (the season, for seasonal lists). Empty slots are dropped: a user who
    has seen nearly everything gets fewer than k."""
    items, scores = lists.items, lists.scores
    k = items.shape[1]
    table = pl.DataFrame({
        **{name: value for name, value in constants.items()},
        C.USER_ID: np.repeat(user_ids, k),
        C.RANK: np.tile(np.arange(1, k + 1), len(user_ids)).astype(np.int32),
        C.ITEM_ID: item_ids[np.maximum(items.ravel(), 0)],
        C.SCORE: scores.ravel(),
        C.MODEL: model,
        C.CREATED_AT: datetime.now(timezone.utc).replace(microsecond=0),
        C.RERANKED: lists.reranked,
        C.RERANK_REASON: lists.reasons,
    })
    return table.filter(pl.Series(items.ravel() >= 0))


def live_recommendations(layout: ArtifactLayout, user: str, k: int = 10, occasion: str | None = None,
                         rerank: bool = True) -> tuple[str, list[tuple]]:
    """(model name, [(rank, asin, score, title, reason)]) for one user, computed now from the
    champion (for options the stored table does not hold: an occasion, or no re-ranking)."""
    serving = load_serving_model(layout)
    index = serving.ids.user_index(user)
    if index is None:
        return serving.name, []
    config = RerankConfig(occasion=occasion) if rerank else RerankConfig(occasion=occasion).scaled(0.0)
    split, item_ids = serving.split, serving.ids.item_ids
    lists = ranked_lists(layout, serving.scorer, np.array([index]), split.fit_data("serve"), split.n_users,
                         item_ids, k, True, config)
    titles = dict(pl.read_parquet(layout.parsed("products"), columns=[C.ITEM_ID, C.TITLE]).iter_rows())
    rows = [(r + 1, item_ids[i], float(s), titles.get(item_ids[i]), why)
            for r, (i, s, why) in enumerate(zip(lists.items[0], lists.scores[0], lists.reasons)) if i >= 0]
    return serving.name, rows
