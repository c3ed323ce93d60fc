"""Every recommender by name, RecBole-style: one `ModelSpec` per model says how to build, fit,
save and load it, so the protocol (recsys.experiment), the files (recsys.persistence), the
Dagster assets and the CLI loop over `MODELS` instead of naming models.

Adding a model: its file in recsys/models (the module and its config dataclass) and one entry
in `MODELS` below. Entries come in dependency order: a model's `requires` are listed before it.
Score blends (recsys.blend, e.g. `sasrec+ease`) are entries too: they require their two parts.

Settings chosen on validation other than the epoch count (EASE's lambda, a blend's weight) come
back from the validation fit as `TrainResult.chosen`; the protocol passes them as `chosen` to
the test and serving refits, which use them instead of choosing again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, make_dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fashion_pipeline.recsys.baselines import ALS, ALSConfig, Popularity
from fashion_pipeline.recsys.blend import BLENDS, Blend, BlendConfig, blend_name, choose_weight
from fashion_pipeline.recsys.models.ease import EASE, EASEConfig, closed_form, gram
from fashion_pipeline.recsys.models.gmf import GMF, GMFConfig
from fashion_pipeline.recsys.models.mlp import MLP, MLPConfig
from fashion_pipeline.recsys.models.neumf import NeuMF, NeuMFConfig
from fashion_pipeline.recsys.models.sasrec import SASRec, SASRecConfig
from fashion_pipeline.recsys.models.slist import SLIST, SLISTConfig, choose as choose_slist, solve as solve_slist
from fashion_pipeline.recsys.train_config import TrainConfig
from fashion_pipeline.recsys.training import TorchScorer, TrainResult, train_pointwise, train_sequential


@dataclass(frozen=True)
class FitData:
    """What a model is fitted on: one stage's (user, item, time) interactions and the index space."""

    users: np.ndarray
    items: np.ndarray
    times: np.ndarray
    n_users: int
    n_items: int


# build(n_users, n_items, configs) -> an untrained model: a torch module, or a baseline object
Build = Callable[[int, int, Any], Any]
# fit(data, configs, pretrained, validate=None, on_epoch=None, epochs=None, chosen=None)
#   -> (model, TrainResult | None); `pretrained` maps each required model's name to its fitted
#   model (module or baseline object); `validate(scorer)` (validation stage only) returns
#   validation metrics; `chosen` holds what the validation fit chose (TrainResult.chosen)
Fit = Callable[..., tuple[Any, TrainResult | None]]
# save(model, path): write the fitted model to `path` (a temporary file persistence renames)
Save = Callable[[Any, Path], None]
# load(path, n_users, n_items, configs) -> the fitted model, on the CPU; with `loads_parts`,
# load(path, n_users, n_items, configs, parts) where `parts` maps each required model's name to
# its loaded fit (recsys.experiment.Fitted) of the same stage
Load = Callable[..., Any]


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    name: str
    description: str  # one line: the Dagster asset's description
    config_cls: type | None  # its config dataclass, held by ModelConfigs as an attribute `name`
    torch: bool  # trained by recsys.training and saved as a state dict
    build: Build
    fit: Fit
    save: Save
    load: Load
    requires: tuple[str, ...] = ()  # models that must be fitted first (their fits are `pretrained`)
    # the ModelConfigs attribute holding its config (default: `name`; blends share "blend")
    config_attr: str | None = None
    # its saved file holds only what it adds to its required models (a blend's weight): loading
    # it loads them too
    loads_parts: bool = False

    @property
    def suffix(self) -> str:
        """The file extension of a saved fit."""
        return "pt" if self.torch else "npz"

    @property
    def config_name(self) -> str:
        return self.config_attr or self.name


# --- the baselines: fitted in closed form, saved as numpy arrays --------------------------------

def _save_arrays(*names: str) -> Save:
    def save(model, path: Path) -> None:
        with open(path, "wb") as fh:  # a file object: np.savez would append .npz to a path
            np.savez(fh, **{n: getattr(model, n) for n in names})
    return save


def _load_arrays(build: Build, *names: str) -> Load:
    def load(path: Path, n_users: int, n_items: int, configs) -> Any:
        model = build(n_users, n_items, configs)
        with np.load(path) as z:
            for n in names:
                setattr(model, n, z[n])
        return model
    return load


def _fit_popularity(data: FitData, configs, pretrained, **_) -> tuple[Popularity, None]:
    return Popularity(data.n_items).fit(data.users, data.items, data.n_users), None


