"""Streaming ingestion: chunk boundaries never change the result, and damage leaves nothing behind."""

from __future__ import annotations

import gzip
import json

import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.sources.metadata import ingest_metadata, read_metadata
from fashion_pipeline.sources.rawfiles import iter_line_chunks
from fashion_pipeline.sources.rejects import MalformedFileError
from fashion_pipeline.sources.reviews import ingest_reviews, read_reviews

DAY = 86_400


def _review(i: int, **changes) -> str:
    record = {"reviewerID": f"U{i % 7}", "asin": f"B{i:09d}", "reviewerName": "x", "helpful": [1, 2],
              "reviewText": f"review {i}", "overall": 4.0, "summary": "ok", "unixReviewTime": 1252800000 + DAY * i,
              "reviewTime": "09 13, 2009", **changes}
    return json.dumps(record)


def _copy_2018(i: int, asin: str) -> str:
    """A 2018 review as the real file copies it onto each variant: same reviewer, day and text."""
    return json.dumps({"reviewerID": "UCOPY", "asin": asin, "overall": 5.0, "verified": True, "reviewText": f"copy {i}",
                       "summary": "nice", "unixReviewTime": 1400000000 + DAY * i, "style": {"Size:": " M"}})


def _gz(path, lines: list[str]):
    with gzip.open(path, "wb") as fh:
        fh.write(("\n".join(lines) + "\n").encode())
    return path


def _mixed_file(tmp_path):
    """Good lines with every kind of trouble spread over the file, including lines 5, 10 (the end
    of a 5-line chunk) and the very last line (in the last chunk)."""
    lines = [_review(i) for i in range(1, 31)]
    lines[4] = '{"reviewerID": "U5", "asin": '  # line 5: broken JSON, at the end of a chunk
    lines[9] = _review(10, overall=9.0)  # line 10: out of range, at the end of the next
    lines[13] = lines[2]  # line 14 repeats line 3
    lines[17:20] = [_copy_2018(1, "BVAR000001"), _copy_2018(1, "BVAR000002"), _copy_2018(1, "BVAR000003")]
    lines[22] = _review(23, unixReviewTime=2**63)  # line 23: beyond int64, the exact line-by-line path
    lines[25] = "\xff not text"  # line 26
    lines.append(_review(31, reviewerID=""))  # line 31, the last line: missing reviewer
    return _gz(tmp_path / "reviews.json.gz", lines)


def test_chunk_boundaries_do_not_change_rows_rejects_or_counts(tmp_path):
    path = _mixed_file(tmp_path)
    whole = read_reviews(path, chunk_lines=10_000)
    reasons = dict(zip(whole.rejects[C.LINE_NUMBER].to_list(), whole.rejects[C.REASON].to_list()))
    assert set(reasons) == {5, 10, 23, 26, 31}
    assert reasons[10] == "overall outside 1..5" and reasons[31] == "missing reviewerID"
    assert whole.stats["duplicate_lines"] == 1 and whole.stats["collapsed_variant_copies"] == 2
    assert 14 not in whole.rows[C.LINE_NUMBER].to_list() and 18 in whole.rows[C.LINE_NUMBER].to_list()
    for chunk_lines in (1, 2, 3, 5, 7, 30):
        chunked = read_reviews(path, chunk_lines=chunk_lines)
        assert chunked.rows.equals(whole.rows), chunk_lines
        assert chunked.rejects.equals(whole.rejects), chunk_lines
        assert chunked.stats == whole.stats, chunk_lines


def test_line_chunks_number_lines_and_drop_bom_and_crlf(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes(b"\xef\xbb\xbfa\r\nb\nc\r\nd")
    chunks = list(iter_line_chunks(path, 3))
    assert [(c.first_line, c.lines) for c in chunks] == [(1, [b"a", b"b", b"c"]), (4, [b"d"])]


def test_truncated_gzip_mid_file_names_it_and_how_far_and_leaves_no_parquet(tmp_path):
    whole = _gz(tmp_path / "whole.json.gz", [_review(i, reviewText=f"review {i} " + "words " * 40)
                                             for i in range(20_000)])
    source = tmp_path / "Clothing_Shoes_and_Jewelry.jsonl.gz"
    source.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    out = tmp_path / "parsed"
    out.mkdir()
    (out / "reviews.parquet").write_bytes(b"earlier output")
    with pytest.raises(MalformedFileError, match=r"Clothing_Shoes_and_Jewelry\.jsonl\.gz: the gzip file is truncated "
                                                 r"or corrupt .*the last complete line read was line [\d,]+") as err:
        ingest_reviews(source, out / "reviews.parquet", out / "rejects.parquet", chunk_lines=1000)
    got_to = int(str(err.value).split("line read was line ")[1].split(":")[0].replace(",", ""))
    assert 1000 < got_to < 20_000  # several chunks were read before the damage
    assert (out / "reviews.parquet").read_bytes() == b"earlier output"
    assert sorted(p.name for p in out.iterdir()) == ["reviews.parquet"]  # no rejects, staging or temp files


def test_mostly_bad_file_is_decided_on_the_whole_file(tmp_path):
    """The first chunk all bad is not enough to refuse a file that is mostly good."""
    lines = ["not json"] * 40 + [_review(i) for i in range(60)]
    path = _gz(tmp_path / "r.json.gz", lines)
    result = read_reviews(path, chunk_lines=10)
    assert result.stats["rejected"] == 40 and result.rows.height == 60
    bad = _gz(tmp_path / "bad.json.gz", [_review(i) for i in range(40)] + ["not json"] * 60)
    with pytest.raises(MalformedFileError, match="60 of 100 lines rejected"):
        read_reviews(bad, chunk_lines=10)


def test_progress_reports_each_chunk_with_a_rate(tmp_path):
    path = _gz(tmp_path / "r.json.gz", [_review(i) for i in range(25)])
    lines = []
    ingest_reviews(path, tmp_path / "o.parquet", tmp_path / "rej.parquet", chunk_lines=10, progress=lines.append)
    assert len(lines) == 4 and "10 lines read" in lines[0] and "lines/s" in lines[0] and "done" in lines[-1]


def test_metadata_chunks_give_the_same_products_and_duplicates_across_chunks(tmp_path):
    lines = [repr({"asin": f"B{i:09d}", "title": f"Red dress {i}"}) for i in range(12)]
    lines[6] = lines[1]  # a duplicate asin in a later chunk
    lines[9] = "{'asin': "
    path = _gz(tmp_path / "meta.json.gz", lines)
    whole = read_metadata(path)
    for chunk_lines in (1, 4, 5):
        rows, rej = tmp_path / f"p{chunk_lines}.parquet", tmp_path / f"r{chunk_lines}.parquet"
        stats = ingest_metadata(path, rows, rej, chunk_lines=chunk_lines)
        import polars as pl

        assert pl.read_parquet(rows).equals(whole.rows) and pl.read_parquet(rej).equals(whole.rejects)
        assert stats == whole.stats
    assert dict(zip(whole.rejects[C.LINE_NUMBER], whole.rejects[C.REASON])) == {7: "duplicate asin", 10: whole.rejects[C.REASON][1]}
