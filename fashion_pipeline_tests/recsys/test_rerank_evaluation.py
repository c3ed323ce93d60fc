"""The re-ranker under the protocol, and the files it reads (attributes, aligned image vectors)."""

import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.data import leave_last_out
from fashion_pipeline.recsys.evaluation import evaluate
from fashion_pipeline.recsys.rerank import RerankConfig, item_sense
from fashion_pipeline.recsys.rerank_evaluation import (RERANK_SUFFIX, add_sense_metrics, item_ids_of, reranked,
                                                       sense_report, split_rerank_names)


class FixedScorer:
    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=np.float32)

    def score(self, users):
        return self.scores[users]


class Fit:
    def __init__(self, scorer):
        self.scorer = scorer


def world(n_users=20, n_items=30, seed=0):
    rng = np.random.default_rng(seed)
    rows = [(u, int(i), t, 10 * u + t) for u in range(n_users) for t, i in enumerate(rng.choice(n_items, 5, replace=False))]
    split = leave_last_out(pl.DataFrame(rows, schema=[C.USER_IDX, C.ITEM_IDX, C.TIMESTAMP, C.LINE_NUMBER],
                                        orient="row"))
    ids = np.array([f"i{j:02d}" for j in range(n_items)])
    attrs = pl.DataFrame({C.ITEM_ID: ids, C.CATEGORY: ["tops"] * n_items,
                          C.COLOUR: np.array(["red", "navy", "green"])[np.arange(n_items) % 3],
                          C.PATTERN: ["solid"] * n_items, C.OCCASION: ["casual"] * n_items})
    return split, item_sense(attrs, ids), FixedScorer(rng.random((n_users, n_items)))


def test_split_rerank_names_keeps_each_base_model_once():
    assert split_rerank_names(["gmf", f"gmf{RERANK_SUFFIX}", f"als{RERANK_SUFFIX}"]) == (
        ["gmf", "als"], ["gmf", "gmf+rerank", "als+rerank"])


def test_item_ids_of_lists_the_asin_of_each_item_index():
    table = pl.DataFrame({C.ITEM_IDX: [2, 0, 1, 0], C.ITEM_ID: ["c", "a", "b", "a"]})
    assert item_ids_of(table).tolist() == ["a", "b", "c"]


def test_rerank_switched_off_scores_like_the_model_and_on_changes_the_lists():
    split, sense, model = world()
    off = reranked(model, split, "test", sense, RerankConfig().scaled(0.0))
    assert evaluate(off, split, "test") == evaluate(model, split, "test")
    report = sense_report(model, split, "test", sense)
    assert {"ndcg@10", "hr@10_sampled", "repeat_rate", "intra_list_diversity", "coverage", "novelty"} <= set(report)
    on = reranked(model, split, "test", sense, RerankConfig(repeat_penalty=1.0, diversity=0.5))
    users = np.flatnonzero(split.test_item >= 0)
    assert not np.array_equal(np.argsort(-on.score(users), axis=1)[:, :10],
                              np.argsort(-model.score(users), axis=1)[:, :10])


def test_add_sense_metrics_reports_every_name_asked():
    split, sense, model = world()
    results = {"gmf": {"ndcg@10": 0.5, "fit_seconds": 1.0, "validation": {"ndcg@10": 0.4}}}
    out = add_sense_metrics(results, {"gmf": Fit(model)}, ["gmf", "gmf+rerank"], split, sense)
    assert set(out) == {"gmf", "gmf+rerank"}
    assert out["gmf"]["ndcg@10"] == 0.5 and "repeat_rate" in out["gmf"]
    assert "validation" not in out["gmf+rerank"] and out["gmf+rerank"]["fit_seconds"] == 1.0
    assert out["gmf+rerank"]["rerank"]["candidates"] == RerankConfig().candidates


def test_read_aligned_vectors_puts_rows_in_item_order(tmp_path):
    from fashion_pipeline.vision.features import Features, read_aligned_vectors, write_features

    vectors = np.eye(3, dtype=np.float32)
    path = write_features(tmp_path / "f.h5", Features(np.array(["b", "a", "c"], dtype=object), vectors,
                                                        np.full((3, 4), -1, np.int32), {"encoder": "test"}))
    out = read_aligned_vectors(path, np.array(["a", "x", "c", "b"]))
    assert out.shape == (4, 3)
    assert np.array_equal(out, np.array([[0, 1, 0], [0, 0, 0], [0, 0, 1], [1, 0, 0]], dtype=np.float32))


def test_attributes_from_files_reads_the_metadata(small_sample):
    from fashion_pipeline.recsys.attributes import attributes_from_files
    from fashion_pipeline.sample.writers import METADATA_FILE

    from fashion_pipeline.sources.metadata import read_metadata

    metadata = small_sample / METADATA_FILE
    ids = read_metadata(metadata).rows[C.ITEM_ID].to_numpy()[:20]
    table = attributes_from_files(metadata, ids)
    assert set(table[C.ITEM_ID].to_list()) == set(ids.tolist())
    assert {C.CATEGORY, C.COLOUR, C.PATTERN, C.OCCASION} <= set(table.columns)
    with pytest.raises(FileNotFoundError):
        attributes_from_files(metadata, ids, images=small_sample / "no-such-images")
