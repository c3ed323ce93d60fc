"""The 2023 release (McAuley Lab): reviews, metadata and the published benchmark CSVs, on
hand-written lines of every field variant documented in shared/docs/formats.md, section 2e."""

from __future__ import annotations

import gzip
import json

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.interactions import InteractionsConfig, write_interactions
from fashion_pipeline.sources.metadata import read_metadata
from fashion_pipeline.sources.reviews import read_reviews

MS = 1588687728923  # a real 2023 timestamp: milliseconds


def _review(**changes) -> dict:
    return {"rating": 5.0, "title": "Love it", "text": "Fits well", "images": [], "asin": "B0VAR00001",
            "parent_asin": "B0PARENT01", "user_id": "AGKHLEW2SOWHNMFQIJGBECAF7INQ", "timestamp": MS,
            "helpful_vote": 2, "verified_purchase": True, **changes}


def _jsonl(path, records):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)
    return path


def test_2023_reviews_map_parent_asin_to_the_item_and_milliseconds_to_seconds(tmp_path):
    images = [{"small_image_url": "https://m.media-amazon.com/images/I/a.jpg", "attachment_type": "IMAGE"}]
    path = _jsonl(tmp_path / "Clothing_Shoes_and_Jewelry.jsonl.gz", [
        _review(),
        _review(user_id="U2", images=images, helpful_vote=0, verified_purchase=False, timestamp=MS + 1),
        _review(user_id="U3", title=None, text=None),  # no text: kept
        {k: v for k, v in _review(user_id="U4").items() if k not in ("helpful_vote", "verified_purchase")},
        _review(user_id="U5", parent_asin=""),  # line 5
        _review(user_id="U6", rating=7.0),  # line 6
        _review(user_id="U7", timestamp=MS // 1000 // 10**6),  # line 7: not milliseconds since 1995
        _review(user_id="", text="x"),  # line 8
        _review(asin="B0VAR00002", timestamp=MS + 86_400_000),  # the next day: another review, kept
        _review(asin="B0VAR00003"),  # line 10: line 1 copied onto another variant: collapsed
    ])
    result = read_reviews(path)
    assert dict(zip(result.rejects[C.LINE_NUMBER], result.rejects[C.REASON])) == {
        5: "missing parent_asin", 6: "rating outside 1..5", 7: "timestamp out of range", 8: "missing user_id"}
    rows = result.rows
    assert rows[C.LINE_NUMBER].to_list() == [1, 2, 3, 4, 9]
    assert result.stats["collapsed_variant_copies"] == 1
    first = rows.row(0, named=True)
    assert first[C.ITEM_ID] == "B0PARENT01" and first[C.VARIANT_ASIN] == "B0VAR00001"
    assert first[C.TIMESTAMP] == MS // 1000 and str(first[C.REVIEW_DATE]) == "2020-05-05"
    assert first[C.SUMMARY] == "Love it" and first[C.REVIEW_TEXT] == "Fits well"
    assert first[C.HELPFUL_VOTES] == 2 and first[C.VERIFIED] is True and first[C.SOURCE_FORMAT] == "2023"
    assert rows[C.VERIFIED].to_list()[1:4] == [False, True, None]
    assert rows[C.HELPFUL_VOTES].to_list()[3] == 0 and rows[C.REVIEW_TEXT].to_list()[2] is None


def test_2014_and_2023_lines_in_one_file_each_read_by_their_own_fields(tmp_path):
    old = {"reviewerID": "A1", "asin": "B000000001", "overall": 4.0, "unixReviewTime": 1252800000,
           "reviewText": "ok", "summary": "s"}
    result = read_reviews(_jsonl(tmp_path / "r.jsonl.gz", [old, _review()]))
    assert result.rows.select(C.USER_ID, C.ITEM_ID, C.VARIANT_ASIN, C.SOURCE_FORMAT).rows() == [
        ("A1", "B000000001", None, "2014"), ("AGKHLEW2SOWHNMFQIJGBECAF7INQ", "B0PARENT01", "B0VAR00001", "2023")]


def test_benchmark_csv_with_and_without_history(tmp_path):
    plain = tmp_path / "Clothing_Shoes_and_Jewelry.train.csv"
    plain.write_text("user_id,parent_asin,rating,timestamp\n"
                     f"U1,B01,5.0,{MS}\nU1,B02,4.0,{MS + 1000}\nU2,B01,x,{MS}\nU3,B03\nU4,B04,3.0,{MS}\n")
    result = read_reviews(plain)
    assert dict(zip(result.rejects[C.LINE_NUMBER], result.rejects[C.REASON])) == {
        4: "missing or non-numeric rating", 5: "expected 4 or 5 comma-separated fields, got 2"}
    assert result.rows.select(C.USER_ID, C.ITEM_ID, C.RATING, C.TIMESTAMP, C.LINE_NUMBER).rows() == [
        ("U1", "B01", 5.0, MS // 1000, 2), ("U1", "B02", 4.0, MS // 1000 + 1, 3), ("U4", "B04", 3.0, MS // 1000, 6)]
    assert set(result.rows[C.SOURCE_FORMAT]) == {"2023-csv"}
    with_history = tmp_path / "Clothing_Shoes_and_Jewelry.valid.csv"
    with_history.write_text(f"user_id,parent_asin,rating,timestamp,history\nU1,B03,5.0,{MS},B01 B02\n")
    assert read_reviews(with_history).rows[C.ITEM_ID].to_list() == ["B03"]


def test_2023_metadata_every_field_variant(tmp_path):
    base = {"main_category": "AMAZON FASHION", "title": "Women&#39;s Red Wrap Dress", "average_rating": 4.3,
            "rating_number": 12, "features": ["100% cotton", "Machine wash"], "description": ["A summer dress."],
            "price": 29.99, "videos": [], "store": "Acme", "categories": ["Clothing, Shoes & Jewelry", "Women", "Dresses"],
            "details": {"Brand": "AcmeWear", "Department": "womens"}, "bought_together": None}
    image = {"thumb": "t.jpg", "large": "l.jpg", "hi_res": "h.jpg", "variant": "MAIN"}
    path = _jsonl(tmp_path / "meta_Clothing_Shoes_and_Jewelry.jsonl.gz", [
        {**base, "parent_asin": "P1", "images": [image]},
        {**base, "parent_asin": "P2", "price": "None", "images": {"thumb": ["t2.jpg"], "large": ["l2.jpg"]},
         "details": json.dumps({"Brand Name": "Other"}), "categories": []},
        {**base, "parent_asin": "P3", "store": None, "details": "not json", "images": [], "bought_together": ["P1"]},
        {**base, "parent_asin": "P4"},  # not reviewed: skipped
        {**base, "parent_asin": ""},
        {**base, "parent_asin": "P1"},  # a second line of P1
    ])
    result = read_metadata(path, keep_asins=["P1", "P2", "P3", ""])
    rows = {r[C.ITEM_ID]: r for r in result.rows.iter_rows(named=True)}
    assert set(rows) == {"P1", "P2", "P3"} and result.stats["skipped_not_reviewed"] == 1
    assert dict(zip(result.rejects[C.LINE_NUMBER], result.rejects[C.REASON])) == {5: "missing parent_asin",
                                                                                 6: "duplicate asin"}
    p1, p2, p3 = rows["P1"], rows["P2"], rows["P3"]
    assert p1[C.TITLE] == "Women's Red Wrap Dress" and p1[C.BRAND] == "AcmeWear" and p1[C.PRICE] == 29.99
    assert p1[C.IMAGE_URL] == "l.jpg" and p1[C.CATEGORIES] == "Clothing, Shoes & Jewelry > Women > Dresses"
    assert p1[C.DESCRIPTION] == "A summer dress. 100% cotton Machine wash"
    assert p1[C.COLOUR] == "red" and p1[C.CATEGORY] == "dresses"
    assert p2[C.PRICE] is None and p2[C.IMAGE_URL] == "l2.jpg" and p2[C.BRAND] == "Other"
    assert p2[C.CATEGORIES] == "AMAZON FASHION"
    assert p3[C.BRAND] is None and p3[C.IMAGE_URL] is None and p3[C.BOUGHT_TOGETHER] == ["P1"]


def test_k_core_filter_repeats_until_every_user_and_item_has_k(tmp_path):
    # U3 has one review; removing it leaves item C with one, whose removal leaves U2 with one.
    rows = [("U1", "A"), ("U1", "B"), ("U2", "B"), ("U2", "C"), ("U3", "C"), ("U4", "A"), ("U4", "B")]
    reviews = pl.DataFrame({C.USER_ID: [u for u, _ in rows], C.ITEM_ID: [i for _, i in rows],
                            C.TIMESTAMP: list(range(len(rows))), C.RATING: [5.0] * len(rows),
                            C.LINE_NUMBER: list(range(1, len(rows) + 1))})
    reviews.write_parquet(tmp_path / "reviews.parquet")
    stats = write_interactions(tmp_path / "reviews.parquet", tmp_path / "i.parquet", InteractionsConfig(min_interactions=2))
    kept = pl.read_parquet(tmp_path / "i.parquet")
    assert sorted(kept.select(C.USER_ID, C.ITEM_ID).rows()) == [("U1", "A"), ("U1", "B"), ("U4", "A"), ("U4", "B")]
    assert kept[C.USER_IDX].to_list() == [0, 0, 1, 1] and stats["removed_by_k_core"] == 3 and stats["k_core_rounds"] >= 2
    unfiltered = write_interactions(tmp_path / "reviews.parquet", tmp_path / "all.parquet")
    assert unfiltered["rows"] == len(rows) and unfiltered["removed_by_k_core"] == 0
