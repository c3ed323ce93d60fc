"""The read-only queries on a hand-made warehouse."""

import duckdb
import pytest

from fashion_pipeline.serving import queries


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE interactions AS SELECT * FROM (VALUES ('U0', 'A', 1, 1), ('U0', 'B', 2, 2), "
                     "('U1', 'A', 1, 3)) t(reviewer_id, asin, unix_review_time, line_number)")
        conn.execute("CREATE TABLE products AS SELECT * FROM (VALUES ('A', 'Red Dress', 'dresses', 'red', 'party'), "
                     "('B', 'Blue Jeans', 'bottoms', 'blue', 'casual')) t(asin, title, category, colour, occasion)")
        conn.execute("CREATE VIEW interaction_details AS SELECT * FROM interactions LEFT JOIN products USING (asin)")
        conn.execute("CREATE TABLE user_recommendations AS SELECT 'U1' AS reviewer_id, 1 AS rank, 'B' AS asin, "
                     "0.5 AS score, 'als' AS model, true AS reranked, 'new colour' AS reason")
        conn.execute("CREATE VIEW user_recommendation_details AS SELECT * FROM user_recommendations "
                     "LEFT JOIN products USING (asin)")
    return path


def test_questions_the_cli_asks(warehouse):
    assert queries.busiest_user(warehouse) == "U0"
    assert queries.recent_purchases(warehouse, "U0", 1) == [("B", "Blue Jeans", "blue")]
    assert queries.popular_items(warehouse, 1) == [("A", "Red Dress", 2)]
    assert queries.top_category_colours(warehouse, 1) == [("dresses", "red", 2)]
    (rec,) = queries.stored_recommendations(warehouse, "U1", 10)
    assert (rec.asin, rec.model, rec.reranked, rec.reason, rec.colour) == ("B", "als", True, "new colour", "blue")
    assert queries.stored_recommendations(warehouse, "nobody", 10) == []


def test_a_missing_warehouse_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make demo"):
        queries.busiest_user(tmp_path / "none.duckdb")
