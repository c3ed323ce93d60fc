"""Asset checks: keys present and unique where they must be, and the 5-core bound."""


import dagster as dg
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.defs.ingestion import interactions, products, reviews
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.recsys.interactions import core_violations


def _null_keys(df: pl.DataFrame, keys) -> dict[str, int]:
    return {k: df[k].null_count() for k in keys}


@dg.asset_check(asset=reviews, blocking=True)
def reviews_have_keys(fashion_data: FashionData) -> dg.AssetCheckResult:
    """No review without a reviewer, an item or a time."""
    keys = (C.USER_ID, C.ITEM_ID, C.TIMESTAMP)
    nulls = _null_keys(pl.read_parquet(fashion_data.layout.parsed("reviews"), columns=list(keys)), keys)
    return dg.AssetCheckResult(passed=sum(nulls.values()) == 0, metadata={"null_keys": nulls})


@dg.asset_check(asset=products, blocking=True)
def products_asin_unique(fashion_data: FashionData) -> dg.AssetCheckResult:
    """One metadata row per asin, none without an asin."""
    asin = pl.read_parquet(fashion_data.layout.parsed("products"), columns=[C.ITEM_ID])[C.ITEM_ID]
    dups = len(asin) - asin.n_unique()
    return dg.AssetCheckResult(passed=dups == 0 and asin.null_count() == 0,
                               metadata={"duplicate_asins": dups, "null_asins": asin.null_count()})


@dg.asset_check(asset=interactions, blocking=True)
def interactions_unique_pairs(fashion_data: FashionData) -> dg.AssetCheckResult:
    """One interaction per (user, item), no null keys."""
    df = pl.read_parquet(fashion_data.layout.parsed("interactions"), columns=[C.USER_IDX, C.ITEM_IDX])
    dups = len(df) - df.n_unique()
    nulls = _null_keys(df, (C.USER_IDX, C.ITEM_IDX))
    return dg.AssetCheckResult(passed=dups == 0 and sum(nulls.values()) == 0,
                               metadata={"duplicate_pairs": dups, "null_keys": nulls})


@dg.asset_check(asset=interactions)
def interactions_five_core(fashion_data: FashionData) -> dg.AssetCheckResult:
    """Every user and item has at least 5 interactions, as the 5-core files promise.

    Not blocking: after collapsing 2018 variant copies a real file can dip below the bound,
    and the models still train; the UI shows how far.
    """
    df = pl.read_parquet(fashion_data.layout.parsed("interactions"), columns=[C.USER_IDX, C.ITEM_IDX])
    violations = core_violations(df, k=5)
    return dg.AssetCheckResult(passed=sum(violations.values()) == 0, metadata=violations,
                               severity=dg.AssetCheckSeverity.WARN)


CHECKS = [reviews_have_keys, products_asin_unique, interactions_unique_pairs, interactions_five_core]
