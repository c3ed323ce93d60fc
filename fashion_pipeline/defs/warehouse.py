"""data/warehouse.duckdb: the parsed tables and views anyone can query."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from fashion_pipeline.defs.ingestion import interactions, products, reviews
from fashion_pipeline.defs.resources import FashionData

TABLES = ("reviews", "products", "interactions")
# DuckDB allows one writer: every asset that writes the warehouse runs in this pool, which a
# deployment limits to one slot (`dagster instance concurrency set warehouse 1`).
WAREHOUSE_POOL = "warehouse"
INTERACTION_DETAILS_VIEW = """
CREATE OR REPLACE VIEW interaction_details AS
SELECT i.*, p.title, p.category, p.colour, p.pattern, p.occasion, p.brand, p.price
FROM interactions i LEFT JOIN products p USING (asin)
"""


@dg.asset(deps=[reviews, products, interactions], group_name="warehouse", kinds={"duckdb"}, pool=WAREHOUSE_POOL)
def warehouse(fashion_data: FashionData, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """DuckDB tables reviews, products, interactions, rejects and the view interaction_details."""
    counts = {}
    with warehouse.get_connection() as conn:
        # One transaction: a failure leaves the previous tables in place, never half of them.
        conn.execute("BEGIN TRANSACTION")
        for name in TABLES:
            conn.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet(?)",
                         [str(fashion_data.parsed(name))])
        rejects = [str(fashion_data.rejects(n)) for n in ("reviews", "products") if fashion_data.rejects(n).exists()]
        conn.execute("CREATE OR REPLACE TABLE rejects AS SELECT * FROM read_parquet(?, union_by_name = true)", [rejects])
        conn.execute(INTERACTION_DETAILS_VIEW)
        conn.execute("COMMIT")
        for name in (*TABLES, "rejects", "interaction_details"):
            counts[name] = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(fashion_data.warehouse_path)),
        "row_counts": dg.MetadataValue.json(counts),
        "query": dg.MetadataValue.md(
            f"```\nduckdb {fashion_data.warehouse_path} \"SELECT title, count(*) FROM interaction_details "
            "GROUP BY ALL ORDER BY 2 DESC LIMIT 10\"\n```"
        ),
    })
