"""Raw files -> Parquet: reviews, products, interactions. Each asset streams its input through
the library (bounded memory, progress in the run's log), writes atomically and reports counts
computed on the written files."""

import dagster as dg
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.defs.metadata import ingested_metadata, table_preview
from fashion_pipeline.defs.raw import raw_metadata, raw_reviews
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.recsys.interactions import InteractionsConfig, write_interactions
from fashion_pipeline.sources import table_stats
from fashion_pipeline.sources.metadata import ingest_metadata
from fashion_pipeline.sources.reviews import ingest_reviews

GROUP = "ingestion"


@dg.asset(deps=[raw_reviews], group_name=GROUP, kinds={"polars", "duckdb", "parquet"})
def reviews(context: dg.AssetExecutionContext, fashion_data: FashionData) -> dg.MaterializeResult:
    """Every review, parsed and validated (2014, 2018 or 2023 format, or a 2023 benchmark CSV);
    bad lines kept as rejects."""
    source = fashion_data.require(fashion_data.reviews_path, "reviews file", "FASHION_REVIEWS")
    layout = fashion_data.layout
    stats = ingest_reviews(source, layout.parsed("reviews"), layout.rejects("reviews"), progress=context.log.info)
    return dg.MaterializeResult(metadata={
        "source": str(source), **ingested_metadata(stats, layout.parsed("reviews"), layout.rejects("reviews"))})


@dg.asset(deps=[raw_metadata, reviews], group_name=GROUP, kinds={"polars", "parquet"})
def products(context: dg.AssetExecutionContext, fashion_data: FashionData) -> dg.MaterializeResult:
    """Metadata of every reviewed product: title, brand, price, categories, colour, pattern, occasion."""
    source = fashion_data.require(fashion_data.metadata_path, "metadata file", "FASHION_METADATA")
    layout = fashion_data.layout
    reviewed = pl.scan_parquet(layout.parsed("reviews")).select(C.ITEM_ID).unique().collect()[C.ITEM_ID]
    path, rejects = layout.parsed("products"), layout.rejects("products")
    stats = ingest_metadata(source, path, rejects, keep_asins=reviewed.to_list(), progress=context.log.info)
    described = pl.scan_parquet(path).select(C.ITEM_ID).collect()[C.ITEM_ID]
    return dg.MaterializeResult(metadata={
        "source": str(source),
        "reviewed_items_without_metadata": int((~reviewed.is_in(described.implode())).sum()),
        "field_coverage": dg.MetadataValue.json(table_stats.coverage(
            path, (C.TITLE, C.BRAND, C.PRICE, C.CATEGORY, C.COLOUR, C.PATTERN, C.OCCASION))),
        **ingested_metadata(stats, path, rejects),
    })


class InteractionsSettings(dg.Config):
    """Set in the launchpad (or run config) to filter a 0-core file such as the 2023 release."""

    min_interactions: int | None = InteractionsConfig.min_interactions  # k of a k-core; None: no filter
    memory_limit: str = InteractionsConfig.memory_limit  # DuckDB's working memory before it spills


@dg.asset(deps=[reviews], group_name=GROUP, kinds={"duckdb", "parquet"})
def interactions(context: dg.AssetExecutionContext, fashion_data: FashionData,
                 config: InteractionsSettings) -> dg.MaterializeResult:
    """Implicit feedback: one row per (user, item) with stable indices, time and season."""
    path = fashion_data.layout.parsed("interactions")
    stats = write_interactions(fashion_data.layout.parsed("reviews"), path,
                               InteractionsConfig(config.min_interactions, config.memory_limit))
    context.log.info(f"interactions: {stats}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": stats["rows"],
        "path": dg.MetadataValue.path(str(path)),
        "users": stats["users"],
        "items": stats["items"],
        "density": round(stats["rows"] / max(stats["users"] * stats["items"], 1), 6),
        "seasons": table_stats.distinct_count(path, C.SEASON),
        "k_core": dg.MetadataValue.json({k: stats[k] for k in ("k_core_rounds", "removed_by_k_core")}),
        **table_stats.core_violations(path),
        "preview": table_preview(table_stats.head(path)),
    })
