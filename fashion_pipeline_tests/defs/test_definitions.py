"""One graph: materializing every asset in a fresh instance (as "Materialize all" does), vision
included, gives image colours and the image cold-start slot without any CLI step."""

import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.definitions import ALL_ASSETS, build_definitions
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.sample.writers import DVBPR_FILE, METADATA_FILE
from fashion_pipeline.serving.cold_items import COLD_MODEL
from fashion_pipeline.sources.metadata import read_metadata
from fashion_pipeline.vision.item_images import PATH, images_from_dvbpr

N_COLD = 5


def test_every_asset_but_raw_and_seasonal_is_in_all_assets_job(small_sample, tmp_path):
    defs = build_definitions(FashionData.for_folders(small_sample, tmp_path / "data"), mlruns_dir=str(tmp_path / "m"))
    graph = defs.resolve_asset_graph()
    in_job = set(defs.resolve_job_def("all_assets_job").asset_layer.executable_asset_keys)
    computable = {k for k in graph.get_all_asset_keys()
                  if graph.get(k).is_materializable and graph.get(k).group_name not in ("raw", "seasonal")}
    assert in_job == computable == ALL_ASSETS.resolve(graph)
    assert {dg.AssetKey("image_features"), dg.AssetKey("item_attributes"), dg.AssetKey("clothing_detector")} <= in_job
    # image_features comes before the colours measured on its garment boxes
    assert dg.AssetKey("image_features") in graph.get(dg.AssetKey("item_attributes")).parent_keys


def _photo_folder(small_sample: Path, out: Path) -> list[str]:
    """Every catalogue photo as <asin>.jpg, plus N_COLD items nobody bought: copies of bought items'
    photos under new asins, so they look exactly like some users' purchases."""
    catalogue = read_metadata(small_sample / METADATA_FILE).rows[C.ITEM_ID].to_list()  # as `products` orders it
    decoded = images_from_dvbpr(small_sample / DVBPR_FILE, out.parent / "decoded", catalogue_asins=catalogue).decodable
    out.mkdir()
    for asin, path in zip(decoded[C.ITEM_ID], decoded[PATH]):
        shutil.copyfile(path, out / f"{asin}.jpg")
    cold = [f"COLD{i:05d}" for i in range(N_COLD)]
    for asin, path in zip(cold, decoded[PATH][:N_COLD]):
        shutil.copyfile(path, out / f"{asin}.jpg")
    return cold


@pytest.mark.slow
def test_materialize_all_gives_image_colours_and_cold_start(small_sample, tmp_path):
    cold = _photo_folder(small_sample, tmp_path / "photos")
    data = FashionData.for_folders(small_sample, tmp_path / "data")
    defs = build_definitions(data, mlruns_dir=str(tmp_path / "mlruns"))
    run_config = {"ops": {  # a quick detector: the real config trains for minutes
        "detector_dataset": {"config": {"max_train_images": 32, "max_val_images": 16}},
        "clothing_detector": {"config": {"epochs": 1, "imgsz": 64, "batch": 8}},
        "item_images": {"config": {"folder": str(tmp_path / "photos")}},
        "image_features": {"config": {"encoder": "colour-histogram"}},
    }}
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("all_assets_job").execute_in_process(instance=instance, run_config=run_config)
    assert result.success
    meta = {e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}
    assert {"image_features", "item_attributes", "user_recommendations", "recommendation_report"} <= set(meta)
    attrs = pl.read_parquet(data.layout.parsed("item_attributes"))
    assert meta["item_attributes"]["image_source"] == "item_images" and meta["item_attributes"]["detector_boxes_used"]
    assert attrs[C.IMAGE_COLOUR].is_not_null().mean() > 0.9
    recs = pl.read_parquet(data.layout.user_recommendations)
    cold_rows = recs.filter(pl.col(C.MODEL) == COLD_MODEL)
    assert meta["user_recommendations"]["cold items recommended"] == cold_rows.height > 0
    assert set(cold_rows[C.ITEM_ID]) <= set(cold) and set(cold_rows[C.RANK]) == {10}
