"""Per-user top-K recommendations from the champion, in Parquet and in the DuckDB warehouse."""

import json
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
from dagster_duckdb import DuckDBResource

from fashion_pipeline import columns as C
from fashion_pipeline.defs.champion import champion_model, champion_path
from fashion_pipeline.defs.cold_items import COLD_MODEL, with_cold_items
from fashion_pipeline.defs.models import FOLLOW_UPSTREAM, GROUP, id_map_paths, model_dir, split_path
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.sense import item_attributes, ranked_lists
from fashion_pipeline.defs.warehouse import WAREHOUSE_POOL, warehouse
from fashion_pipeline.recsys.persistence import load_fitted, load_split
from fashion_pipeline.sources.atomic import write_parquet

RECOMMENDATIONS_VIEW = """
CREATE OR REPLACE VIEW user_recommendation_details AS
SELECT r.*, p.title, p.category, p.colour, p.pattern, p.occasion, p.price
FROM user_recommendations r LEFT JOIN products p USING (asin)
"""


class RecommendationConfig(dg.Config):
    k: int = 10  # recommendations per user
    rerank: bool = True  # fashion-sense re-ranking of the champion's top 100 (recsys.rerank)


def recommendation_table(fashion_data: FashionData, k: int, rerank: bool = True) -> pl.DataFrame:
    champion = json.loads(champion_path(fashion_data).read_text())
    split = load_split(split_path(fashion_data))
    fitted = load_fitted(champion["name"], "serve", model_dir(fashion_data, champion["name"]), split.n_users, split.n_items)
    users = np.arange(split.n_users)
    maps = id_map_paths(fashion_data)
    user_ids = pl.read_parquet(maps["users"]).sort(C.USER_IDX)[C.USER_ID].to_numpy()
    item_ids = pl.read_parquet(maps["items"]).sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy()
    lists = ranked_lists(fashion_data, fitted.scorer, users, split.fit_data("serve"), split.n_users, item_ids, k, rerank)
    items, scores = lists.items, lists.scores
    keep = items.ravel() >= 0  # a user who has seen nearly everything gets fewer than k
    return pl.DataFrame({
        C.USER_ID: np.repeat(user_ids, items.shape[1]),
        C.RANK: np.tile(np.arange(1, items.shape[1] + 1), len(users)).astype(np.int32),
        C.ITEM_ID: item_ids[np.maximum(items.ravel(), 0)],
        C.SCORE: scores.ravel(),
        C.MODEL: champion["name"],
        C.CREATED_AT: datetime.now(timezone.utc).replace(microsecond=0),
        C.RERANKED: lists.reranked,
        C.RERANK_REASON: lists.reasons,
    }).filter(pl.Series(keep))


@dg.asset(deps=[champion_model, warehouse, item_attributes], group_name=GROUP, kinds={"parquet", "duckdb"},
          automation_condition=FOLLOW_UPSTREAM, pool=WAREHOUSE_POOL)
def user_recommendations(config: RecommendationConfig, fashion_data: FashionData,
                         warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Top-K unseen items for every user, from the champion trained on every interaction,
    re-ranked for fashion sense (columns `reranked` and `reason` say how and why); the K-th slot
    may go to a cold item that looks like the user's purchases (defs.cold_items)."""
    table = with_cold_items(recommendation_table(fashion_data, config.k, config.rerank), fashion_data)
    path = write_parquet(table, Path(fashion_data.data_dir) / "recommendations" / "user_recommendations.parquet")
    with warehouse.get_connection() as conn:
        conn.execute("BEGIN TRANSACTION")
        conn.execute("CREATE OR REPLACE TABLE user_recommendations AS SELECT * FROM read_parquet(?)", [str(path)])
        conn.execute(RECOMMENDATIONS_VIEW)
        conn.execute("COMMIT")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table), "users": table[C.USER_ID].n_unique(),
        "model": table["model"][0], "distinct items recommended": table[C.ITEM_ID].n_unique(),
        "reranked": config.rerank,
        "cold items recommended": int((table[C.MODEL] == COLD_MODEL).sum()),
        "path": dg.MetadataValue.path(str(path)),
    })
