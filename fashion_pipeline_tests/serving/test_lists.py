"""The one recommendation-table builder: ranks, ids, constants, and empty slots dropped."""

import numpy as np
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.serving.lists import Lists, recommendation_table


def test_recommendation_table_names_users_and_items_and_drops_empty_slots():
    lists = Lists(items=np.array([[2, 0], [1, -1]]), scores=np.array([[0.9, 0.5], [0.7, -np.inf]], np.float32),
                  reranked=True, reasons=np.array(["a", "b", "c", "d"]))
    table = recommendation_table(lists, np.array(["U7", "U9"]), np.array(["A0", "A1", "A2"]), "gmf",
                                 **{C.SEASON: "2013-winter"})
    assert table.columns[:2] == [C.SEASON, C.USER_ID]
    assert table.select(C.USER_ID, C.RANK, C.ITEM_ID, C.RERANK_REASON).rows() == [
        ("U7", 1, "A2", "a"), ("U7", 2, "A0", "b"), ("U9", 1, "A1", "c")]
    assert table[C.RANK].dtype == pl.Int32 and table[C.MODEL].unique().to_list() == ["gmf"]
    assert table[C.RERANKED].all() and table[C.SEASON].unique().to_list() == ["2013-winter"]
