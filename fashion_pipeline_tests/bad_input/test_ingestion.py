"""One bad value in a raw file rejects its line with a reason; it never stops the ingestion step."""

from __future__ import annotations

import gzip
import json

import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.sources.metadata import read_metadata
from fashion_pipeline.sources.rejects import MalformedFileError
from fashion_pipeline.sources.reviews import read_reviews

DEEP = 100_000


def _review(i: int, **changes) -> str:
    record = {"reviewerID": f"U{i}", "asin": f"B{i:09d}", "reviewerName": "x", "helpful": [1, 2],
              "reviewText": f"review {i}", "overall": 4.0, "summary": "ok", "unixReviewTime": 1252800000 + 86400 * i,
              "reviewTime": "09 13, 2009", **changes}
    return json.dumps(record)


def _gz(path, lines: list[str]):
    with gzip.open(path, "wb") as fh:
        fh.write(("\n".join(lines) + "\n").encode())
    return path


def _reasons(result) -> dict[int, str]:
    return dict(zip(result.rejects[C.LINE_NUMBER].to_list(), result.rejects[C.REASON].to_list()))


GOOD = [_review(i) for i in range(10)]


@pytest.mark.parametrize("bad_line, reason", [
    (_review(90, unixReviewTime=2**63), "unixReviewTime out of range"),
    (_review(91, unixReviewTime=1e30), "unixReviewTime out of range"),
    (_review(92, helpful=[3_000_000_000, 5]), "helpful votes out of range"),
    (_review(93, overall=10**400), "overall out of range"),
    ('{"reviewerID": "U94", "asin": "B1", "x": ' + "[" * DEEP + "]" * DEEP + "}", "JSON nested too deeply"),
])
@pytest.mark.parametrize("with_broken_line", [False, True])  # the fast path, and the line-by-line fallback
def test_overflowing_or_deep_review_line_is_rejected(tmp_path, bad_line, reason, with_broken_line):
    extra = ['{"reviewerID": "U99", "asin": '] if with_broken_line else []
    path = _gz(tmp_path / "reviews.json.gz", GOOD[:5] + [bad_line] + extra + GOOD[5:])
    result = read_reviews(path)
    assert _reasons(result)[6] == reason
    assert result.rows.height == 10 and sorted(result.rows[C.USER_ID].to_list()) == sorted(f"U{i}" for i in range(10))
    assert result.rows[C.HELPFUL_VOTES].dtype == pl.Int32


def test_overflowing_or_deep_metadata_lines_are_rejected(tmp_path):
    good = [repr({"asin": f"B{i:09d}", "title": f"Red dress {i}", "price": 9.99, "salesRank": {"Clothing": 100 + i}})
            for i in range(8)]
    bad = [
        repr({"asin": "BBIGRANK01", "title": "x", "salesRank": {"Clothing": 10**20}}),
        repr({"asin": "BBIGPRICE1", "title": "x", "price": 10**400}),
        '{"asin": "BDEEPJSON1", "x": ' + "[" * DEEP + "]" * DEEP + "}",
    ]
    path = _gz(tmp_path / "meta.json.gz", good[:4] + bad + good[4:])
    result = read_metadata(path)
    reasons = _reasons(result)
    assert reasons[5] == "salesRank out of range"
    assert reasons[6].startswith("value out of range") or reasons[6] == "price out of range"
    assert reasons[7] == "nested too deeply"
    assert result.rows.height == 8 and result.rows[C.SALES_RANK].to_list()[:2] == [100, 101]


def test_utf8_bom_on_line_one_is_accepted(tmp_path):
    path = tmp_path / "reviews.json"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(GOOD) + "\n").encode())
    result = read_reviews(path)
    assert result.rejects.is_empty() and result.rows.height == 10
    meta = tmp_path / "meta.json"
    meta.write_bytes(b"\xef\xbb\xbf" + repr({"asin": "B000000001", "title": "Dress"}).encode() + b"\n")
    assert read_metadata(meta).rows[C.ITEM_ID].to_list() == ["B000000001"]


def test_duplicated_review_lines_are_counted_and_dropped_keeping_the_first(tmp_path):
    path = _gz(tmp_path / "reviews.json.gz", GOOD + [GOOD[2], GOOD[7], GOOD[2]])
    result = read_reviews(path)
    assert result.stats["duplicate_lines"] == 3
    assert result.rows.height == 10 and result.rows[C.LINE_NUMBER].to_list() == list(range(1, 11))


def test_truncated_gzip_names_the_file_and_the_last_complete_line(tmp_path):
    whole = _gz(tmp_path / "whole.json.gz", [_review(i) for i in range(3000)])
    truncated = tmp_path / "reviews_Clothing_Shoes_and_Jewelry_5.json.gz"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(MalformedFileError, match=r"reviews_Clothing_Shoes_and_Jewelry_5\.json\.gz: the gzip file is "
                                                 r"truncated or corrupt .*the last complete line read was line [\d,]+"):
        read_reviews(truncated)


def test_a_refused_input_leaves_the_earlier_parquet_unchanged(tmp_path, small_sample):
    """The ingestion asset writes only after reading: a truncated file leaves reviews.parquet as it was."""
    import dagster as dg

    from fashion_pipeline.defs.ingestion import reviews
    from fashion_pipeline.defs.resources import FashionData
    from fashion_pipeline.sample.writers import REVIEWS_FILE

    raw = tmp_path / "raw"
    raw.mkdir()
    source = raw / REVIEWS_FILE
    source.write_bytes((small_sample / REVIEWS_FILE).read_bytes())
    data = FashionData.for_folders(raw, tmp_path / "data")
    assert dg.materialize([reviews], resources={"fashion_data": data}).success
    parsed = next((tmp_path / "data").rglob("reviews.parquet"))
    before = parsed.read_bytes()
    source.write_bytes(source.read_bytes()[:-200])
    result = dg.materialize([reviews], resources={"fashion_data": data}, raise_on_error=False)
    assert not result.success
    assert parsed.read_bytes() == before
