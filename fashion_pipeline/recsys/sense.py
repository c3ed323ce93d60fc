"""Fashion sense under the evaluation protocol: the re-ranked version of a fitted model, and the
beyond-accuracy metrics of any model. Used by `fashion-pipeline evaluate` and the benchmark."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.evaluation import Split, beyond_accuracy, evaluate
from fashion_pipeline.recsys.rerank import ItemSense, RerankConfig, RerankedScorer, UserHistory, item_sense

RERANK_SUFFIX = "+rerank"


def item_ids_of(interactions: pl.DataFrame) -> np.ndarray:
    """asin per item index."""
    return interactions.select(C.ITEM_IDX, C.ITEM_ID).unique(C.ITEM_IDX).sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy()


def load_image_vectors(features_path: str | Path, item_ids: np.ndarray) -> np.ndarray:
    """Image vectors from the HDF5 feature store aligned to `item_ids`; zero rows where absent."""
    from fashion_pipeline.vision.features import read_features

    features = read_features(features_path)
    pos = {a: i for i, a in enumerate(features.ids.tolist())}
    out = np.zeros((len(item_ids), features.vectors.shape[1]), dtype=np.float32)
    where = np.array([pos.get(a, -1) for a in item_ids])
    out[where >= 0] = features.vectors[where[where >= 0]]
    return out


def history_for(split: Split, stage: str, sense: ItemSense, config: RerankConfig = RerankConfig()) -> UserHistory:
    users, items, times = split.fit_data(stage)
    return UserHistory.build(users, items, times, split.n_users, sense, config.recent)


def reranked(model, split: Split, stage: str, sense: ItemSense, config: RerankConfig = RerankConfig()) -> RerankedScorer:
    return RerankedScorer(model, history_for(split, stage, sense, config), sense, config)


def sense_report(model, split: Split, stage: str, sense: ItemSense, k: int = 10) -> dict[str, float]:
    """Full-ranking and sampled accuracy plus repeat_rate, intra_list_diversity, coverage, novelty."""
    metrics = {k_: v for k_, v in evaluate(model, split, stage).items() if k_ != "users"}
    metrics.update(beyond_accuracy(model, split, stage, sense.key, sense.features, k=k))
    return metrics


def split_rerank_names(names: list[str]) -> tuple[list[str], list[str]]:
    """(base models to fit, every name asked) from names like 'neumf' and 'neumf+rerank'."""
    base = [n[: -len(RERANK_SUFFIX)] if n.endswith(RERANK_SUFFIX) else n for n in names]
    return list(dict.fromkeys(base)), names
