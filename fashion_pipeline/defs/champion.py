"""The champion: the best model by validation NDCG@10, promoted only if it beats popularity.

Every registered model but popularity is a candidate (blends included); the rule itself is
serving.champion.choose_champion, which `evaluate` uses too."""

import json

import dagster as dg

from fashion_pipeline.defs.models import FOLLOW_UPSTREAM, GROUP, MODEL_ASSETS
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.tracking import MLflowTracking
from fashion_pipeline.recsys.persistence import write_json
from fashion_pipeline.recsys.registry import MODEL_NAMES
from fashion_pipeline.serving.champion import choose_champion, read_champion


@dg.asset(deps=MODEL_ASSETS, group_name=GROUP, kinds={"mlflow"}, automation_condition=FOLLOW_UPSTREAM)
def champion_model(fashion_data: FashionData, mlflow_tracking: MLflowTracking) -> dg.MaterializeResult:
    """The model that serves recommendations; MLflow alias `champion` when it beats popularity."""
    layout = fashion_data.layout
    metrics = {n: json.loads(layout.model_metrics(n).read_text()) for n in MODEL_NAMES}
    choice = choose_champion(metrics)
    # A model that cannot beat "most popular first" is never promoted; the check below fails
    # and blocks everything downstream of this asset.
    choice["registry_version"] = mlflow_tracking.promote(choice["mlflow_run_id"], "model") if choice["beats_popularity"] else None
    write_json(choice, layout.champion)
    table = "| model | validation ndcg@10 | test ndcg@10 | test hr@10 |\n|---|---:|---:|---:|\n" + "".join(
        f"| {n} | {metrics[n]['validation']['ndcg@10']:.4f} | {metrics[n]['ndcg@10']:.4f} | {metrics[n]['hr@10']:.4f} |\n"
        for n in MODEL_NAMES)
    return dg.MaterializeResult(metadata={
        "champion": choice["name"], "beats_popularity": choice["beats_popularity"],
        "validation ndcg@10": round(choice["validation_ndcg@10"], 4),
        "popularity validation ndcg@10": round(choice["popularity_validation_ndcg@10"], 4),
        "registry_version": str(choice["registry_version"]),
        "leaderboard": dg.MetadataValue.md(table),
    })


@dg.asset_check(asset=champion_model, blocking=True)
def champion_beats_popularity(fashion_data: FashionData) -> dg.AssetCheckResult:
    """Block promotion and recommendations when the best model is no better than popularity."""
    choice = read_champion(fashion_data.layout)
    return dg.AssetCheckResult(passed=bool(choice["beats_popularity"]), metadata={
        "champion": choice["name"], "validation ndcg@10": choice["validation_ndcg@10"],
        "popularity validation ndcg@10": choice["popularity_validation_ndcg@10"]})