def _fit_als(data: FitData, configs, pretrained, **_) -> tuple[ALS, None]:
    return ALS(configs.als).fit(data.users, data.items, data.n_users, data.n_items), None


def _build_ease(n_users: int, n_items: int, configs) -> EASE:
    return EASE(n_users, n_items, configs.ease)


def _fit_ease(data: FitData, configs, pretrained, validate=None, on_epoch=None, chosen=None,
              **_) -> tuple[EASE, TrainResult]:
    """The lambda of `chosen`, else the grid's best on validation, else the fallback lambda."""
    cfg = configs.ease
    model = _build_ease(data.n_users, data.n_items, configs)
    g = gram(model.set_interactions(data.users, data.items))
    result = TrainResult()
    if chosen or validate is None:
        lam = float(chosen["lambda"]) if chosen else cfg.fallback_lambda
        model.use(closed_form(g, lam), lam)
    else:
        best = None
        for step, lam in enumerate(cfg.lambdas, start=1):
            start = time.perf_counter()
            if best is not None:  # drop the last lambda's matrix before making the next
                model.use(*best)
            model.use(closed_form(g, lam), lam)
            metrics = validate(model)
            record = {"epoch": step, "setting": f"lambda {lam:g}", "lambda": float(lam),
                      "seconds": time.perf_counter() - start, **{f"val_{k}": v for k, v in metrics.items()}}
            result.history.append(record)
            if on_epoch is not None:
                on_epoch(step, record)
            if record["val_ndcg@10"] > result.best_ndcg:
                result.best_ndcg, best = record["val_ndcg@10"], (model.B, lam)
        model.use(*best)
    result.chosen = {"lambda": float(model.lam)}
    return model, result


def _build_slist(n_users: int, n_items: int, configs) -> SLIST:
    return SLIST(n_users, n_items, configs.slist)


def _fit_slist(data: FitData, configs, pretrained, validate=None, on_epoch=None, chosen=None,
               **_) -> tuple[SLIST, TrainResult]:
    """The setting of `chosen`, else the best on validation, else the config's fallback."""
    model = _build_slist(data.n_users, data.n_items, configs)
    g = model.set_interactions(data.users, data.items, data.times)
    result = TrainResult()
    if chosen or validate is None:
        lam, alpha, decay = ((chosen["lambda"], chosen["alpha"], chosen["score_decay"]) if chosen
                             else configs.slist.fallback)
        model.use(solve_slist(g, lam, alpha), lam, alpha, decay)
    else:
        result.history = choose_slist(model, g, validate, on_epoch)
        result.best_ndcg = max(r["val_ndcg@10"] for r in result.history)
    result.chosen = {"lambda": float(model.lam), "alpha": float(model.alpha), "score_decay": float(model.score_decay)}
    return model, result


def _scorer(model):
    """A fitted model as a scorer: torch modules through TorchScorer on their own device."""
    if isinstance(model, torch.nn.Module):
        return TorchScorer(model, next(model.parameters()).device)
    return model


def _blend_spec(first: str, second: str) -> ModelSpec:
    name = blend_name(first, second)

    def fit(data: FitData, configs, pretrained, validate=None, on_epoch=None, chosen=None, **_):
        a, b = _scorer(pretrained[first]), _scorer(pretrained[second])
        if chosen:
            return Blend(a, b, chosen["weight"]), TrainResult(chosen=dict(chosen))
        if validate is None:
            raise ValueError(f"{name}: the blend weight is chosen on validation; fit the validation stage first")
        weight, history = choose_weight(a, b, validate, configs.blend, on_epoch)
        return Blend(a, b, weight), TrainResult(history=history, chosen={"weight": weight})

    def load(path: Path, n_users: int, n_items: int, configs, parts) -> Blend:
        with np.load(path) as z:
            return Blend(parts[first].scorer, parts[second].scorer, float(z["weight"]))

    return ModelSpec(name=name, description=f"{first} and {second} scores, z-normalised per user, blended with the "
                     "weight chosen on validation.", config_cls=BlendConfig, config_attr="blend", torch=False,
                     build=lambda n_users, n_items, configs: None, fit=fit, save=_save_arrays("weight"), load=load,
                     requires=(first, second), loads_parts=True)


def _build_popularity(n_users: int, n_items: int, configs) -> Popularity:
    return Popularity(n_items)


def _build_als(n_users: int, n_items: int, configs) -> ALS:
    return ALS(configs.als)


# --- the torch models: one training loop (recsys.training), saved as state dicts ----------------

def _pointwise(module, data: FitData, cfg: TrainConfig, **kw) -> TrainResult:
    return train_pointwise(module, data.users, data.items, data.n_items, cfg, times=data.times, **kw)


