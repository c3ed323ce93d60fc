"""Implicit feedback from reviews: a review means the user bought and engaged with the item.

Users and items get dense integer indices from stable id maps (ids sorted), so the same data
always gives the same indices and a model's embedding row can be traced back to its asin.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.seasons import MONTH_SEASON
from fashion_pipeline.sources.atomic import atomic_path
from fashion_pipeline.sources.duckdb_settings import quiet_connection
from fashion_pipeline.sources.table_stats import core_violations  # noqa: F401  (counted where the tables live)


def build_id_map(ids: pl.Series, index_name: str) -> pl.DataFrame:
    """Sorted unique ids -> 0..n-1."""
    unique = ids.unique().sort()
    return pl.DataFrame({ids.name: unique, index_name: pl.arange(0, len(unique), eager=True).cast(pl.Int32)})


@dataclass(frozen=True)
class InteractionsConfig:
    # Keep only users and items with at least this many interactions, repeated until both hold
    # (a k-core). None keeps everything: the 2014/2018 5-core files are already 5-cores; the
    # 2023 release is 0-core and compares with published results at 5.
    min_interactions: int | None = None
    # DuckDB's working memory; beyond it, it spills to a temporary folder.
    memory_limit: str = "2GB"


def build_interactions(reviews: pl.DataFrame, config: InteractionsConfig = InteractionsConfig()) -> pl.DataFrame:
    """The interactions of reviews already in memory (see write_interactions)."""
    with tempfile.TemporaryDirectory(prefix="interactions-") as tmp:
        target = Path(tmp) / "interactions.parquet"
        write_interactions(reviews.select(_REVIEW_COLUMNS), target, config)
        return pl.read_parquet(target)


def write_interactions(reviews: pl.DataFrame | str | Path, target: str | Path,
                       config: InteractionsConfig = InteractionsConfig()) -> dict[str, int]:
    """One row per (user, item): the first review, with indices, time, season and rating.

    A user who reviewed an item twice interacted with it once; the earliest time is kept so
    that the interaction cannot appear later than it happened. Rows are ordered by
    (user, time, line number): the stable order the evaluation split relies on. Computed by
    DuckDB out of core from a reviews Parquet file (or a DataFrame), written atomically;
    returns the counts, including the k-core rounds and what they removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    u, i, t, line = C.USER_ID, C.ITEM_ID, C.TIMESTAMP, C.LINE_NUMBER
    with tempfile.TemporaryDirectory(prefix=".interactions-spill-", dir=target.parent) as spill, \
            quiet_connection() as conn, atomic_path(target) as tmp:
        conn.execute(f"SET memory_limit = '{config.memory_limit}'")
        conn.execute("SET temp_directory = ?", [spill])
        if isinstance(reviews, pl.DataFrame):
            conn.register("source_reviews", reviews.to_arrow())
            source = "source_reviews"
        else:
            source = f"read_parquet('{_sql_path(reviews)}')"
        conn.execute(f"""
            CREATE TEMP TABLE first_reviews AS
            SELECT {u}, {i}, {t}, {C.RATING}, {line} FROM {source}
            QUALIFY row_number() OVER (PARTITION BY {u}, {i} ORDER BY {t}, {line}) = 1""")
        pairs = conn.execute("SELECT count(*) FROM first_reviews").fetchone()[0]
        rounds = 0
        if config.min_interactions:
            k = int(config.min_interactions)
            while True:
                removed = conn.execute(f"""
                    DELETE FROM first_reviews
                    WHERE {u} IN (SELECT {u} FROM first_reviews GROUP BY {u} HAVING count(*) < {k})
                       OR {i} IN (SELECT {i} FROM first_reviews GROUP BY {i} HAVING count(*) < {k})""").fetchone()[0]
                if not removed:
                    break
                rounds += 1
        conn.execute(f"""
            COPY (
                WITH users AS (SELECT {u}, (row_number() OVER (ORDER BY {u}) - 1)::INTEGER AS {C.USER_IDX}
                               FROM (SELECT DISTINCT {u} FROM first_reviews)),
                     items AS (SELECT {i}, (row_number() OVER (ORDER BY {i}) - 1)::INTEGER AS {C.ITEM_IDX}
                               FROM (SELECT DISTINCT {i} FROM first_reviews))
                SELECT r.{u}, r.{i}, {C.USER_IDX}, {C.ITEM_IDX}, r.{t}, {_season_sql(f"r.{t}")} AS {C.SEASON},
                       r.{C.RATING}, r.{line}
                FROM first_reviews r JOIN users USING ({u}) JOIN items USING ({i})
                ORDER BY {C.USER_IDX}, r.{t}, r.{line}
            ) TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION zstd)""")
        kept, users, items = conn.execute(
            f"SELECT count(*), count(DISTINCT {u}), count(DISTINCT {i}) FROM first_reviews").fetchone()
    return {"user_item_pairs": pairs, "rows": kept, "users": users, "items": items,
            "k_core_rounds": rounds, "removed_by_k_core": pairs - kept}


_REVIEW_COLUMNS = [C.USER_ID, C.ITEM_ID, C.TIMESTAMP, C.RATING, C.LINE_NUMBER]


def _season_sql(seconds: str) -> str:
    """season_expr in SQL: the same labels, from the one MONTH_SEASON table."""
    ts = f"make_timestamp(({seconds})::BIGINT * 1000000)"
    names = " ".join(f"WHEN {m} THEN '{name}'" for m, name in MONTH_SEASON.items())
    return (f"(CASE WHEN month({ts}) <= 2 THEN year({ts}) - 1 ELSE year({ts}) END)::VARCHAR || '-' || "
            f"(CASE month({ts}) {names} END)")


def _sql_path(path: str | Path) -> str:
    return str(path).replace("'", "''")
