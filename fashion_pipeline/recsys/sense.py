"""Fashion sense under the evaluation protocol: the re-ranked version of a fitted model, and the
beyond-accuracy metrics of any model. Used by `fashion-pipeline evaluate` and the benchmark."""

from __future__ import annotations

from pathlib import Path

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


def load_image_vectors(features_path: str | Path, item_ids: np.ndarray) -> np.ndarray:
    """Image vectors from the HDF5 feature store aligned to `item_ids`; zero rows where absent."""
    from fashion_pipeline.recsys.cold_start import align_vectors
    from fashion_pipeline.vision.features import read_features

    features = read_features(features_path)
    return align_vectors(features.ids, features.vectors, item_ids)[0]


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


def attributes_from_files(metadata_path: str | Path, item_ids: np.ndarray, images: str | Path | None = None,
                          progress=None) -> pl.DataFrame:
    """The item_attributes table from a metadata file and, optionally, an image source (a DVBPR
    .npy or a folder of <asin>.<ext> images) whose measured colours fill gaps in the text."""
    from fashion_pipeline.recsys.attributes import item_attributes
    from fashion_pipeline.sources.metadata import read_metadata

    say = progress or (lambda msg: None)
    products = read_metadata(metadata_path, keep_asins=list(item_ids)).rows
    colours = None
    if images is not None:
        from fashion_pipeline.vision.item_colours import colours_from_dvbpr, colours_from_manifest
        from fashion_pipeline.vision.item_images import images_from_folder

        images = Path(images)
        if not images.exists():
            raise FileNotFoundError(f"image source {images} does not exist")
        say(f"measuring item colours from {images} ...")
        if images.is_dir():
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                colours = colours_from_manifest(images_from_folder(images, tmp).manifest)
        else:
            colours = colours_from_dvbpr(images, products[C.ITEM_ID].to_list())
    return item_attributes(products, colours)


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
