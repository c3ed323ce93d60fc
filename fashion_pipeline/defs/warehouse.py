"""data/warehouse.duckdb: the parsed tables and views anyone can query."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from fashion_pipeline.defs.ingestion import interactions, products, reviews
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.serving.warehouse import INTERACTION_DETAILS, PARSED_TABLES, load_parsed_tables

# DuckDB allows one writer: every asset that writes the warehouse runs in this pool, which a
# deployment limits to one slot (`dagster instance concurrency set warehouse 1`).
WAREHOUSE_POOL = "warehouse"


@dg.asset(deps=[reviews, products, interactions], group_name="warehouse", kinds={"duckdb"}, pool=WAREHOUSE_POOL)
def warehouse(fashion_data: FashionData, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """DuckDB tables reviews, products, interactions, rejects and the view interaction_details."""
    layout = fashion_data.layout
    rejects = [layout.rejects(n) for n in ("reviews", "products") if layout.rejects(n).exists()]
    with warehouse.get_connection() as conn:
        counts = load_parsed_tables(conn, {name: layout.parsed(name) for name in PARSED_TABLES}, rejects)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(layout.warehouse)),
        "row_counts": dg.MetadataValue.json(counts),
        "query": dg.MetadataValue.md(
            f"```\nduckdb {layout.warehouse} \"SELECT title, count(*) FROM {INTERACTION_DETAILS} "
            "GROUP BY ALL ORDER BY 2 DESC LIMIT 10\"\n```"
        ),
    })
