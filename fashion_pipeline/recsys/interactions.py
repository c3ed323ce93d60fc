"""Implicit feedback from reviews: a review means the user bought and engaged with the item.

Users and items get dense integer indices from stable id maps (ids sorted), so the same data
always gives the same indices and a model's embedding row can be traced back to its asin.
"""

from __future__ import annotations

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.seasons import season_expr


def build_id_map(ids: pl.Series, index_name: str) -> pl.DataFrame:
    """Sorted unique ids -> 0..n-1."""
    unique = ids.unique().sort()
    return pl.DataFrame({ids.name: unique, index_name: pl.arange(0, len(unique), eager=True).cast(pl.Int32)})


def build_interactions(reviews: pl.DataFrame) -> pl.DataFrame:
    """One row per (user, item): the first review, with indices, time, season and rating.

    A user who reviewed an item twice interacted with it once; the earliest time is kept so
    that the interaction cannot appear later than it happened. Rows are ordered by
    (user, time, line number): the stable order the evaluation split relies on.
    """
    first = (
        reviews.sort(C.TIMESTAMP, C.LINE_NUMBER)
        .unique([C.USER_ID, C.ITEM_ID], keep="first", maintain_order=True)
        .select(C.USER_ID, C.ITEM_ID, C.TIMESTAMP, C.RATING, C.LINE_NUMBER)
    )
    users = build_id_map(first[C.USER_ID], C.USER_IDX)
    items = build_id_map(first[C.ITEM_ID], C.ITEM_IDX)
    return (
        first.join(users, on=C.USER_ID).join(items, on=C.ITEM_ID)
        .with_columns(season_expr(pl.col(C.TIMESTAMP)).alias(C.SEASON))
        .select(C.USER_ID, C.ITEM_ID, C.USER_IDX, C.ITEM_IDX, C.TIMESTAMP, C.SEASON, C.RATING, C.LINE_NUMBER)
        .sort(C.USER_IDX, C.TIMESTAMP, C.LINE_NUMBER)
    )


def core_violations(interactions: pl.DataFrame, k: int = 5) -> dict[str, int]:
    """How many users and items have fewer than k interactions (0 and 0 for a k-core)."""
    user_counts = interactions.group_by(C.USER_IDX).len()
    item_counts = interactions.group_by(C.ITEM_IDX).len()
    return {
        "users_below_k": int((user_counts["len"] < k).sum()),
        "items_below_k": int((item_counts["len"] < k).sum()),
    }
