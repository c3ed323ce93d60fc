import gzip
import json

import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.sources.rejects import MalformedFileError
from fashion_pipeline.sources.reviews import read_reviews
from fashion_pipeline_tests.conftest import shared_path

GOOD = {"reviewerID": "A2SUAM1J3GNN3B", "asin": "0000013714", "reviewerName": "J. McDonald",
        "helpful": [2, 3], "reviewText": "I bought this for my husband.", "overall": 5.0,
        "summary": "Heavenly", "unixReviewTime": 1252800000, "reviewTime": "09 13, 2009"}


def _line(**changes) -> str:
    record = {**GOOD, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...})


def _write(path, lines, gz=True):
    data = "\n".join(lines) + "\n"
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(data)
    else:
        path.write_text(data)
    return path


def test_every_bad_line_kind_is_rejected_with_its_line_and_reason(tmp_path):
    lines = [
        _line(),                                            # 1 kept
        '{"reviewerID": "A1", "asin": "B1", "overall": 4',  # 2 broken JSON
        _line(asin=...),                                    # 3 missing asin
        _line(reviewerID=""),                               # 4 missing reviewerID
        _line(overall=7.0),                                 # 5 rating outside 1..5
        _line(overall="five"),                              # 6 non-numeric rating
        _line(unixReviewTime="yesterday", reviewTime="not a date"),  # 7 bad timestamp
        _line(unixReviewTime=4102444800, reviewTime=...),   # 8 timestamp in 2100
        _line(reviewerName=..., reviewerID="A3"),           # 9 kept: reviewerName is optional
        _line(unixReviewTime=..., reviewerID="A4"),         # 10 kept: time from reviewTime
        "[1, 2, 3]",                                        # 11 not an object
        _line(reviewerID="A5", asin="B5"),                  # 12 kept
        _line(reviewerID="A6", asin="B6", overall=1.0),     # 13 kept
    ] + [_line(reviewerID=f"A{n}") for n in range(14, 18)]  # 14..17 kept (a file mostly good)
    result = read_reviews(_write(tmp_path / "r.json.gz", lines))
    assert result.rows[C.LINE_NUMBER].to_list() == [1, 9, 10, 12, 13, 14, 15, 16, 17]
    rejects = dict(zip(result.rejects[C.LINE_NUMBER].to_list(), result.rejects[C.REASON].to_list()))
    assert sorted(rejects) == [2, 3, 4, 5, 6, 7, 8, 11]
    assert rejects[2].startswith("broken JSON")
    assert rejects[3] == "missing asin"
    assert rejects[4] == "missing reviewerID"
    assert rejects[5] == "overall outside 1..5"
    assert rejects[6] == "missing or non-numeric overall"
    assert rejects[7] == "missing or unparseable review time"
    assert rejects[8] == "review time out of range"
    assert rejects[11].startswith("not a JSON object")
    assert result.rejects[C.SOURCE_FILE].unique().to_list() == [str(tmp_path / "r.json.gz")]
    row = result.rows.filter(pl.col(C.LINE_NUMBER) == 10).row(0, named=True)
    assert row[C.TIMESTAMP] == 1252800000  # "09 13, 2009"
    assert result.rows.filter(pl.col(C.LINE_NUMBER) == 9)[C.REVIEWER_NAME].to_list() == [None]


def test_clean_file_parses_fields_and_plain_equals_gzip(tmp_path):
    lines = [_line(), _line(reviewerID="A9", helpful=[0, 0], overall=3.0)]
    gz = read_reviews(_write(tmp_path / "a.json.gz", lines))
    plain = read_reviews(_write(tmp_path / "a.json", lines, gz=False))
    assert gz.rows.equals(plain.rows)
    first = gz.rows.row(0, named=True)
    assert first[C.USER_ID] == "A2SUAM1J3GNN3B" and first[C.ITEM_ID] == "0000013714"
    assert (first[C.HELPFUL_VOTES], first[C.TOTAL_VOTES]) == (2, 3)
    assert str(first[C.REVIEW_DATE]) == "2009-09-13"
    assert first[C.SOURCE_FORMAT] == "2014"
    assert gz.rejects.is_empty()


def test_mostly_bad_file_fails_naming_it(tmp_path):
    path = _write(tmp_path / "wrong.json.gz", ["not json"] * 3 + [_line()])
    with pytest.raises(MalformedFileError, match="wrong.json.gz"):
        read_reviews(path)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json.gz"):
        read_reviews(tmp_path / "nope.json.gz")


def test_2018_variant_copies_collapse_and_vote_parses(tmp_path):
    base = {"overall": 5.0, "verified": True, "reviewTime": "09 13, 2016", "reviewerID": "AX",
            "asin": "B1", "style": {"Size:": " L"}, "reviewerName": "X", "reviewText": "Nice",
            "summary": "ok", "unixReviewTime": 1473724800, "vote": "1,234"}
    lines = [json.dumps(base), json.dumps({**base, "asin": "B2", "style": {"Size:": " M"}}),
             json.dumps({**base, "reviewText": "Another review"})]
    result = read_reviews(_write(tmp_path / "r18.json", lines, gz=False))
    assert result.rows[C.LINE_NUMBER].to_list() == [1, 3]
    assert result.stats["collapsed_variant_copies"] == 1
    assert result.rows[C.HELPFUL_VOTES].to_list() == [1234, 1234]
    assert result.rows[C.SOURCE_FORMAT].unique().to_list() == ["2018"]
    assert json.loads(result.rows[C.STYLE][0]) == {"Size:": " L"}


def test_real_2018_amazon_fashion_file():
    path = shared_path("amazon-fashion-2018/AMAZON_FASHION_5.json")
    result = read_reviews(path)
    raw = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    distinct = {(r["reviewerID"], r["unixReviewTime"], r.get("reviewText")) for r in raw}
    assert result.stats["lines"] == len(raw)
    assert len(result.rows) == len(distinct)
    assert result.rejects.is_empty()
    assert result.rows.select(C.USER_ID, C.TIMESTAMP, C.REVIEW_TEXT).n_unique() == len(result.rows)
    assert result.rows[C.USER_ID].n_unique() == len({r["reviewerID"] for r in raw})
    assert result.rows[C.RATING].is_between(1, 5).all()


def test_empty_and_non_utf8_lines_are_rejected(tmp_path):
    good = [_line(reviewerID=f"A{i}").encode() for i in range(4)]
    path = tmp_path / "mixed.json"
    path.write_bytes(b"\n".join([good[0], b"", good[1], b"\xff\xfe{bad bytes}", good[2], good[3]]) + b"\n")
    result = read_reviews(path)
    assert result.rows[C.LINE_NUMBER].to_list() == [1, 3, 5, 6]
    assert dict(zip(result.rejects[C.LINE_NUMBER].to_list(), result.rejects[C.REASON].to_list())) == {
        2: "empty line", 4: "not UTF-8 text"}
