"""Seasonal retraining: per season, a training set that never looks at or past the season's
start, a season-aware recommender fitted on it (recsys.season_aware: a season-blind model plus
a seasonal prior, weights chosen on the season before), and recommendations for that season."""

import json
from datetime import datetime, timezone

import dagster as dg
import numpy as np
import polars as pl
from dagster_duckdb import DuckDBResource

from fashion_pipeline import columns as C
from fashion_pipeline.defs.attributes import item_attributes
from fashion_pipeline.defs.ingestion import interactions
from fashion_pipeline.defs.models import interaction_splits
from fashion_pipeline.defs.partitions import season_partitions
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.tracking import MLflowTracking
from fashion_pipeline.defs.warehouse import WAREHOUSE_POOL
from fashion_pipeline.recsys.persistence import save_fitted, write_json
from fashion_pipeline.recsys.registry import TORCH_MODELS, ModelConfigs
from fashion_pipeline.recsys.season_aware import (
    PRIOR_PARTS, SeasonAwareConfig, SeasonAwareScorer, fit_season_aware, prior_codes,
)
from fashion_pipeline.recsys.seasonal import SeasonalConfig, day_start_seconds, seasonal_training_rows
from fashion_pipeline.recsys.seasons import season_start
from fashion_pipeline.serving.champion import load_id_maps, load_serving_model
from fashion_pipeline.serving.lists import ranked_lists, recommendation_table
from fashion_pipeline.serving.warehouse import replace_season
from fashion_pipeline.sources.atomic import atomic_path, write_parquet

GROUP = "seasonal"


class SeasonalTrainingConfig(dg.Config):
    # 0: all history before the season (what the season-aware model learns taste from); a
    # number keeps only earlier same seasons plus this many days before the start.
    recent_window_days: int = 0
    same_season_years: int = 0  # with a window: earlier years of the same season to use (0 = all)


class SeasonalModelConfig(dg.Config):
    # The season-blind base model: popularity, als, gmf, mlp or sasrec (sasrec: recent taste
    # weighs more, README "Seasons").
    model: str = "gmf"
    device: str = "auto"
    k: int = 10
    rerank: bool = True  # fashion-sense re-ranking of the seasonal model's top 100 (recsys.rerank)


@dg.asset(deps=[interactions], partitions_def=season_partitions, group_name=GROUP, kinds={"polars", "parquet"})
def seasonal_training_set(context: dg.AssetExecutionContext, config: SeasonalTrainingConfig,
                          fashion_data: FashionData) -> dg.MaterializeResult:
    """The season's training rows: everything before the season's start (or earlier same seasons
    plus a recent window)."""
    key, layout = context.partition_key, fashion_data.layout
    table = pl.read_parquet(layout.parsed("interactions"))
    cfg = SeasonalConfig(config.recent_window_days or None, config.same_season_years or None)
    rows = seasonal_training_rows(table, key, cfg)
    path = write_parquet(rows, layout.season_training_set(key))
    latest = rows[C.TIMESTAMP].max() if len(rows) else None
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows), "path": dg.MetadataValue.path(str(path)),
        "season_start": str(season_start(key)),
        "latest_interaction": str(datetime.fromtimestamp(latest, timezone.utc).date()) if latest else "none",
        "seasons_used": dg.MetadataValue.json(rows[C.SEASON].value_counts().sort(C.SEASON).rows()),
        "users": rows[C.USER_IDX].n_unique(),
    })


@dg.asset_check(asset=seasonal_training_set, blocking=True)
def no_training_row_at_or_after_season_start(context: dg.AssetCheckExecutionContext,
                                             fashion_data: FashionData) -> dg.AssetCheckResult:
    """A seasonal model must never see the season it is for, nor anything later."""
    key = context.partition_key if context.has_partition_key else None
    if key is None:
        return dg.AssetCheckResult(passed=True, metadata={"note": "no partition"})
    rows = pl.read_parquet(fashion_data.layout.season_training_set(key), columns=[C.TIMESTAMP])
    leaks = int((rows[C.TIMESTAMP] >= day_start_seconds(season_start(key))).sum())
    return dg.AssetCheckResult(passed=leaks == 0, metadata={"rows_at_or_after_start": leaks})


def _prior_codes(layout, item_ids: np.ndarray) -> dict[str, np.ndarray] | None:
    """Garment type / category / colour codes for the seasonal prior from item_attributes."""
    path = layout.parsed("item_attributes")
    return prior_codes(pl.read_parquet(path), item_ids) if path.exists() else None


@dg.asset(deps=[seasonal_training_set, interaction_splits, item_attributes], partitions_def=season_partitions,
          group_name=GROUP, kinds={"pytorch", "mlflow"})
