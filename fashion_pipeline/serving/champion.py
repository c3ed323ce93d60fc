"""Loading what serves recommendations: the champion's serving fit, the split, the id maps."""

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