def _sequential(module, data: FitData, cfg: TrainConfig, **kw) -> TrainResult:
    return train_sequential(module, data.users, data.items, data.times, cfg, **kw)


def _fresh(build: Build):
    def start(data: FitData, configs, pretrained):
        return build(data.n_users, data.n_items, configs), False
    return start


def _start_gmf(data: FitData, configs, pretrained) -> tuple[GMF, bool]:
    """Fresh embeddings, or ALS's factors when `init_from_als` (a trained start)."""
    module = _build_gmf(data.n_users, data.n_items, configs)
    if configs.gmf.init_from_als:
        if configs.als.factors != configs.gmf.factors:
            raise ValueError(f"GMF init_from_als needs ALS factors ({configs.als.factors}) == GMF factors "
                             f"({configs.gmf.factors})")
        als = ALS(configs.als).fit(data.users, data.items, data.n_users, data.n_items)
        module.start_from(als.user_factors, als.item_factors)
    return module, configs.gmf.init_from_als


def _start_mlp(data: FitData, configs, pretrained) -> tuple[MLP, bool]:
    """Fresh embeddings, or ALS's factors of the embedding size when `init_from_als`. The
    tower is fresh either way, so this start is not a trained model to validate."""
    module = _build_mlp(data.n_users, data.n_items, configs)
    if configs.mlp.init_from_als:
        als_cfg = replace(configs.als, factors=module.user.embedding_dim)
        als = ALS(als_cfg).fit(data.users, data.items, data.n_users, data.n_items)
        module.start_from(als.user_factors, als.item_factors)
    return module, False


def _start_neumf(data: FitData, configs, pretrained) -> tuple[NeuMF, bool]:
    """The paper's initialisation: both towers from the trained GMF and MLP."""
    return NeuMF.from_pretrained(pretrained["gmf"], pretrained["mlp"], configs.neumf.alpha), True


def _torch_fit(name: str, start, train) -> Fit:
    def fit(data: FitData, configs, pretrained, validate=None, on_epoch=None, epochs=None, chosen=None):
        cfg = getattr(configs, name).train
        torch.manual_seed(cfg.seed)  # before the module draws its initial weights
        module, trained_start = start(data, configs, pretrained)
        extra = {"trained_start": True} if trained_start else {}
        return module, train(module, data, cfg, validate=validate, on_epoch=on_epoch, epochs=epochs, **extra)
    return fit


def _save_state(module, path: Path) -> None:
    torch.save(module.state_dict(), path)


def _load_state(build: Build) -> Load:
    def load(path: Path, n_users: int, n_items: int, configs):
        module = build(n_users, n_items, configs)
        module.load_state_dict(torch.load(path, map_location="cpu"))
        return module
    return load


def _torch_spec(name: str, description: str, config_cls: type, build: Build, start=None, train=_pointwise,
                requires: tuple[str, ...] = ()) -> ModelSpec:
    return ModelSpec(name=name, description=description, config_cls=config_cls, torch=True, build=build,
                     fit=_torch_fit(name, start or _fresh(build), train), save=_save_state,
                     load=_load_state(build), requires=requires)


def _build_gmf(n_users: int, n_items: int, configs) -> GMF:
    return GMF(n_users, n_items, configs.gmf.factors)


def _build_mlp(n_users: int, n_items: int, configs) -> MLP:
    return MLP(n_users, n_items, configs.mlp.layers, configs.mlp.dropout)


def _build_neumf(n_users: int, n_items: int, configs) -> NeuMF:
    """Both towers fresh, of the GMF and MLP configs' sizes (fit starts from trained ones)."""
    return NeuMF(n_users, n_items, configs.gmf.factors, configs.mlp.layers, configs.mlp.dropout)


def _build_sasrec(n_users: int, n_items: int, configs) -> SASRec:
    c = configs.sasrec
    return SASRec(n_users, n_items, c.factors, c.blocks, c.heads, c.max_len, c.dropout)


# --- the registry --------------------------------------------------------------------------------

