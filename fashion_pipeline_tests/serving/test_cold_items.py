"""The cold-slot rule as user_recommendations applies it, on hand-made artifacts."""

import numpy as np
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.layout import ArtifactLayout
from fashion_pipeline.recsys.data import leave_last_out
from fashion_pipeline.recsys.persistence import save_split
from fashion_pipeline.serving.cold_items import COLD_MODEL, with_cold_items
from fashion_pipeline.vision.features import Features, write_features


def test_a_lookalike_cold_item_takes_the_last_slot(tmp_path):
    data = ArtifactLayout(tmp_path / "data")
    # two users, four warm items: U0 bought A0, A1 (red), U1 bought A2, A3 (blue); 3 each for the split
    inter = pl.DataFrame({C.USER_IDX: [0, 0, 0, 1, 1, 1], C.ITEM_IDX: [0, 1, 0, 2, 3, 2],
                          C.TIMESTAMP: [1, 2, 3, 1, 2, 3], C.LINE_NUMBER: [0, 1, 2, 3, 4, 5]}).unique(
        [C.USER_IDX, C.ITEM_IDX], keep="first", maintain_order=True)
    split = leave_last_out(inter, n_users=2, n_items=4)
    save_split(split, data.split)
    pl.DataFrame({C.USER_ID: ["U0", "U1"], C.USER_IDX: [0, 1]}).write_parquet(data.user_ids)
    pl.DataFrame({C.ITEM_ID: ["A0", "A1", "A2", "A3"], C.ITEM_IDX: [0, 1, 2, 3]}).write_parquet(data.item_ids)
    red, blue, green = np.eye(3, dtype=np.float32)
    ids = np.array(["A0", "A1", "A2", "A3", "COLD_RED"], dtype=object)
    vectors = np.stack([red, red, blue, blue, red])
    write_features(data.image_features,
                   Features(ids, vectors, np.full((5, 4), -1, np.int32), {"encoder": "test", "dim": 3}))
    # K=2; U0's 2nd warm recommendation is blue (scores 0 by looks) -> the red cold item wins it;
    # U1's list is blue, the red cold item does not look like U1's purchases -> unchanged
    table = pl.DataFrame({C.USER_ID: ["U0", "U0", "U1", "U1"], "rank": [1, 2, 1, 2],
                          C.ITEM_ID: ["A1", "A2", "A3", "A0"], "score": np.float32([0.9, 0.8, 0.7, 0.6]),
                          "model": ["gmf"] * 4})
    mixed = with_cold_items(table, data)
    assert mixed[C.ITEM_ID].to_list() == ["A1", "COLD_RED", "A3", "A0"]
    assert mixed["model"].to_list() == ["gmf", COLD_MODEL, "gmf", "gmf"]
    assert mixed["score"][1] > 0.99 and mixed["score"].dtype == pl.Float32

    # rows in any order, a reason column, and a user with a short list (left as it is)
    short = pl.DataFrame({C.USER_ID: ["U1", "U0", "U1", "U0", "U2"], "rank": [2, 2, 1, 1, 1],
                          C.ITEM_ID: ["A0", "A2", "A3", "A1", "A2"], "score": np.float32([0.6, 0.8, 0.7, 0.9, 0.1]),
                          "model": ["gmf"] * 5, C.RERANK_REASON: ["r"] * 5})
    mixed = with_cold_items(short, data)
    assert mixed[C.ITEM_ID].to_list() == ["A0", "COLD_RED", "A3", "A1", "A2"]
    assert mixed[C.RERANK_REASON].to_list()[1] != "r" and mixed[C.RERANK_REASON].to_list().count("r") == 4


def test_without_image_features_the_table_is_unchanged(tmp_path):
    data = ArtifactLayout(tmp_path / "data")
    table = pl.DataFrame({C.USER_ID: ["U0"], "rank": [1], C.ITEM_ID: ["A1"], "score": [0.5], "model": ["gmf"]})
    assert with_cold_items(table, data).equals(table)
