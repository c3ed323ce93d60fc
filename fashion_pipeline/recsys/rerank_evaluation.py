"""The re-ranker under the evaluation protocol: the re-ranked version of a fitted model
('<model>+rerank'), and the beyond-accuracy metrics of any model. Used by `fashion-pipeline
evaluate` and benchmarks/rerank_benchmark.py.

The item attributes it needs come from recsys.attributes (`attributes_from_files`), the image
vectors from vision.features (`read_aligned_vectors`)."""

from __future__ import annotations

import numpy as np
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.data import Split
from fashion_pipeline.recsys.evaluation import beyond_accuracy, evaluate
from fashion_pipeline.recsys.rerank import ItemSense, RerankConfig, RerankedScorer, UserHistory

RERANK_SUFFIX = "+rerank"


def item_ids_of(interactions: pl.DataFrame) -> np.ndarray:
    """asin per item index."""
    return interactions.select(C.ITEM_IDX, C.ITEM_ID).unique(C.ITEM_IDX).sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy()


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


def add_sense_metrics(results: dict[str, dict], fits: dict, names: list[str], split: Split, sense: ItemSense,
                      config: RerankConfig = RerankConfig(), progress=None) -> dict[str, dict]:
    """Results for every name asked: beyond-accuracy metrics for each model, and for
    '<model>+rerank' the re-ranked model's full set of test metrics (fit keys from its model)."""
    say = progress or (lambda msg: None)
    out = {}
    for name in names:
        base = name[: -len(RERANK_SUFFIX)] if name.endswith(RERANK_SUFFIX) else name
        scorer = fits[base].scorer
        if name != base:
            say(f"{name}: re-ranking the top {config.candidates} of {base} ...")
            scorer = reranked(scorer, split, "test", sense, config)
            metrics = {**results[base], **sense_report(scorer, split, "test", sense)}
            metrics.pop("validation", None)
            metrics["rerank"] = {k: v for k, v in vars(config).items()}
        else:
            metrics = {**results[base], **beyond_accuracy(scorer, split, "test", sense.key, sense.features)}
        out[name] = metrics
    return out
