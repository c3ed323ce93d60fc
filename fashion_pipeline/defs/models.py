"""Model assets: the split, and one asset per model of the registry, trained under one protocol."""

import dagster as dg
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.defs.ingestion import interactions
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.tracking import MLflowTracking
from fashion_pipeline.recsys.data import STAGES, leave_last_out
from fashion_pipeline.recsys.experiment import fit_and_evaluate
from fashion_pipeline.recsys.persistence import (
    load_fitted, load_split, model_file, save_fitted, save_split, write_json,
)
from fashion_pipeline.recsys.registry import MODELS, TORCH_MODELS, ModelConfigs
from fashion_pipeline.sources.atomic import write_parquet

GROUP = "models"
METRIC_KEYS = ("hr@10", "ndcg@10", "recall@20", "ndcg@20", "hr@10_sampled", "ndcg@10_sampled")


class TrainingConfig(dg.Config):
    """Run-time knobs; the hyperparameters themselves are the library's validated defaults."""

    device: str = "auto"  # "cpu", "cuda", or "auto" (a GPU when one is present)
    max_epochs: int = 0  # 0 = the model's default upper bound; early stopping picks within it


# Downstream of ingestion, assets follow by declarative automation: when the raw-reviews sensor
# re-ingests, the split, the models, the champion and the recommendations update in turn.
FOLLOW_UPSTREAM = dg.AutomationCondition.eager()


@dg.asset(deps=[interactions], group_name=GROUP, kinds={"numpy"}, automation_condition=FOLLOW_UPSTREAM)
def interaction_splits(fashion_data: FashionData) -> dg.MaterializeResult:
    """Leave-last-out train/validation/test by time, and 99 fixed negatives per user."""
    layout = fashion_data.layout
    table = pl.read_parquet(layout.parsed("interactions"))
    split = leave_last_out(table)
    save_split(split, layout.split)
    write_parquet(table.select(C.USER_ID, C.USER_IDX).unique().sort(C.USER_IDX), layout.user_ids)
    write_parquet(table.select(C.ITEM_ID, C.ITEM_IDX).unique().sort(C.ITEM_IDX), layout.item_ids)
    evaluated = int((split.test_item >= 0).sum())
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(layout.split)),
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
    layout = fashion_data.layout
    split = load_split(layout.split)
    configs = configs_for(config)
    # models this one starts from (NeuMF: the trained GMF and MLP), per stage
    pretrained = {stage: {needed: load_fitted(needed, stage, layout.model_dir(needed), split.n_users, split.n_items,
                                              configs, config.device)
                          for needed in MODELS[name].requires}
                  for stage in STAGES}
    metrics, fits = fit_and_evaluate(name, split, configs, pretrained, serve=True, progress=context.log.info)
    folder = layout.model_dir(name)
    for fitted in fits.values():
        save_fitted(fitted, folder)
    with mlflow_tracking.run(run_name=name, tags={"model": name, "dagster_run_id": context.run_id}) as mlflow:
        mlflow.log_params({**metrics["params"], **{f"chosen.{k}": v for k, v in metrics["chosen"].items()}})
        # per epoch (or per setting of a validation grid): loss and validation metrics
        for record in fits["validation"].history:
            mlflow.log_metrics({k.replace("@", "_at_"): v for k, v in record.items()
                                if k != "epoch" and isinstance(v, float)}, step=record["epoch"])
        mlflow.log_metrics({f"test_{k.replace('@', '_at_')}": metrics[k] for k in METRIC_KEYS})
        mlflow.log_metrics({f"validation_{k.replace('@', '_at_')}": metrics["validation"][k] for k in METRIC_KEYS})
        mlflow.log_metric("fit_seconds", metrics["fit_seconds"])
        mlflow.log_artifact(str(model_file(folder, name, "serve")), artifact_path="model")
        for path in (layout.user_ids, layout.item_ids):
            mlflow.log_artifact(str(path), artifact_path="model")
        run_id = mlflow.active_run().info.run_id
    write_json({**metrics, "name": name, "mlflow_run_id": run_id}, layout.model_metrics(name))
    return dg.MaterializeResult(metadata={
        **{f"test {k}": round(metrics[k], 4) for k in METRIC_KEYS},
        "validation ndcg@10": round(metrics["validation"]["ndcg@10"], 4),
        "best_epoch": metrics["best_epoch"],
        **{f"chosen {k}": v for k, v in metrics["chosen"].items()},
        "fit_seconds": metrics["fit_seconds"],
        "mlflow_run_id": run_id,
        "path": dg.MetadataValue.path(str(folder)),
    })


def model_asset_key(name: str) -> str:
    """`<name>_model`; a blend's '+' (not allowed in an asset name) reads '_plus_'."""
    return f"{name.replace('+', '_plus_')}_model"


def _model_asset(name: str) -> dg.AssetsDefinition:
    spec = MODELS[name]

    @dg.asset(name=model_asset_key(name), deps=[interaction_splits, *(model_asset_key(n) for n in spec.requires)],
              group_name=GROUP, kinds={"pytorch" if spec.torch else "numpy", "mlflow"},
              description=spec.description, automation_condition=FOLLOW_UPSTREAM)
    def _asset(context: dg.AssetExecutionContext, config: TrainingConfig, fashion_data: FashionData,
               mlflow_tracking: MLflowTracking) -> dg.MaterializeResult:
        return train_model(name, context, config, fashion_data, mlflow_tracking)

    return _asset


# One asset per registered model: a new registry entry is a new asset, MLflow run and champion candidate.
MODEL_ASSETS = [_model_asset(name) for name in MODELS]
