"""The Definitions object that `dagster dev` loads (see workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from fashion_pipeline.defs.automation import ingestion_job, raw_reviews_sensor, season_start_schedule, seasonal_job
from fashion_pipeline.defs.champion import champion_beats_popularity, champion_model
from fashion_pipeline.defs.checks import CHECKS
from fashion_pipeline.defs.attributes import item_attributes
from fashion_pipeline.defs.ingestion import interactions, products, reviews
from fashion_pipeline.defs.models import MODEL_ASSETS, interaction_splits
from fashion_pipeline.defs.raw import RAW_SPECS
from fashion_pipeline.defs.recommendations import user_recommendations
from fashion_pipeline.defs.reports import recommendation_report
from fashion_pipeline.defs.resources import FashionData, build_resources
from fashion_pipeline.defs.seasonal import SEASONAL_ASSETS, SEASONAL_CHECKS
from fashion_pipeline.defs.vision import VISION_ASSETS
from fashion_pipeline.defs.warehouse import warehouse

ASSETS = [*RAW_SPECS, reviews, products, interactions, warehouse, interaction_splits, *MODEL_ASSETS,
          champion_model, user_recommendations, *SEASONAL_ASSETS, *VISION_ASSETS, item_attributes,
          recommendation_report]

# One graph: every computable, unpartitioned asset with its checks, vision included, so
# "Materialize all" in the UI and `fashion-pipeline demo` make the same thing in the same order
# (image features before the colours and the cold-start slot that use them).
ALL_ASSETS = dg.AssetSelection.all() - dg.AssetSelection.groups("raw", "seasonal")
all_assets_job = dg.define_asset_job("all_assets_job", selection=ALL_ASSETS)
# The same graph without the vision path (detector training takes minutes on a CPU); the
# image-aware assets then take colours from the photos or the text alone.
WITHOUT_VISION = ALL_ASSETS - dg.AssetSelection.groups("vision")


def without_vision(defs: dg.Definitions) -> list[dg.AssetKey]:
    """The asset keys of WITHOUT_VISION, for `execute_in_process(asset_selection=...)`."""
    return sorted(WITHOUT_VISION.resolve(defs.resolve_asset_graph()))


def build_definitions(data: FashionData | None = None, mlruns_dir: str | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=ASSETS, asset_checks=[*CHECKS, champion_beats_popularity, *SEASONAL_CHECKS],
        jobs=[all_assets_job, seasonal_job, ingestion_job], schedules=[season_start_schedule],
        sensors=[raw_reviews_sensor], resources=build_resources(data, mlruns_dir))


defs = build_definitions()
