"""Saving and loading fitted models and splits: plain files any tool can open."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from fashion_pipeline.recsys.baselines import ALS, Popularity
from fashion_pipeline.recsys.data import Split
from fashion_pipeline.recsys.experiment import NEURAL, Fitted, ModelConfigs, build_module
from fashion_pipeline.recsys.training import TorchScorer, resolve_device
from fashion_pipeline.sources.atomic import atomic_path


def save_split(split: Split, path: Path) -> Path:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **{k: np.asarray(v) for k, v in vars(split).items()})
    return path


def load_split(path: Path) -> Split:
    with np.load(path) as z:
        return Split(**{k: (int(z[k]) if z[k].ndim == 0 else z[k]) for k in z.files})


def model_file(folder: Path, name: str, stage: str) -> Path:
    return folder / f"{stage}.{'pt' if name in NEURAL else 'npz'}"


def save_fitted(fitted: Fitted, folder: Path) -> Path:
    path = model_file(folder, fitted.name, fitted.stage)
    with atomic_path(path) as tmp:
        if fitted.name in NEURAL:
            torch.save(fitted.model.state_dict(), tmp)
        elif fitted.name == "als":
            with open(tmp, "wb") as fh:
                np.savez(fh, user_factors=fitted.model.user_factors, item_factors=fitted.model.item_factors)
        else:
            with open(tmp, "wb") as fh:
                np.savez(fh, counts=fitted.model.counts)
    return path


def load_fitted(name: str, stage: str, folder: Path, n_users: int, n_items: int,
                configs: ModelConfigs | None = None, device: str = "cpu") -> Fitted:
    """Rebuild a saved model; architecture sizes come from `configs` (the defaults if None)."""
    configs = configs or ModelConfigs()
    path = model_file(folder, name, stage)
    if name == "popularity":
        model = Popularity(n_items)
        with np.load(path) as z:
            model.counts = z["counts"]
        return Fitted(name, stage, model, model, 0.0)
    if name == "als":
        model = ALS(configs.als)
        with np.load(path) as z:
            model.user_factors, model.item_factors = z["user_factors"], z["item_factors"]
        return Fitted(name, stage, model, model, 0.0)
    module = build_module(name, n_users, n_items, configs)
    module.load_state_dict(torch.load(path, map_location="cpu"))
    dev = resolve_device(device)
    module.to(dev)
    return Fitted(name, stage, TorchScorer(module, dev), module, 0.0)


def write_json(data: dict, path: Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=float))
    return path