def seasonal_model(context: dg.AssetExecutionContext, config: SeasonalModelConfig, fashion_data: FashionData,
                   mlflow_tracking: MLflowTracking) -> dg.MaterializeResult:
    """The season-aware recommender: a season-blind model plus the seasonal prior, with weights
    chosen on the season before, compared there with season-blind and popularity."""
    key, layout = context.partition_key, fashion_data.layout
    rows = pl.read_parquet(layout.season_training_set(key))
    ids = load_id_maps(layout)
    configs = ModelConfigs()
    if config.model in TORCH_MODELS:
        configs.train_config(config.model).device = config.device
    fitted = fit_season_aware(rows, key, len(ids.user_ids), len(ids.item_ids), _prior_codes(layout, ids.item_ids),
                              SeasonAwareConfig(model=config.model), configs, progress=context.log.info)
    save_fitted(fitted.base, layout.season_model_dir(key))
    with atomic_path(layout.season_prior(key)) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **{part: fitted.prior[part] for part in PRIOR_PARTS},
                 **{f"weight_{part}": fitted.weights[part] for part in PRIOR_PARTS})
    val = {variant: m["ndcg@10"] for variant, m in fitted.validation.items()}
    with mlflow_tracking.run(run_name=f"{config.model}-{key}", tags={"model": config.model, "season": key}) as mlflow:
        mlflow.log_params({"season": key, "validation_season": fitted.validation_season, "epochs": fitted.epochs,
                           **{f"weight_{p}": w for p, w in fitted.weights.items()}})
        mlflow.log_metrics({f"{variant}_validation_ndcg_at_10": v for variant, v in val.items()})
        run_id = mlflow.active_run().info.run_id
    write_json({"model": config.model, "season": key, "weights": fitted.weights,
                "validation_season": fitted.validation_season, "validation_users": fitted.validation_users,
                "validation": fitted.validation, "epochs": fitted.epochs,
                "beats_blind": val["aware"] >= val["blind"], "beats_popularity": val["aware"] >= val["popularity"],
                "mlflow_run_id": run_id}, layout.season_model_info(key))
    return dg.MaterializeResult(metadata={
        "model": config.model, "weights": dg.MetadataValue.json(fitted.weights),
        "validation_season": fitted.validation_season, "validation_users": fitted.validation_users,
        **{f"validation ndcg@10 {variant}": round(v, 4) for variant, v in val.items()},
        "validation metrics": dg.MetadataValue.json(fitted.validation), "epochs": fitted.epochs,
        "training_rows": len(rows), "mlflow_run_id": run_id,
    })


@dg.asset_check(asset=seasonal_model, blocking=True)
def seasonal_model_beats_blind_and_popularity(context: dg.AssetCheckExecutionContext,
                                              fashion_data: FashionData) -> dg.AssetCheckResult:
    """A season-aware model worse than season-blind or popularity on the season before is not
    published."""
    info = json.loads(fashion_data.layout.season_model_info(context.partition_key).read_text())
    return dg.AssetCheckResult(passed=bool(info["beats_blind"] and info["beats_popularity"]), metadata={
        **{f"validation ndcg@10 {variant}": m["ndcg@10"] for variant, m in info["validation"].items()},
        "validation_season": info["validation_season"]})


@dg.asset(deps=[seasonal_model, item_attributes], partitions_def=season_partitions, group_name=GROUP, kinds={"duckdb"},
          pool=WAREHOUSE_POOL)
def seasonal_recommendations(context: dg.AssetExecutionContext, config: SeasonalModelConfig,
                             fashion_data: FashionData, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """What to show each user this season: top-K unseen items, re-ranked for fashion sense
    (columns `reranked`, `reason`), rows tagged with the season."""
    key, layout = context.partition_key, fashion_data.layout
    info = json.loads(layout.season_model_info(key).read_text())
    serving = load_serving_model(layout, info["model"], layout.season_model_dir(key))
    ids = serving.ids
    with np.load(layout.season_prior(key)) as z:
        prior = {part: z[part] for part in PRIOR_PARTS}
    scorer = SeasonAwareScorer(serving.scorer, prior, info["weights"])
    before = pl.read_parquet(layout.parsed("interactions")).filter(
        pl.col(C.TIMESTAMP) < day_start_seconds(season_start(key)))
    users = np.sort(pl.read_parquet(layout.season_training_set(key))[C.USER_IDX].unique().to_numpy())
    history = tuple(before[c].to_numpy() for c in (C.USER_IDX, C.ITEM_IDX, C.TIMESTAMP))
    lists = ranked_lists(layout, scorer, users, history, len(ids.user_ids), ids.item_ids, config.k,
                         config.rerank)
    table = recommendation_table(lists, ids.user_ids[users], ids.item_ids, info["model"], **{C.SEASON: key})
    path = write_parquet(table, layout.season_recommendations(key))
    with warehouse.get_connection() as conn:
        replace_season(conn, path, key)
    return dg.MaterializeResult(metadata={"dagster/row_count": len(table), "users": len(users),
                                          "path": dg.MetadataValue.path(str(path))})


SEASONAL_ASSETS = [seasonal_training_set, seasonal_model, seasonal_recommendations]
SEASONAL_CHECKS = [no_training_row_at_or_after_season_start, seasonal_model_beats_blind_and_popularity]
