"""Writes to the DuckDB warehouse. Each is a replace in one transaction: a failure leaves the
previous tables in place, never half of them. DuckDB allows one writer at a time; the Dagster
assets that call these share the `warehouse` pool."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from fashion_pipeline import columns as C

# Table names as anyone querying the warehouse sees them.
REVIEWS, PRODUCTS, INTERACTIONS, REJECTS = "reviews", "products", "interactions", "rejects"
USER_RECOMMENDATIONS, SEASONAL_RECOMMENDATIONS = "user_recommendations", "seasonal_recommendations"
INTERACTION_DETAILS, USER_RECOMMENDATION_DETAILS = "interaction_details", "user_recommendation_details"
PARSED_TABLES = (REVIEWS, PRODUCTS, INTERACTIONS)

INTERACTION_DETAILS_VIEW = f"""
CREATE OR REPLACE VIEW {INTERACTION_DETAILS} AS
SELECT i.*, p.{C.TITLE}, p.{C.CATEGORY}, p.{C.COLOUR}, p.{C.PATTERN}, p.{C.OCCASION}, p.{C.BRAND}, p.{C.PRICE}
FROM {INTERACTIONS} i LEFT JOIN {PRODUCTS} p USING ({C.ITEM_ID})
"""
RECOMMENDATIONS_VIEW = f"""
CREATE OR REPLACE VIEW {USER_RECOMMENDATION_DETAILS} AS
SELECT r.*, p.{C.TITLE}, p.{C.CATEGORY}, p.{C.COLOUR}, p.{C.PATTERN}, p.{C.OCCASION}, p.{C.PRICE}
FROM {USER_RECOMMENDATIONS} r LEFT JOIN {PRODUCTS} p USING ({C.ITEM_ID})
"""


@contextlib.contextmanager
def transaction(conn) -> Iterator[None]:
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def load_parsed_tables(conn, parsed: dict[str, Path], rejects: list[Path]) -> dict[str, int]:
    """The parsed Parquet tables, every reader's rejects in one table, and the interaction_details
    view; returns each one's row count."""
    with transaction(conn):
        for name, path in parsed.items():
            conn.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(path)])
        conn.execute(f"CREATE OR REPLACE TABLE {REJECTS} AS SELECT * FROM read_parquet(?, union_by_name = true)",
                     [[str(p) for p in rejects]])
        conn.execute(INTERACTION_DETAILS_VIEW)
    return {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for name in (*parsed, REJECTS, INTERACTION_DETAILS)}


def replace_user_recommendations(conn, path: Path) -> None:
    with transaction(conn):
        conn.execute(f"CREATE OR REPLACE TABLE {USER_RECOMMENDATIONS} AS SELECT * FROM read_parquet(?)", [str(path)])
        conn.execute(RECOMMENDATIONS_VIEW)


def replace_season(conn, path: Path, season: str) -> None:
    """One season's rows of seasonal_recommendations; the other seasons stay."""
    table = SEASONAL_RECOMMENDATIONS
    with transaction(conn):
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM read_parquet(?) LIMIT 0", [str(path)])
        for column, kind in ((C.RERANKED, "BOOLEAN"), (C.RERANK_REASON, "VARCHAR")):  # tables from before re-ranking
            conn.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
        conn.execute(f"DELETE FROM {table} WHERE {C.SEASON} = ?", [season])
        conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [str(path)])
