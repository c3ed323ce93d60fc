from datetime import date, datetime, timezone

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.interactions import build_interactions, core_violations
from fashion_pipeline.recsys.seasonal import season_keys
from fashion_pipeline.recsys.seasons import next_season, season_expr, season_of, season_start


def _ts(y, m, d):
    return int(datetime(y, m, d, tzinfo=timezone.utc).timestamp())


def test_season_labels_put_january_in_the_previous_winter():
    days = [(2013, 12, 1), (2014, 1, 15), (2014, 2, 28), (2014, 3, 1), (2014, 6, 1), (2014, 8, 31),
            (2014, 9, 1), (2014, 11, 30), (2014, 12, 31)]
    expected = ["2013-winter", "2013-winter", "2013-winter", "2014-spring", "2014-summer", "2014-summer",
                "2014-autumn", "2014-autumn", "2014-winter"]
    ts = pl.DataFrame({"t": [_ts(*d) for d in days]})
    assert ts.select(season_expr(pl.col("t")))["t"].to_list() == expected
    assert [season_of(date(*d)) for d in days] == expected
    assert season_start("2013-winter") == date(2013, 12, 1)
    assert season_start("2014-summer") == date(2014, 6, 1)


def _reviews(rows):
    return pl.DataFrame(rows, schema=[C.USER_ID, C.ITEM_ID, C.TIMESTAMP, C.RATING, C.LINE_NUMBER], orient="row")


def test_interactions_keep_the_first_review_with_stable_indices():
    reviews = _reviews([
        ("U2", "B9", _ts(2013, 5, 1), 5.0, 1),
        ("U1", "B9", _ts(2013, 5, 1), 4.0, 2),
        ("U1", "B1", _ts(2012, 1, 1), 3.0, 3),
        ("U1", "B9", _ts(2011, 1, 1), 2.0, 4),  # the same pair earlier: that time is kept
    ])
    inter = build_interactions(reviews)
    assert inter.select(C.USER_ID, C.ITEM_ID, C.USER_IDX, C.ITEM_IDX, C.RATING).rows() == [
        ("U1", "B9", 0, 1, 2.0), ("U1", "B1", 0, 0, 3.0), ("U2", "B9", 1, 1, 5.0)]
    assert inter[C.SEASON].to_list() == ["2010-winter", "2011-winter", "2013-spring"]
    # the id maps do not depend on row order
    shuffled = build_interactions(reviews.reverse())
    assert shuffled.select(C.USER_ID, C.ITEM_ID, C.USER_IDX, C.ITEM_IDX).sort(C.USER_IDX, C.ITEM_IDX).equals(
        inter.select(C.USER_ID, C.ITEM_ID, C.USER_IDX, C.ITEM_IDX).sort(C.USER_IDX, C.ITEM_IDX))


def test_core_violations_counts_users_and_items_below_k():
    inter = pl.DataFrame({C.USER_IDX: [0, 0, 0, 1], C.ITEM_IDX: [0, 1, 2, 0]})
    assert core_violations(inter, k=3) == {"users_below_k": 1, "items_below_k": 3}
    assert core_violations(inter, k=1) == {"users_below_k": 0, "items_below_k": 0}


def test_season_keys_run_in_calendar_order():
    keys = season_keys(date(2013, 1, 5), date(2014, 7, 1))
    assert keys == ["2012-winter", "2013-spring", "2013-summer", "2013-autumn", "2013-winter",
                    "2014-spring", "2014-summer"]
    assert [season_start(k) for k in keys] == sorted(season_start(k) for k in keys)
    assert next_season("2013-autumn") == "2013-winter" and next_season("2013-winter") == "2014-spring"
