"""Writers of the real raw formats (see shared/docs/formats.md). Each writes atomically."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import polars as pl

from fashion_pipeline.sources.atomic import atomic_path

REVIEWS_FILE = "reviews_Clothing_Shoes_and_Jewelry_5.json.gz"
METADATA_FILE = "meta_Clothing_Shoes_and_Jewelry.json.gz"
REVIEWS_2023_FILE = "Clothing_Shoes_and_Jewelry.jsonl.gz"  # the 2023 release's names
METADATA_2023_FILE = "meta_Clothing_Shoes_and_Jewelry.jsonl.gz"
DVBPR_FILE = "AmazonFashion6ImgPartitioned.npy"
INSHOP_DIR = "In-shop_Clothes_Retrieval_Benchmark"



def _gzip_text(path: Path) -> io.TextIOWrapper:
    """A gzip text writer with a fixed header time, so the same seed gives the same bytes."""
    raw = gzip.GzipFile(filename="", fileobj=open(path, "wb"), mode="wb", compresslevel=5, mtime=0)
    raw.myfileobj = raw.fileobj  # close the underlying file together with the gzip stream
    return io.TextIOWrapper(raw, encoding="utf-8")


def _json_string(col: str) -> pl.Expr:
    """A JSON string literal of an ASCII column, as json.dumps writes it."""
    escaped = pl.col(col).str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    return pl.concat_str([pl.lit('"'), escaped, pl.lit('"')])


def _check_ascii(df: pl.DataFrame, columns) -> None:
    """json.dumps escapes non-ASCII and control characters; the generator's words have none."""
    bad = df.select(pl.any_horizontal(pl.col(c).str.contains(r"[^\x20-\x7e]").fill_null(False) for c in columns).any()).item()
    if bad:
        raise ValueError("sample text must be printable ASCII to be written as JSON by column expressions")


def _write_lines(path: Path, lines: pl.Series, block: int = 200_000) -> None:
    """Lines, each with a newline, gzipped in large blocks (the bytes do not depend on the block)."""
    with atomic_path(path) as tmp, _gzip_text(tmp) as fh:
        for start in range(0, len(lines), block):
            fh.write("\n".join(lines.slice(start, block).to_list()) + "\n")


def write_reviews(path: Path, reviews: pl.DataFrame) -> None:
    """2014 review lines: strict JSON in the real field order, exactly as json.dumps writes them;
    reviewerName left out when null. Built as one string expression over the whole table."""
    _check_ascii(reviews, ("reviewerID", "asin", "reviewerName", "reviewText", "summary", "reviewTime"))
    name = pl.when(pl.col("reviewerName").is_null()).then(pl.lit("")).otherwise(
        pl.concat_str([pl.lit(', "reviewerName": '), _json_string("reviewerName")]))
    line = pl.concat_str([
        pl.lit('{"reviewerID": '), _json_string("reviewerID"), pl.lit(', "asin": '), _json_string("asin"), name,
        pl.lit(', "helpful": ['), pl.col("helpful_votes").cast(pl.Utf8), pl.lit(", "),
        pl.col("total_votes").cast(pl.Utf8), pl.lit('], "reviewText": '), _json_string("reviewText"),
        pl.lit(', "overall": '), pl.col("overall").cast(pl.Float64).cast(pl.Utf8), pl.lit(', "summary": '),
        _json_string("summary"), pl.lit(', "unixReviewTime": '), pl.col("unixReviewTime").cast(pl.Utf8),
        pl.lit(', "reviewTime": '), _json_string("reviewTime"), pl.lit("}"),
    ])
    _write_lines(path, reviews.select(line.alias("line"))["line"])


def write_reviews_2023(path: Path, reviews: pl.DataFrame) -> None:
    """2023 review lines (formats.md 2e), in the release's field order."""
    _check_ascii(reviews, ("title", "text", "asin", "parent_asin", "user_id"))
    line = pl.concat_str([
        pl.lit('{"rating": '), pl.col("rating").cast(pl.Float64).cast(pl.Utf8),
        pl.lit(', "title": '), _json_string("title"), pl.lit(', "text": '), _json_string("text"),
        pl.lit(', "images": [], "asin": '), _json_string("asin"), pl.lit(', "parent_asin": '),
        _json_string("parent_asin"), pl.lit(', "user_id": '), _json_string("user_id"),
        pl.lit(', "timestamp": '), pl.col("timestamp").cast(pl.Utf8),
        pl.lit(', "helpful_vote": '), pl.col("helpful_vote").cast(pl.Utf8),
        pl.lit(', "verified_purchase": '), pl.when(pl.col("verified_purchase")).then(pl.lit("true")).otherwise(pl.lit("false")),
        pl.lit("}"),
    ])
    _write_lines(path, reviews.select(line.alias("line"))["line"])


def write_metadata_2023(path: Path, records: list[dict]) -> None:
    """2023 metadata lines: strict JSON."""
    with atomic_path(path) as tmp, _gzip_text(tmp) as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")


def write_metadata(path: Path, records: list[dict]) -> None:
    """2014 metadata lines: Python dict reprs (single quotes), exactly as the real file."""
    with atomic_path(path) as tmp, _gzip_text(tmp) as fh:
        for record in records:
            fh.write(repr(record) + "\n")


def write_dvbpr(path: Path, user_train: dict, user_validation: dict, user_test: dict,
                items: list[dict], usernum: int, itemnum: int) -> None:
    """The DVBPR object array [user_train, user_validation, user_test, Item, usernum, itemnum]."""
    arr = np.empty(6, dtype=object)
    for i, part in enumerate([user_train, user_validation, user_test, items, usernum, itemnum]):
        arr[i] = part  # one by one: numpy would otherwise try to broadcast the lists
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, arr, allow_pickle=True)


def write_listing(path: Path, header: str, rows: list[str]) -> None:
    """A DeepFashion listing: count line, header line, rows."""
    with atomic_path(path) as tmp:
        tmp.write_text(f"{len(rows)}\n{header}\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
