"""The champion: the rule that picks it (shared by the champion asset and `evaluate`), and
loading what serves recommendations: the champion's serving fit, the split, the id maps."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.layout import ArtifactLayout
from fashion_pipeline.recsys.data import Split
from fashion_pipeline.recsys.persistence import load_fitted, load_split


# The floor every candidate must beat; never a candidate itself.
FLOOR = "popularity"
TEST_KEYS = ("hr@10", "ndcg@10", "recall@20", "ndcg@20")


def choose_champion(metrics: dict[str, dict]) -> dict | None:
    """The rule: among the evaluated models but popularity (each with the protocol's metrics:
    "validation" and the test keys), the best validation NDCG@10 (the first on ties), compared
    with popularity's validation NDCG@10 (beats_popularity is None when popularity was not
    evaluated; None when popularity is all there is). Test metrics are reported, never used to
    choose."""
    candidates = [n for n in metrics if n != FLOOR]
    if not candidates:
        return None
    best = max(candidates, key=lambda n: metrics[n]["validation"]["ndcg@10"])
    best_val = metrics[best]["validation"]["ndcg@10"]
    floor = metrics[FLOOR]["validation"]["ndcg@10"] if FLOOR in metrics else None
    return {"name": best, "validation_ndcg@10": best_val, "popularity_validation_ndcg@10": floor,
            "beats_popularity": None if floor is None else best_val > floor,
            "mlflow_run_id": metrics[best].get("mlflow_run_id"),
            "test": {k: metrics[best][k] for k in TEST_KEYS if k in metrics[best]}}


@dataclass
class IdMaps:
    user_ids: np.ndarray  # reviewer id per user index
    item_ids: np.ndarray  # asin per item index

    def user_index(self, user: str) -> int | None:
        found = np.flatnonzero(self.user_ids == user)
        return int(found[0]) if len(found) else None


def load_id_maps(layout: ArtifactLayout) -> IdMaps:
    users = pl.read_parquet(layout.user_ids).sort(C.USER_IDX)[C.USER_ID].to_numpy()
    items = pl.read_parquet(layout.item_ids).sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy()
    return IdMaps(users, items)


def read_champion(layout: ArtifactLayout) -> dict:
    """champion.json: the chosen model's name, its validation figures and MLflow run."""
    if not layout.champion.exists():
        raise FileNotFoundError(f"no champion model at {layout.champion}: run `fashion-pipeline demo` first")
    return json.loads(layout.champion.read_text())


@dataclass
class ServingModel:
    name: str
    scorer: object  # has score(users)
    split: Split
    ids: IdMaps


def load_serving_model(layout: ArtifactLayout, name: str | None = None, folder: Path | None = None) -> ServingModel:
    """A model's serving fit (the champion's when `name` is None) with the split and id maps."""
    name = name or read_champion(layout)["name"]
    split = load_split(layout.split)
    fitted = load_fitted(name, "serve", folder or layout.model_dir(name), split.n_users, split.n_items)
    return ServingModel(name, fitted.scorer, split, load_id_maps(layout))
