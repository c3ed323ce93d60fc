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
from fashion_pipeline.defs.models import id_map_paths, split_path
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.vision.layout import VisionPaths

COLD_MODEL = "image-cold-start"


def with_cold_items(table: pl.DataFrame, fashion_data: FashionData) -> pl.DataFrame:
    """`table` (every user's K rows, users in index order, ranks 1..K) with the cold-slot rule applied."""
    features_path = VisionPaths(fashion_data.data_dir).features
    if not features_path.exists() or table.is_empty():
        return table
    from fashion_pipeline.recsys.cold_start import align_vectors, reserve_cold_slot
    from fashion_pipeline.recsys.persistence import load_split
    from fashion_pipeline.vision.features import read_features

    features = read_features(features_path)
    item_ids = pl.read_parquet(id_map_paths(fashion_data)["items"]).sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy().astype(str)
    feature_ids = np.asarray(features.ids, dtype=object).astype(str)
    cold = ~np.isin(feature_ids, item_ids)
    if not cold.any():
        return table
    split = load_split(split_path(fashion_data))
    k = int(table["rank"].max())
    recommended = np.searchsorted(item_ids, table[C.ITEM_ID].to_numpy().astype(str)).reshape(-1, k)
    warm_vectors, _ = align_vectors(feature_ids, features.vectors, item_ids)
    chosen, image_score = reserve_cold_slot(recommended, split.seen_matrix("serve"), warm_vectors,
                                            features.vectors[cold])
    replace = np.zeros((len(chosen), k), bool)
    replace[:, -1] = chosen >= 0
    replace = replace.ravel()
    cold_asins = np.repeat(feature_ids[cold][np.maximum(chosen, 0)], k)
    return table.with_columns(
        pl.when(pl.Series(replace)).then(pl.Series(cold_asins)).otherwise(pl.col(C.ITEM_ID)).alias(C.ITEM_ID),
        pl.when(pl.Series(replace)).then(pl.Series(np.repeat(image_score, k))).otherwise(pl.col("score"))
        .cast(table.schema["score"]).alias("score"),
        pl.when(pl.Series(replace)).then(pl.lit(COLD_MODEL)).otherwise(pl.col("model")).alias("model"),
    )
