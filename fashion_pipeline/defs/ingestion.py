"""Raw files -> Parquet: reviews, products, interactions. Each asset reads, calls the library,
writes atomically and reports counts."""

import dagster as dg
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.defs.metadata import read_result_metadata, table_preview
from fashion_pipeline.defs.raw import raw_metadata, raw_reviews
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.recsys.interactions import build_interactions, core_violations
from fashion_pipeline.sources.atomic import write_parquet
from fashion_pipeline.sources.metadata import read_metadata
from fashion_pipeline.sources.reviews import read_reviews

GROUP = "ingestion"


@dg.asset(deps=[raw_reviews], group_name=GROUP, kinds={"polars", "parquet"})
def reviews(context: dg.AssetExecutionContext, fashion_data: FashionData) -> dg.MaterializeResult:
    """Every review, parsed and validated (2014 or 2018 format); bad lines kept as rejects."""
    source = fashion_data.require(fashion_data.reviews_path, "reviews file", "FASHION_REVIEWS")
    result = read_reviews(source)
    context.log.info(f"{source}: {result.stats}")
    path = write_parquet(result.rows, fashion_data.layout.parsed("reviews"))
    rejects = write_parquet(result.rejects, fashion_data.layout.rejects("reviews"))
    return dg.MaterializeResult(metadata={"source": str(source), **read_result_metadata(result, path, rejects)})


@dg.asset(deps=[raw_metadata, reviews], group_name=GROUP, kinds={"polars", "parquet"})
def products(context: dg.AssetExecutionContext, fashion_data: FashionData) -> dg.MaterializeResult:
    """Metadata of every reviewed product: title, brand, price, categories, colour, pattern, occasion."""
    source = fashion_data.require(fashion_data.metadata_path, "metadata file", "FASHION_METADATA")
    reviewed = pl.read_parquet(fashion_data.layout.parsed("reviews"), columns=[C.ITEM_ID])[C.ITEM_ID].unique()
    result = read_metadata(source, keep_asins=reviewed.to_list())
    context.log.info(f"{source}: {result.stats}")
    path = write_parquet(result.rows, fashion_data.layout.parsed("products"))
    rejects = write_parquet(result.rejects, fashion_data.layout.rejects("products"))
    coverage = {
        col: round(1 - result.rows[col].null_count() / max(len(result.rows), 1), 3)
        for col in (C.TITLE, C.BRAND, C.PRICE, C.CATEGORY, C.COLOUR, C.PATTERN, C.OCCASION)
    }
    return dg.MaterializeResult(metadata={
        "source": str(source),
        "reviewed_items_without_metadata": int((~reviewed.is_in(result.rows[C.ITEM_ID].implode())).sum()),
        "field_coverage": dg.MetadataValue.json(coverage),
        **read_result_metadata(result, path, rejects),
    })


@dg.asset(deps=[reviews], group_name=GROUP, kinds={"polars", "parquet"})
def interactions(fashion_data: FashionData) -> dg.MaterializeResult:
    """Implicit feedback: one row per (user, item) with stable indices, time and season."""
    table = build_interactions(pl.read_parquet(fashion_data.layout.parsed("reviews")))
    path = write_parquet(table, fashion_data.layout.parsed("interactions"))
    n_users, n_items = table[C.USER_IDX].n_unique(), table[C.ITEM_IDX].n_unique()
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table),
        "path": dg.MetadataValue.path(str(path)),
        "users": n_users,
        "items": n_items,
        "density": round(len(table) / max(n_users * n_items, 1), 6),
        "seasons": table[C.SEASON].n_unique(),
        **core_violations(table),
        "preview": table_preview(table),
    })
