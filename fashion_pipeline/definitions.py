"""The Definitions object that `dagster dev` loads (see workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from fashion_pipeline.defs.automation import ingestion_job, raw_reviews_sensor, season_start_schedule, seasonal_job
from fashion_pipeline.defs.champion import champion_beats_popularity, champion_model
from fashion_pipeline.defs.checks import CHECKS
from fashion_pipeline.defs.ingestion import interactions, products, reviews
from fashion_pipeline.defs.raw import RAW_SPECS
from fashion_pipeline.defs.resources import FashionData, build_resources
from fashion_pipeline.defs.models import MODEL_ASSETS, interaction_splits
from fashion_pipeline.defs.recommendations import user_recommendations
from fashion_pipeline.defs.seasonal import SEASONAL_ASSETS, SEASONAL_CHECKS
from fashion_pipeline.defs.sense import SENSE_ASSETS
from fashion_pipeline.defs.vision import VISION_ASSETS, vision_job
from fashion_pipeline.defs.warehouse import warehouse

ASSETS = [*RAW_SPECS, reviews, products, interactions, warehouse, interaction_splits, *MODEL_ASSETS,
          champion_model, user_recommendations, *SEASONAL_ASSETS, *VISION_ASSETS, *SENSE_ASSETS]

# Everything computable and unpartitioned, with its checks, except the vision path: that trains
# a detector for minutes, so it has its own vision_job (the demo runs both, vision with a quick
# detector config).
all_assets_job = dg.define_asset_job(
    "all_assets_job", selection=dg.AssetSelection.all() - dg.AssetSelection.groups("raw", "seasonal", "vision"))


def build_definitions(data: FashionData | None = None, mlruns_dir: str | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=ASSETS, asset_checks=[*CHECKS, champion_beats_popularity, *SEASONAL_CHECKS],
        jobs=[all_assets_job, seasonal_job, ingestion_job, vision_job], schedules=[season_start_schedule],
        sensors=[raw_reviews_sensor], resources=build_resources(data, mlruns_dir))


defs = build_definitions()
