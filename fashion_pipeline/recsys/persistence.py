"""Saving and loading fitted models and splits: plain files any tool can open."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fashion_pipeline.recsys.data import Split
from fashion_pipeline.recsys.experiment import Fitted
from fashion_pipeline.recsys.registry import ModelConfigs, get_model
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
    return folder / f"{stage}.{get_model(name).suffix}"


def save_fitted(fitted: Fitted, folder: Path) -> Path:
    path = model_file(folder, fitted.name, fitted.stage)
    with atomic_path(path) as tmp:
        get_model(fitted.name).save(fitted.model, tmp)
    return path


def load_fitted(name: str, stage: str, folder: Path, n_users: int, n_items: int,
                configs: ModelConfigs | None = None, device: str = "cpu", models_dir: Path | None = None) -> Fitted:
    """Rebuild a saved model; architecture sizes come from `configs` (the defaults if None).

    A model whose file holds only what it adds to its parts (a blend) loads its parts' fits of
    the same stage from their folders beside `folder` (or under `models_dir`).
    """
    spec = get_model(name)
    configs = configs or ModelConfigs()
    path = model_file(folder, name, stage)
    if spec.loads_parts:
        where = models_dir or folder.parent
        parts = {r: load_fitted(r, stage, where / r, n_users, n_items, configs, device, where) for r in spec.requires}
        model = spec.load(path, n_users, n_items, configs, parts)
    else:
        model = spec.load(path, n_users, n_items, configs)
    if not spec.torch:
        return Fitted(name, stage, model, model, 0.0)
    dev = resolve_device(device)
    model.to(dev)
    return Fitted(name, stage, TorchScorer(model, dev), model, 0.0)


def write_json(data: dict, path: Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=float))
    return path
