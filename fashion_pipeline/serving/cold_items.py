"""Cold items in user_recommendations: catalogue items with an image but no interactions yet.

The rule (recsys.cold_start.reserve_cold_slot): the K-th slot of a user's list goes to the cold
item that looks most like what the user bought, when it looks more like it than the K-th warm
recommendation does; both are scored by image similarity, so the comparison is like for like.
The replaced row keeps its rank K, carries the image score and model "image-cold-start".
Without image features (vision assets not materialized) the table is returned unchanged.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.layout import ArtifactLayout

COLD_MODEL = "image-cold-start"
COLD_REASON = "new item: no purchases yet, looks like what you bought"


def with_cold_items(table: pl.DataFrame, layout: ArtifactLayout) -> pl.DataFrame:
    """`table` (user_recommendations rows, ranks 1..K) with the cold-slot rule applied to every user
    with a full list of K; a swapped row gets the cold model name, its image score and reason."""
    features_path = layout.image_features
    if not features_path.exists() or table.is_empty():
        return table
    from fashion_pipeline.recsys.cold_start import align_vectors, reserve_cold_slot
    from fashion_pipeline.recsys.persistence import load_split
    from fashion_pipeline.vision.features import read_features

    features = read_features(features_path)
    item_ids = pl.read_parquet(layout.item_ids).sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy().astype(str)
    feature_ids = np.asarray(features.ids, dtype=object).astype(str)
    cold = ~np.isin(feature_ids, item_ids)
    if not cold.any():
        return table
    split = load_split(layout.split)
    k = int(table[C.RANK].max())
    # Only users with a full list take part: the rule swaps the K-th row, and the lists are
    # reshaped to (users, K) (a user who has seen nearly everything may have fewer rows).
    user_map = pl.read_parquet(layout.user_ids).select(C.USER_ID, C.USER_IDX)
    full = table.group_by(C.USER_ID).len().filter(pl.col("len") == k)[C.USER_ID]
    table = table.with_row_index("_row")
    lists = table.filter(pl.col(C.USER_ID).is_in(full.implode())).sort(C.USER_ID, C.RANK)
    users = lists[::k].join(user_map, on=C.USER_ID, how="left", maintain_order="left")[C.USER_IDX].to_numpy()
    recommended = np.searchsorted(item_ids, lists[C.ITEM_ID].to_numpy().astype(str)).reshape(-1, k)
    warm_vectors, _ = align_vectors(feature_ids, features.vectors, item_ids)
    chosen, image_score = reserve_cold_slot(recommended, split.seen_matrix("serve")[users], warm_vectors,
                                            features.vectors[cold])
    swap = pl.DataFrame({
        "_row": lists["_row"].to_numpy().reshape(-1, k)[:, -1][chosen >= 0],
        "_cold_asin": feature_ids[cold][chosen[chosen >= 0]],
        "_cold_score": image_score[chosen >= 0].astype(np.float64),
    })
    swapped = pl.col("_cold_asin").is_not_null()
    out = table.join(swap, on="_row", how="left").sort("_row").with_columns(
        pl.when(swapped).then(pl.col("_cold_asin")).otherwise(pl.col(C.ITEM_ID)).alias(C.ITEM_ID),
        pl.when(swapped).then(pl.col("_cold_score")).otherwise(pl.col(C.SCORE)).cast(table.schema[C.SCORE]).alias(C.SCORE),
        pl.when(swapped).then(pl.lit(COLD_MODEL)).otherwise(pl.col(C.MODEL)).alias(C.MODEL),
    )
    if C.RERANK_REASON in out.columns:
        out = out.with_columns(
            pl.when(swapped).then(pl.lit(COLD_REASON)).otherwise(pl.col(C.RERANK_REASON)).alias(C.RERANK_REASON))
    return out.drop("_row", "_cold_asin", "_cold_score")
