"""Asset checks: keys present and unique where they must be, and the 5-core bound. Counted by
DuckDB on the Parquet files, so they cost no memory at the 2023 release's size."""


import dagster as dg

from fashion_pipeline import columns as C
from fashion_pipeline.defs.ingestion import interactions, products, reviews
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.sources import table_stats


@dg.asset_check(asset=reviews, blocking=True)
def reviews_have_keys(fashion_data: FashionData) -> dg.AssetCheckResult:
    """No review without a reviewer, an item or a time."""
    nulls = table_stats.null_counts(fashion_data.layout.parsed("reviews"), (C.USER_ID, C.ITEM_ID, C.TIMESTAMP))
    return dg.AssetCheckResult(passed=sum(nulls.values()) == 0, metadata={"null_keys": nulls})


@dg.asset_check(asset=products, blocking=True)
def products_asin_unique(fashion_data: FashionData) -> dg.AssetCheckResult:
    """One metadata row per asin, none without an asin."""
    path = fashion_data.layout.parsed("products")
    dups = table_stats.duplicate_rows(path, (C.ITEM_ID,))
    nulls = table_stats.null_counts(path, (C.ITEM_ID,))[C.ITEM_ID]
    return dg.AssetCheckResult(passed=dups == 0 and nulls == 0,
                               metadata={"duplicate_asins": dups, "null_asins": nulls})


@dg.asset_check(asset=interactions, blocking=True)
def interactions_unique_pairs(fashion_data: FashionData) -> dg.AssetCheckResult:
    """One interaction per (user, item), no null keys."""
    path = fashion_data.layout.parsed("interactions")
    dups = table_stats.duplicate_rows(path, (C.USER_IDX, C.ITEM_IDX))
    nulls = table_stats.null_counts(path, (C.USER_IDX, C.ITEM_IDX))
    return dg.AssetCheckResult(passed=dups == 0 and sum(nulls.values()) == 0,
                               metadata={"duplicate_pairs": dups, "null_keys": nulls})


@dg.asset_check(asset=interactions)
def interactions_five_core(fashion_data: FashionData) -> dg.AssetCheckResult:
    """Every user and item has at least 5 interactions, as the 5-core files promise.

    Not blocking: after collapsing 2018 variant copies a real file can dip below the bound,
    and the models still train; the UI shows how far.
    """
    violations = table_stats.core_violations(fashion_data.layout.parsed("interactions"), k=5)
    return dg.AssetCheckResult(passed=sum(violations.values()) == 0, metadata=violations,
                               severity=dg.AssetCheckSeverity.WARN)


CHECKS = [reviews_have_keys, products_asin_unique, interactions_unique_pairs, interactions_five_core]
