"""Warehouse writes are all-or-nothing, and a season's rows replace only that season."""

import duckdb
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.serving.warehouse import (
    SEASONAL_RECOMMENDATIONS, load_parsed_tables, replace_season, replace_user_recommendations,
)


def _parquet(path, **columns):
    pl.DataFrame(columns).write_parquet(path)
    return path


def test_parsed_tables_load_with_counts_and_a_failure_keeps_the_old_tables(tmp_path):
    parsed = {
        "reviews": _parquet(tmp_path / "r.parquet", **{C.USER_ID: ["U0", "U1"], C.ITEM_ID: ["A", "B"]}),
        "products": _parquet(tmp_path / "p.parquet", **{C.ITEM_ID: ["A", "B"], **{
            c: ["x", "y"] for c in (C.TITLE, C.CATEGORY, C.COLOUR, C.PATTERN, C.OCCASION, C.BRAND)}, C.PRICE: [1.0, 2.0]}),
        "interactions": _parquet(tmp_path / "i.parquet", **{C.USER_ID: ["U0", "U1"], C.ITEM_ID: ["A", "B"]}),
    }
    rejects = [_parquet(tmp_path / "x.parquet", **{C.REASON: ["bad json"]})]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        counts = load_parsed_tables(conn, parsed, rejects)
        assert counts == {"reviews": 2, "products": 2, "interactions": 2, "rejects": 1, "interaction_details": 2}
        broken = {**parsed, "products": tmp_path / "missing.parquet"}
        with pytest.raises(duckdb.Error):
            load_parsed_tables(conn, broken, rejects)
        assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == 2


def test_user_recommendations_replace_with_their_details_view(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        conn.execute("CREATE TABLE products AS SELECT 'A' AS asin, 'Red Dress' AS title, 'dresses' AS category, "
                     "'red' AS colour, 'solid' AS pattern, 'party' AS occasion, 9.5 AS price")
        for user in ("U0", "U1"):
            path = _parquet(tmp_path / f"{user}.parquet", **{C.USER_ID: [user], C.RANK: [1], C.ITEM_ID: ["A"]})
            replace_user_recommendations(conn, path)
        assert conn.execute("SELECT reviewer_id, title FROM user_recommendation_details").fetchall() == [("U1", "Red Dress")]


def test_a_season_replaces_only_its_own_rows(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        for season, users in (("2013-winter", ["U0", "U1"]), ("2014-spring", ["U2"]), ("2013-winter", ["U3"])):
            path = _parquet(tmp_path / f"{season}.parquet", **{C.SEASON: [season] * len(users), C.USER_ID: users,
                                                                C.RERANKED: [True] * len(users),
                                                                C.RERANK_REASON: ["r"] * len(users)})
            replace_season(conn, path, season)
        rows = conn.execute(f"SELECT season, reviewer_id FROM {SEASONAL_RECOMMENDATIONS} ORDER BY 1, 2").fetchall()
    assert rows == [("2013-winter", "U3"), ("2014-spring", "U2")]
