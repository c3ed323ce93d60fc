"""Model assets: the split, six recommenders trained under one protocol, and the champion."""

from pathlib import Path

import dagster as dg
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.defs.ingestion import interactions
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.tracking import MLflowTracking
from fashion_pipeline.recsys.data import STAGES, leave_last_out
from fashion_pipeline.recsys.experiment import ModelConfigs, fit_and_evaluate
from fashion_pipeline.recsys.persistence import (
    load_fitted, load_split, model_file, save_fitted, save_split, write_json,
)
from fashion_pipeline.recsys.registry import TORCH_MODELS
from fashion_pipeline.sources.atomic import write_parquet

GROUP = "models"
METRIC_KEYS = ("hr@10", "ndcg@10", "recall@20", "ndcg@20", "hr@10_sampled", "ndcg@10_sampled")


class TrainingConfig(dg.Config):
    """Run-time knobs; the hyperparameters themselves are the library's validated defaults."""

    device: str = "auto"  # "cpu", "cuda", or "auto" (a GPU when one is present)
    max_epochs: int = 0  # 0 = the model's default upper bound; early stopping picks within it


def model_dir(fashion_data: FashionData, name: str) -> Path:
    return Path(fashion_data.data_dir) / "models" / name


def split_path(fashion_data: FashionData) -> Path:
    return Path(fashion_data.data_dir) / "models" / "split.npz"


def id_map_paths(fashion_data: FashionData) -> dict[str, Path]:
    base = Path(fashion_data.data_dir) / "models"
    return {"users": base / "user_ids.parquet", "items": base / "item_ids.parquet"}


# Downstream of ingestion, assets follow by declarative automation: when the raw-reviews sensor
# re-ingests, the split, the models, the champion and the recommendations update in turn.
FOLLOW_UPSTREAM = dg.AutomationCondition.eager()


@dg.asset(deps=[interactions], group_name=GROUP, kinds={"numpy"}, automation_condition=FOLLOW_UPSTREAM)
def interaction_splits(fashion_data: FashionData) -> dg.MaterializeResult:
    """Leave-last-out train/validation/test by time, and 99 fixed negatives per user."""
    table = pl.read_parquet(fashion_data.parsed("interactions"))
    split = leave_last_out(table)
    save_split(split, split_path(fashion_data))
    maps = id_map_paths(fashion_data)
    write_parquet(table.select(C.USER_ID, C.USER_IDX).unique().sort(C.USER_IDX), maps["users"])
    write_parquet(table.select(C.ITEM_ID, C.ITEM_IDX).unique().sort(C.ITEM_IDX), maps["items"])
    evaluated = int((split.test_item >= 0).sum())
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(split_path(fashion_data))),
        "users": split.n_users, "items": split.n_items,
        "train_interactions": len(split.train_users),
        "validation_interactions": int((split.val_item >= 0).sum()),
        "test_interactions": evaluated,
    })


def configs_for(config: TrainingConfig) -> ModelConfigs:
    configs = ModelConfigs()
    for name in TORCH_MODELS:
        train = getattr(configs, name).train
        train.device = config.device
        if config.max_epochs:
            train.epochs = config.max_epochs
    return configs


def train_model(name: str, context: dg.AssetExecutionContext, config: TrainingConfig,
                fashion_data: FashionData, mlflow_tracking: MLflowTracking) -> dg.MaterializeResult:
    """Fit one model under the protocol, save every stage's weights, log the MLflow run."""
    split = load_split(split_path(fashion_data))
    configs = configs_for(config)
    pretrained = {stage: {} for stage in STAGES}
    if name == "neumf":
        for tower in ("gmf", "mlp"):
            for stage in STAGES:
                pretrained[stage][tower] = load_fitted(tower, stage, model_dir(fashion_data, tower),
                                                       split.n_users, split.n_items, configs, config.device)
    metrics, fits = fit_and_evaluate(name, split, configs, pretrained, serve=True, progress=context.log.info)
    folder = model_dir(fashion_data, name)
    for fitted in fits.values():
        save_fitted(fitted, folder)
    with mlflow_tracking.run(run_name=name, tags={"model": name, "dagster_run_id": context.run_id}) as mlflow:
        mlflow.log_params(metrics["params"])
        for record in fits["validation"].history:  # per-epoch loss and validation metrics
            mlflow.log_metrics({k.replace("@", "_at_"): v for k, v in record.items()
                                if k != "epoch" and isinstance(v, float)}, step=record["epoch"])
        mlflow.log_metrics({f"test_{k.replace('@', '_at_')}": metrics[k] for k in METRIC_KEYS})
        mlflow.log_metrics({f"validation_{k.replace('@', '_at_')}": metrics["validation"][k] for k in METRIC_KEYS})
        mlflow.log_metric("fit_seconds", metrics["fit_seconds"])
        mlflow.log_artifact(str(model_file(folder, name, "serve")), artifact_path="model")
        for path in id_map_paths(fashion_data).values():
            mlflow.log_artifact(str(path), artifact_path="model")
        run_id = mlflow.active_run().info.run_id
    write_json({**metrics, "name": name, "mlflow_run_id": run_id}, folder / "metrics.json")
    return dg.MaterializeResult(metadata={
        **{f"test {k}": round(metrics[k], 4) for k in METRIC_KEYS},
        "validation ndcg@10": round(metrics["validation"]["ndcg@10"], 4),
        "best_epoch": metrics["best_epoch"],
        "fit_seconds": metrics["fit_seconds"],
        "mlflow_run_id": run_id,
        "path": dg.MetadataValue.path(str(folder)),
    })


def _model_asset(name: str, description: str, deps: list):
    @dg.asset(name=f"{name}_model", deps=deps, group_name=GROUP, kinds={"pytorch" if name in TORCH_MODELS else "numpy", "mlflow"},
              description=description, automation_condition=FOLLOW_UPSTREAM)
    def _asset(context: dg.AssetExecutionContext, config: TrainingConfig, fashion_data: FashionData,
               mlflow_tracking: MLflowTracking) -> dg.MaterializeResult:
        return train_model(name, context, config, fashion_data, mlflow_tracking)

    return _asset


popularity_model = _model_asset("popularity", "Most-bought items first: the floor every model must beat.", [interaction_splits])
als_model = _model_asset("als", "implicit's ALS matrix factorization with tuned defaults.", [interaction_splits])
gmf_model = _model_asset("gmf", "Generalized Matrix Factorization (NCF), trained with sampled negatives.", [interaction_splits])
mlp_model = _model_asset("mlp", "The NCF MLP tower over user and item embeddings.", [interaction_splits])
neumf_model = _model_asset("neumf", "NeuMF, initialised from the trained GMF and MLP.", [interaction_splits, gmf_model, mlp_model])
sasrec_model = _model_asset("sasrec", "SASRec: self-attention over each user's purchases in time order, "
                            "predicting the next; the latest purchases weigh most.", [interaction_splits])
MODEL_ASSETS = [popularity_model, als_model, gmf_model, mlp_model, neumf_model, sasrec_model]
