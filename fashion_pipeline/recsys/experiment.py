"""The protocol end to end: fit on train with early stopping on validation, refit on train +
validation for the chosen number of epochs, report test. Used by the CLI, the assets and the
benchmarks alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fashion_pipeline.recsys.data import Split
from fashion_pipeline.recsys.evaluation import evaluate
from fashion_pipeline.recsys.registry import TORCH_MODELS, FitData, ModelConfigs, get_model, with_requirements
from fashion_pipeline.recsys.training import TorchScorer, TrainResult, resolve_device


def build_module(name: str, n_users: int, n_items: int, configs: ModelConfigs):
    """An untrained torch model of the configured size (NeuMF: both towers fresh; `fit` starts
    it from trained ones instead)."""
    spec = get_model(name)
    if not spec.torch:
        raise ValueError(f"{name!r} is not a torch model: choose from {', '.join(TORCH_MODELS)}")
    return spec.build(n_users, n_items, configs)


@dataclass
class Fitted:
    name: str
    stage: str
    scorer: object  # has score(users)
    model: object  # the torch module or the baseline object
    fit_seconds: float
    best_epoch: int = 0
    history: list[dict] = field(default_factory=list)
    chosen: dict = field(default_factory=dict)  # settings chosen on validation (EASE's lambda, a blend's weight)


Progress = Callable[[str], None]


def fit(name: str, split: Split, stage: str, configs: ModelConfigs, epochs: int | None = None,
        pretrained: dict[str, Fitted] | None = None, progress: Progress | None = None,
        chosen: dict | None = None) -> Fitted:
    """Fit one model on the stage's training data. On 'validation' the model may select on
    validation (torch models early-stop, EASE picks its lambda, a blend its weight); otherwise
    it trains exactly `epochs` and reuses what the validation fit `chosen`."""
    spec = get_model(name)
    missing = [r for r in spec.requires if r not in (pretrained or {})]
    if missing:
        raise ValueError(f"{name} is initialised from trained {' and '.join(spec.requires)}: fit "
                         f"{', '.join(missing)} first")
    data = FitData(*split.fit_data(stage), split.n_users, split.n_items)
    say = progress or (lambda msg: None)
    start = time.perf_counter()
    cfg = configs.train_config(name)
    validate = None
    if stage == "validation":
        val_users = np.flatnonzero(split.val_item >= 0)
        # a fixed random subset of the validation users, of the size the model's config names
        chooser = cfg if cfg is not None else getattr(configs, spec.config_name, None)
        n_eval = getattr(chooser, "eval_users", None)
        if n_eval is not None and len(val_users) > n_eval:
            val_users = np.sort(np.random.default_rng(chooser.seed).choice(val_users, n_eval, replace=False))

        def validate(scorer):
            return evaluate(scorer, split, "validation", users=val_users)

    def on_epoch(epoch, record):
        what = record.get("setting") or f"epoch {epoch}"
        parts = ([f"loss {record['loss']:.4f}"] if "loss" in record else []) + (
            [f"({record['seconds']:.1f}s)"] if "seconds" in record else [])
        extra = f", val ndcg@10 {record['val_ndcg@10']:.4f}" if "val_ndcg@10" in record else ""
        say(f"  {name} [{stage}] {what}: {' '.join(parts)}{extra}".replace(": ,", ":"))

    model, result = spec.fit(data, configs, {r: pretrained[r].model for r in spec.requires}, validate=validate,
                             on_epoch=on_epoch, epochs=epochs, chosen=chosen)
    seconds = time.perf_counter() - start
    result = result or TrainResult()
    if not spec.torch:
        return Fitted(name, stage, model, model, seconds, history=result.history, chosen=result.chosen)
    return Fitted(name, stage, TorchScorer(model, resolve_device(cfg.device)), model, seconds,
                  result.best_epoch, result.history, result.chosen)


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
    # the epochs that won on validation; 0 when a trained start (ALS factors) was never beaten
    epochs = fits["validation"].best_epoch if get_model(name).torch else None
    chosen = fits["validation"].chosen or None
    val_metrics = evaluate(fits["validation"].scorer, split, "validation")
    settings = ", ".join(f"{k} {v:g}" for k, v in (chosen or {}).items())
    say(f"{name}: refitting on train + validation ({epochs or '-'} epochs{', ' + settings if settings else ''}) ...")
    fits["test"] = fit(name, split, "test", configs, epochs=epochs, pretrained=pretrained.get("test"), progress=say,
                       chosen=chosen)
    test_metrics = evaluate(fits["test"].scorer, split, "test")
    say(f"{name}: test ndcg@10 {test_metrics['ndcg@10']:.4f}, hr@10 {test_metrics['hr@10']:.4f}, "
        f"sampled hr@10 {test_metrics['hr@10_sampled']:.4f}")
    if serve:
        say(f"{name}: refitting on every interaction for serving ...")
        fits["serve"] = fit(name, split, "serve", configs, epochs=epochs, pretrained=pretrained.get("serve"),
                            progress=say, chosen=chosen)
    metrics = {
        **{k: v for k, v in test_metrics.items() if k != "users"},
        "fit_seconds": round(fits["test"].fit_seconds, 3),
        "best_epoch": fits["validation"].best_epoch,
        "chosen": fits["validation"].chosen,
        "validation": val_metrics,
        "params": configs.params(name),
    }
    return metrics, fits


def run_protocol(split: Split, names: list[str], configs: ModelConfigs | None = None,
                 progress: Progress | None = None) -> tuple[dict[str, dict], dict[str, Fitted]]:
    """Validation-selected, test-reported metrics for each model, and the test-stage fits.

    A model's requirements (NeuMF: GMF and MLP) are fitted (and reported) too when it is asked for.
    """
    configs = configs or ModelConfigs()
    wanted = with_requirements(names)
    results, by_stage = {}, {"validation": {}, "test": {}}
    for name in wanted:
        results[name], fits = fit_and_evaluate(name, split, configs, by_stage, progress=progress)
        for stage, fitted in fits.items():
            by_stage[stage][name] = fitted
    return results, by_stage["test"]