_SPECS = (
    ModelSpec(name="popularity", description="Most-bought items first: the floor every model must beat.",
              config_cls=None, torch=False, build=_build_popularity, fit=_fit_popularity,
              save=_save_arrays("counts"), load=_load_arrays(_build_popularity, "counts")),
    ModelSpec(name="als", description="implicit's ALS matrix factorization with tuned defaults.",
              config_cls=ALSConfig, torch=False, build=_build_als, fit=_fit_als,
              save=_save_arrays("user_factors", "item_factors"),
              load=_load_arrays(_build_als, "user_factors", "item_factors")),
    ModelSpec(name="ease", description="EASE (Steck 2019): closed-form item-item model, L2 chosen on validation.",
              config_cls=EASEConfig, torch=False, build=_build_ease, fit=_fit_ease,
              save=_save_arrays("B", "lam", "indptr", "indices"),
              load=_load_arrays(_build_ease, "B", "lam", "indptr", "indices")),
    ModelSpec(name="slist", description="SLIST (Choi et al. 2021): closed-form item-item and next-item model over "
              "recency-weighted histories; L2, mix and decay chosen on validation.",
              config_cls=SLISTConfig, torch=False, build=_build_slist, fit=_fit_slist,
              save=_save_arrays("B", "lam", "alpha", "score_decay", "seq_users", "seq_items", "from_end"),
              load=_load_arrays(_build_slist, "B", "lam", "alpha", "score_decay", "seq_users", "seq_items",
                                "from_end")),
    _torch_spec("gmf", "Generalized Matrix Factorization (NCF), trained with sampled negatives.", GMFConfig,
                _build_gmf, start=_start_gmf),
    _torch_spec("mlp", "The NCF MLP tower over user and item embeddings.", MLPConfig, _build_mlp,
                start=_start_mlp),
    _torch_spec("neumf", "NeuMF, initialised from the trained GMF and MLP.", NeuMFConfig, _build_neumf,
                start=_start_neumf, requires=("gmf", "mlp")),
    _torch_spec("sasrec", "SASRec: self-attention over each user's purchases in time order, predicting the "
                "next; the latest purchases weigh most.", SASRecConfig, _build_sasrec, train=_sequential),
    *(_blend_spec(first, second) for first, second in BLENDS),
)

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in _SPECS}
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)
# the PyTorch models: trained by recsys.training, saved as state dicts
TORCH_MODELS: tuple[str, ...] = tuple(name for name, spec in MODELS.items() if spec.torch)
# the score blends of two registered models (recsys.blend)
BLEND_MODELS: tuple[str, ...] = tuple(name for name, spec in MODELS.items() if spec.loads_parts)


def _check_order() -> None:
    for i, spec in enumerate(_SPECS):
        late = [r for r in spec.requires if r not in MODEL_NAMES[:i]]
        if late:
            raise RuntimeError(f"registry: {spec.name} requires {', '.join(late)}, which must be registered before it")


_check_order()


def get_model(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}: choose from {', '.join(MODEL_NAMES)}") from None


def with_requirements(names) -> list[str]:
    """`names` and every model they require (transitively), in registry order."""
    wanted: set[str] = set()

    def add(name: str) -> None:
        if name not in wanted:
            wanted.add(name)
            for r in get_model(name).requires:
                add(r)

    for name in names:
        add(name)
    return [n for n in MODEL_NAMES if n in wanted]


# --- every model's config in one object ---------------------------------------------------------

def _train_config(self, name: str) -> TrainConfig | None:
    """The model's training settings; None for a model not trained by recsys.training."""
    return getattr(self, name).train if get_model(name).torch else None


def _params(self, name: str) -> dict:
    """The model's settings as one flat dict (training settings as 'train.<key>'), for MLflow."""
    spec = get_model(name)
    if spec.config_cls is None:
        return {}
    cfg = getattr(self, spec.config_name)
    flat = {k: v for k, v in vars(cfg).items() if k != "train"}
    if spec.torch:
        flat.update({f"train.{k}": v for k, v in vars(cfg.train).items()})
    return flat


# One attribute per registered model with a config (configs.gmf is a GMFConfig, configs.als an
# ALSConfig, ..., configs.blend the BlendConfig every blend shares), each defaulting to its
# dataclass's defaults: ModelConfigs(gmf=GMFConfig(factors=32)).
_CONFIG_FIELDS = {spec.config_name: spec.config_cls for spec in _SPECS if spec.config_cls}
ModelConfigs = make_dataclass(
    "ModelConfigs",
    [(attr, cls, field(default_factory=cls)) for attr, cls in _CONFIG_FIELDS.items()],
    namespace={"train_config": _train_config, "params": _params,
               "__doc__": "Every registered model's config, as an attribute named after the model."},
)
ModelConfigs.__module__ = __name__

__all__ = ["BLEND_MODELS", "MODELS", "MODEL_NAMES", "TORCH_MODELS", "FitData", "ModelConfigs", "ModelSpec", "get_model",
           "with_requirements"]
