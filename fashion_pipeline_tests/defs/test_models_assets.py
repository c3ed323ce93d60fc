"""Model assets: MLflow runs, the champion gate, and the recommendation table."""

import json

import dagster as dg
import duckdb
import mlflow
import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.definitions import build_definitions, without_vision
from fashion_pipeline.defs.champion import champion_beats_popularity, champion_model, choose_champion

from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.tracking import MLflowTracking
from fashion_pipeline.recsys.registry import MODEL_NAMES


@pytest.fixture(scope="module")
def materialized(small_sample, tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    data = FashionData.for_folders(small_sample, root / "data")
    defs = build_definitions(data, mlruns_dir=str(root / "mlruns"))
    result = defs.resolve_job_def("all_assets_job").execute_in_process(instance=dg.DagsterInstance.ephemeral(),
                                                                         asset_selection=without_vision(defs))
    return data, root / "mlruns", result


def test_every_model_is_an_mlflow_run_with_history_metrics_and_artifacts(materialized):
    data, mlruns, result = materialized
    assert result.success
    tracking = MLflowTracking(mlruns_dir=str(mlruns))
    assert (mlruns / "mlflow.db").exists()
    mlflow.set_tracking_uri(tracking.tracking_uri)
    runs = mlflow.search_runs(experiment_names=[tracking.experiment], output_format="list")
    by_model = {r.data.tags["model"]: r for r in runs}
    assert set(by_model) == set(MODEL_NAMES)
    client = mlflow.MlflowClient()
    gmf = by_model["gmf"]
    assert "test_ndcg_at_10" in gmf.data.metrics and "validation_ndcg_at_10" in gmf.data.metrics
    assert len(client.get_metric_history(gmf.info.run_id, "loss")) >= 2  # per epoch
    assert gmf.data.params["factors"] == "64"
    artifacts = {a.path for a in client.list_artifacts(gmf.info.run_id, "model")}
    assert {"model/serve.pt", "model/user_ids.parquet", "model/item_ids.parquet"} <= artifacts


def test_champion_is_promoted_and_recommendations_are_in_duckdb(materialized):
    data, mlruns, result = materialized
    choice = json.loads(data.layout.champion.read_text())
    assert choice["beats_popularity"] and choice["name"] != "popularity"
    assert MLflowTracking(mlruns_dir=str(mlruns)).alias_version() == choice["registry_version"]
    with duckdb.connect(str(data.layout.warehouse), read_only=True) as conn:
        recs = conn.sql("SELECT * FROM user_recommendation_details").pl()
        seen = conn.sql("SELECT reviewer_id, asin FROM interactions").pl()
    users = seen[C.USER_ID].n_unique()
    assert len(recs) == 10 * users and recs[C.USER_ID].n_unique() == users
    assert set(recs.columns) >= {C.USER_ID, "rank", C.ITEM_ID, "score", "model", "created_at", C.TITLE}
    assert recs.join(seen, on=[C.USER_ID, C.ITEM_ID]).is_empty()  # nothing already bought
    assert recs.group_by(C.USER_ID).agg(pl.col("rank").sort()).filter(
        pl.col("rank") != list(range(1, 11))).is_empty()


def _fake_metrics(data, validation):
    for name in MODEL_NAMES:
        folder = data.layout.model_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        metrics = {"validation": {"ndcg@10": validation[name]}, "mlflow_run_id": "none",
                   **{k: 0.0 for k in ("hr@10", "ndcg@10", "recall@20", "ndcg@20")}}
        (folder / "metrics.json").write_text(json.dumps(metrics))


def test_promotion_check_blocks_a_champion_worse_than_popularity(tmp_path):
    data = FashionData.for_folders(tmp_path / "raw", tmp_path / "data")
    _fake_metrics(data, {"popularity": 0.10, "als": 0.05, "ease": 0.06, "slist": 0.06, "gmf": 0.08, "mlp": 0.02, "neumf": 0.09,
                        "sasrec": 0.07, "sasrec+ease": 0.07, "sasrec+als": 0.07,
                        "sasrec+slist": 0.07})
    tracking = MLflowTracking(mlruns_dir=str(tmp_path / "mlruns"))
    result = dg.materialize([champion_model, champion_beats_popularity],
                            resources={"fashion_data": data, "mlflow_tracking": tracking},
                            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 1 and not checks[0].passed
    assert tracking.alias_version() is None  # never promoted
    assert choose_champion(json.loads(json.dumps({n: {"validation": {"ndcg@10": v}, "mlflow_run_id": "x",
                                                      "hr@10": 0, "ndcg@10": 0, "recall@20": 0, "ndcg@20": 0}
                                                  for n, v in {"popularity": 0.1, "als": 0.2, "gmf": 0.3,
                                                               "mlp": 0.1, "neumf": 0.25, "sasrec": 0.05}.items()})))["name"] == "gmf"
    # blends are candidates like any model
    assert choose_champion({n: {"validation": {"ndcg@10": v}} for n, v in
                            {"popularity": 0.1, "sasrec": 0.2, "sasrec+ease": 0.3}.items()})["name"] == "sasrec+ease"
