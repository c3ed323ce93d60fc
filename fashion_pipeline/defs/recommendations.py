"""Per-user top-K recommendations from the champion, in Parquet and in the DuckDB warehouse."""

import dagster as dg
import numpy as np
from dagster_duckdb import DuckDBResource

from fashion_pipeline import columns as C
from fashion_pipeline.defs.attributes import item_attributes
from fashion_pipeline.defs.champion import champion_model
from fashion_pipeline.defs.models import FOLLOW_UPSTREAM, GROUP
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.warehouse import WAREHOUSE_POOL, warehouse
from fashion_pipeline.serving.champion import load_serving_model
from fashion_pipeline.serving.cold_items import COLD_MODEL, with_cold_items
from fashion_pipeline.serving.lists import ranked_lists, recommendation_table
from fashion_pipeline.serving.warehouse import replace_user_recommendations
from fashion_pipeline.sources.atomic import write_parquet


class RecommendationConfig(dg.Config):
    k: int = 10  # recommendations per user
    rerank: bool = True  # fashion-sense re-ranking of the champion's top 100 (recsys.rerank)


@dg.asset(deps=[champion_model, warehouse, item_attributes], group_name=GROUP, kinds={"parquet", "duckdb"},
          automation_condition=FOLLOW_UPSTREAM, pool=WAREHOUSE_POOL)
def user_recommendations(config: RecommendationConfig, fashion_data: FashionData,
                         warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Top-K unseen items for every user, from the champion trained on every interaction,
    re-ranked for fashion sense (columns `reranked` and `reason` say how and why); the K-th slot
    may go to a cold item that looks like the user's purchases (serving.cold_items)."""
    layout = fashion_data.layout
    serving = load_serving_model(layout)
    split, ids = serving.split, serving.ids
    lists = ranked_lists(layout, serving.scorer, np.arange(split.n_users), split.fit_data("serve"), split.n_users,
                         ids.item_ids, config.k, config.rerank)
    table = with_cold_items(recommendation_table(lists, ids.user_ids, ids.item_ids, serving.name), layout)
    path = write_parquet(table, layout.user_recommendations)
    with warehouse.get_connection() as conn:
        replace_user_recommendations(conn, path)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table), "users": table[C.USER_ID].n_unique(),
        "model": table[C.MODEL][0], "distinct items recommended": table[C.ITEM_ID].n_unique(),
        "reranked": config.rerank,
        "cold items recommended": int((table[C.MODEL] == COLD_MODEL).sum()),
        "path": dg.MetadataValue.path(str(path)),
    })
