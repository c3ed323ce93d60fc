"""One chunk of a published 2023 benchmark split (`<Category>.train.csv` and friends) into reviews rows.

Header `user_id,parent_asin,rating,timestamp`, with `,history` in the `_w_his` variants (the
user's earlier parent_asins, space-separated: derivable from the rows, so not kept). Timestamps
are milliseconds. Ids hold no commas or quotes, so a line is split on commas as a vector
operation, and a line with the wrong number of fields is rejected with the count it has.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.jsonlines import RAW
from fashion_pipeline.sources.rejects import make_rejects
from fashion_pipeline.sources.review_schema import COPY_KEY, EARLIEST_REVIEW, LINE_KEY, MS_PER_S, STAGED_SCHEMA, hash_keys

HEADER = b"user_id,parent_asin,rating,timestamp"
FORMAT = "2023-csv"


def is_benchmark_csv(first_line: bytes) -> bool:
    head = first_line.lstrip(b"\xef\xbb\xbf").rstrip(b"\r")
    return head == HEADER or head == HEADER + b",history"


def parse_csv_reviews(path: Path, lines: list[bytes], first_line: int, now: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows with STAGED_SCHEMA, rejects) of `lines`, numbered from `first_line`; the header
    (line 1) is skipped, not rejected."""
    if first_line == 1:
        lines, first_line = lines[1:], 2
    raw = pl.Series(RAW, lines, dtype=pl.Binary).cast(pl.Utf8, strict=False)
    frame = pl.DataFrame({C.LINE_NUMBER: pl.int_range(first_line, first_line + len(lines), eager=True), RAW: raw})
    fields = pl.col(RAW).str.split(",")
    n_fields = fields.list.len()
    frame = frame.with_columns(
        _n=n_fields,
        _user=fields.list.get(0, null_on_oob=True).str.strip_chars(),
        _item=fields.list.get(1, null_on_oob=True).str.strip_chars(),
        _rating=fields.list.get(2, null_on_oob=True).str.strip_chars().cast(pl.Float64, strict=False),
        _ts=fields.list.get(3, null_on_oob=True).str.strip_chars().cast(pl.Int64, strict=False) // MS_PER_S,
    )
    reason = (
        pl.when(pl.col(RAW).is_null()).then(pl.lit("not UTF-8 text"))
        .when(pl.col(RAW).str.strip_chars() == "").then(pl.lit("empty line"))
        .when(~pl.col("_n").is_in([4, 5])).then(pl.format("expected 4 or 5 comma-separated fields, got {}", pl.col("_n")))
        .when(pl.col("_user").fill_null("") == "").then(pl.lit("missing user_id"))
        .when(pl.col("_item").fill_null("") == "").then(pl.lit("missing parent_asin"))
        .when(pl.col("_rating").is_null()).then(pl.lit("missing or non-numeric rating"))
        .when(~pl.col("_rating").is_between(1.0, 5.0)).then(pl.lit("rating outside 1..5"))
        .when(pl.col("_ts").is_null()).then(pl.lit("missing or unparseable timestamp"))
        .when(~pl.col("_ts").is_between(EARLIEST_REVIEW, now)).then(pl.lit("timestamp out of range"))
        .otherwise(None)
    )
    frame = frame.with_columns(_reason=reason)
    bad = frame.filter(pl.col("_reason").is_not_null())
    raw_text = [lines[n - first_line].decode("utf-8", "replace") for n in bad[C.LINE_NUMBER].to_list()]
    rejects = make_rejects(path, bad[C.LINE_NUMBER].to_list(), bad["_reason"].to_list(), raw_text)
    rows = frame.filter(pl.col("_reason").is_null()).select(
        pl.col("_user").alias(C.USER_ID),
        pl.col("_item").alias(C.ITEM_ID),
        pl.col("_rating").alias(C.RATING),
        pl.lit(0).alias(C.HELPFUL_VOTES),
        pl.col("_ts").alias(C.TIMESTAMP),
        pl.from_epoch(pl.col("_ts"), time_unit="s").dt.date().alias(C.REVIEW_DATE),
        pl.lit(FORMAT).alias(C.SOURCE_FORMAT),
        pl.col(C.LINE_NUMBER),
        *hash_keys(LINE_KEY, pl.col(RAW).str.strip_chars()),
        *[pl.lit(None, dtype=pl.UInt64).alias(k) for k in COPY_KEY],
    )
    missing = [pl.lit(None, dtype=t).alias(k) for k, t in STAGED_SCHEMA.items() if k not in rows.columns]
    return rows.with_columns(missing).select(list(STAGED_SCHEMA)).cast(STAGED_SCHEMA), rejects
