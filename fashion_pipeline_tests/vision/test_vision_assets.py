"""The vision assets end to end on the small sample, with a one-epoch detector (slow)."""

import dagster as dg
import h5py
import mlflow
import polars as pl
import pytest

from fashion_pipeline.defs.ingestion import products, reviews
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.tracking import MLflowTracking
from fashion_pipeline.defs.vision import VISION_ASSETS


@pytest.mark.slow
def test_vision_assets_materialize(small_sample, tmp_path, no_network):
    data = FashionData.for_folders(small_sample, tmp_path / "data")
    tracking = MLflowTracking(mlruns_dir=str(tmp_path / "mlruns"))
    run_config = {"ops": {
        "detector_dataset": {"config": {"max_train_images": 16, "max_val_images": 8}},
        "clothing_detector": {"config": {"epochs": 1, "imgsz": 64, "batch": 8}},
        "image_features": {"config": {"encoder": "colour-histogram"}},
    }}
    result = dg.materialize([reviews, products, *VISION_ASSETS], resources={"fashion_data": data, "mlflow_tracking": tracking},
                            run_config=run_config, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    paths = data.layout
    meta = {m.asset_key.path[-1]: m.metadata for m in result.get_asset_materialization_events()
            for m in [m.event_specific_data.materialization]}
    assert 0.0 <= meta["clothing_detector"]["mAP50"].value <= 1.0 and paths.detector_weights.is_file()
    assert meta["item_images"]["undecodable"].value == 0
    with h5py.File(paths.image_features) as f:
        assert f.attrs["encoder"] == "colour-histogram" and len(f["ids"]) == meta["item_images"]["images"].value
    table = pl.read_parquet(paths.similar_items)
    assert table.height == 10 * meta["similarity_index"]["items"].value
    mlflow.set_tracking_uri(tracking.tracking_uri)
    runs = mlflow.search_runs(experiment_names=[tracking.experiment], output_format="list")
    assert {"mAP50", "mAP50_95"} <= set(runs[0].data.metrics)
