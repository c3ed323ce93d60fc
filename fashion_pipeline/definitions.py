"""The Definitions object that `dagster dev` loads (see workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from fashion_pipeline.defs.checks import CHECKS
from fashion_pipeline.defs.ingestion import interactions, products, reviews
from fashion_pipeline.defs.raw import RAW_SPECS
from fashion_pipeline.defs.resources import FashionData, build_resources
from fashion_pipeline.defs.warehouse import warehouse

ASSETS = [*RAW_SPECS, reviews, products, interactions, warehouse]

# Everything computable, with its checks: what `fashion-pipeline demo` runs.
all_assets_job = dg.define_asset_job("all_assets_job", selection=dg.AssetSelection.all() - dg.AssetSelection.groups("raw"))


def build_definitions(data: FashionData | None = None) -> dg.Definitions:
    return dg.Definitions(assets=ASSETS, asset_checks=CHECKS, jobs=[all_assets_job], resources=build_resources(data))


defs = build_definitions()
