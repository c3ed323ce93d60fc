"""The protocol end to end: fit on train with early stopping on validation, refit on train +
validation for the chosen number of epochs, report test. Used by the CLI, the assets and the
benchmarks alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fashion_pipeline.recsys.baselines import ALS, ALSConfig, Popularity
from fashion_pipeline.recsys.data import Split
from fashion_pipeline.recsys.evaluation import evaluate
from fashion_pipeline.recsys.models.gmf import GMF, GMFConfig
from fashion_pipeline.recsys.models.mlp import MLP, MLPConfig
from fashion_pipeline.recsys.models.neumf import NeuMF, NeuMFConfig
from fashion_pipeline.recsys.models.sasrec import SASRec, SASRecConfig
from fashion_pipeline.recsys.training import (TorchScorer, TrainConfig, resolve_device, train_pointwise,
                                              train_sequential)

MODEL_NAMES = ("popularity", "als", "gmf", "mlp", "neumf", "sasrec")
# the PyTorch models: trained by recsys.training, saved as state dicts
NEURAL = ("gmf", "mlp", "neumf", "sasrec")


@dataclass
class ModelConfigs:
    gmf: GMFConfig = field(default_factory=GMFConfig)
    mlp: MLPConfig = field(default_factory=MLPConfig)
    neumf: NeuMFConfig = field(default_factory=NeuMFConfig)
    sasrec: SASRecConfig = field(default_factory=SASRecConfig)
    als: ALSConfig = field(default_factory=ALSConfig)

    def train_config(self, name: str) -> TrainConfig | None:
        return getattr(self, name).train if name in NEURAL else None

    def params(self, name: str) -> dict:
        if name == "popularity":
            return {}
        cfg = getattr(self, name)
        flat = {k: v for k, v in vars(cfg).items() if k != "train"}
        if name in NEURAL:
            flat.update({f"train.{k}": v for k, v in vars(cfg.train).items()})
        return flat


def build_module(name: str, n_users: int, n_items: int, configs: ModelConfigs):
    """An untrained torch model of the configured size (NeuMF: both towers fresh; `fit` starts
    it from trained ones instead)."""
    if name == "gmf":
        return GMF(n_users, n_items, configs.gmf.factors)
    if name == "mlp":
        return MLP(n_users, n_items, configs.mlp.layers, configs.mlp.dropout)
    if name == "sasrec":
        c = configs.sasrec
        return SASRec(n_users, n_items, c.factors, c.blocks, c.heads, c.max_len, c.dropout)
    if name == "neumf":
        return NeuMF(n_users, n_items, configs.gmf.factors, configs.mlp.layers, configs.mlp.dropout)
    raise ValueError(f"{name!r} is not a torch model: choose from {', '.join(NEURAL)}")


@dataclass
class Fitted:
    name: str
    stage: str
    scorer: object  # has score(users)
    model: object  # the torch module or the baseline object
    fit_seconds: float
    best_epoch: int = 0
    history: list[dict] = field(default_factory=list)


Progress = Callable[[str], None]


def fit(name: str, split: Split, stage: str, configs: ModelConfigs, epochs: int | None = None,
        pretrained: dict[str, Fitted] | None = None, progress: Progress | None = None) -> Fitted:
    """Fit one model on the stage's training data; NCF models early-stop on validation when
    `stage` is 'validation' and train exactly `epochs` otherwise."""
    users, items, times = split.fit_data(stage)
    say = progress or (lambda msg: None)
    start = time.perf_counter()
    if name == "popularity":
        model = Popularity(split.n_items).fit(users, items, split.n_users)
        return Fitted(name, stage, model, model, time.perf_counter() - start)
    if name == "als":
        model = ALS(configs.als).fit(users, items, split.n_users, split.n_items)
        return Fitted(name, stage, model, model, time.perf_counter() - start)
    if name not in NEURAL:
        raise ValueError(f"unknown model {name!r}: choose from {', '.join(MODEL_NAMES)}")
    cfg = configs.train_config(name)
    import torch
    torch.manual_seed(cfg.seed)
    if name == "neumf":
        if not pretrained or "gmf" not in pretrained or "mlp" not in pretrained:
            raise ValueError("NeuMF is initialised from trained GMF and MLP: fit those first")
        module = NeuMF.from_pretrained(pretrained["gmf"].model, pretrained["mlp"].model, configs.neumf.alpha)
    else:
        module = build_module(name, split.n_users, split.n_items, configs)
    if name == "gmf" and configs.gmf.init_from_als:
        if configs.als.factors != configs.gmf.factors:
            raise ValueError(f"GMF init_from_als needs ALS factors ({configs.als.factors}) == GMF factors "
                             f"({configs.gmf.factors})")
        als = ALS(configs.als).fit(users, items, split.n_users, split.n_items)
        module.start_from(als.user_factors, als.item_factors)
    validate = None
    if stage == "validation":
        val_users = np.flatnonzero(split.val_item >= 0)
        if len(val_users) > cfg.eval_users:
            val_users = np.sort(np.random.default_rng(cfg.seed).choice(val_users, cfg.eval_users, replace=False))

        def validate(scorer):
            return evaluate(scorer, split, "validation", users=val_users)

    def on_epoch(epoch, record):
        extra = f", val ndcg@10 {record['val_ndcg@10']:.4f}" if "val_ndcg@10" in record else ""
        say(f"  {name} [{stage}] epoch {epoch}: loss {record['loss']:.4f} ({record['seconds']:.1f}s){extra}")

    if name == "sasrec":
        result = train_sequential(module, users, items, times, cfg, validate=validate, on_epoch=on_epoch,
                                  epochs=epochs)
    else:
        result = train_pointwise(module, users, items, split.n_items, cfg, times=times, validate=validate,
                                 on_epoch=on_epoch, epochs=epochs)
    return Fitted(name, stage, TorchScorer(module, resolve_device(cfg.device)), module,
                  time.perf_counter() - start, result.best_epoch, result.history)


def fit_and_evaluate(name: str, split: Split, configs: ModelConfigs, pretrained: dict[str, dict[str, Fitted]],
                     serve: bool = False, progress: Progress | None = None) -> tuple[dict, dict[str, Fitted]]:
    """The protocol for one model: select on validation, refit on train + validation and report
    test; with `serve`, refit once more on everything for making recommendations.

    `pretrained[stage][name]` holds earlier models' fits per stage (NeuMF starts from them).
    Returns the metrics and this model's fit per stage.
    """
    say = progress or (lambda msg: None)
    say(f"{name}: fitting on train, selecting on validation ...")
    fits = {"validation": fit(name, split, "validation", configs, pretrained=pretrained.get("validation"),
                              progress=say)}
    epochs = fits["validation"].best_epoch or None
    val_metrics = evaluate(fits["validation"].scorer, split, "validation")
    say(f"{name}: refitting on train + validation ({epochs or '-'} epochs) ...")
    fits["test"] = fit(name, split, "test", configs, epochs=epochs, pretrained=pretrained.get("test"), progress=say)
    test_metrics = evaluate(fits["test"].scorer, split, "test")
    say(f"{name}: test ndcg@10 {test_metrics['ndcg@10']:.4f}, hr@10 {test_metrics['hr@10']:.4f}, "
        f"sampled hr@10 {test_metrics['hr@10_sampled']:.4f}")
    if serve:
        say(f"{name}: refitting on every interaction for serving ...")
        fits["serve"] = fit(name, split, "serve", configs, epochs=epochs, pretrained=pretrained.get("serve"),
                            progress=say)
    metrics = {
        **{k: v for k, v in test_metrics.items() if k != "users"},
        "fit_seconds": round(fits["test"].fit_seconds, 3),
        "best_epoch": fits["validation"].best_epoch,
        "validation": val_metrics,
        "params": configs.params(name),
    }
    return metrics, fits


def run_protocol(split: Split, names: list[str], configs: ModelConfigs | None = None,
                 progress: Progress | None = None) -> tuple[dict[str, dict], dict[str, Fitted]]:
    """Validation-selected, test-reported metrics for each model, and the test-stage fits.

    NeuMF needs GMF and MLP: they are fitted (and reported) too when NeuMF is asked for.
    """
    configs = configs or ModelConfigs()
    wanted = list(dict.fromkeys((["gmf", "mlp"] if "neumf" in names else []) + list(names)))
    wanted.sort(key=MODEL_NAMES.index)
    results, by_stage = {}, {"validation": {}, "test": {}}
    for name in wanted:
        results[name], fits = fit_and_evaluate(name, split, configs, by_stage, progress=progress)
        for stage, fitted in fits.items():
            by_stage[stage][name] = fitted
    return results, by_stage["test"]
