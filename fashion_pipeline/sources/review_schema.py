"""The reviews table every review format is parsed into, and the bounds its values must keep."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl

from fashion_pipeline import columns as C

# Amazon opened in 1995; a review time before that, or in the future, is a corrupt field.
EARLIEST_REVIEW = int(datetime(1995, 1, 1, tzinfo=timezone.utc).timestamp())
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1  # vote counts are stored as Int32
MS_PER_S = 1000  # 2023 timestamps are milliseconds; the reviews table keeps seconds

REVIEWS_SCHEMA = {
    C.USER_ID: pl.Utf8,
    C.ITEM_ID: pl.Utf8,
    C.VARIANT_ASIN: pl.Utf8,
    C.REVIEWER_NAME: pl.Utf8,
    C.RATING: pl.Float32,
    C.HELPFUL_VOTES: pl.Int32,
    C.TOTAL_VOTES: pl.Int32,
    C.REVIEW_TEXT: pl.Utf8,
    C.SUMMARY: pl.Utf8,
    C.TIMESTAMP: pl.Int64,
    C.REVIEW_DATE: pl.Date,
    C.VERIFIED: pl.Boolean,
    C.STYLE: pl.Utf8,
    C.SOURCE_FORMAT: pl.Utf8,
    C.LINE_NUMBER: pl.Int64,
}

# Keys a parser adds to each row so that repeats are found across the whole file, out of core:
# two 64-bit hashes (a collision in 128 bits is not a practical concern at 10^8 lines).
LINE_KEY = ("_line_key_1", "_line_key_2")  # the stripped raw line: the same line twice
COPY_KEY = ("_copy_key_1", "_copy_key_2")  # reviewer, time, text: one review copied across variants
KEYS_SCHEMA = {C.LINE_NUMBER: pl.Int64, **{k: pl.UInt64 for k in (*LINE_KEY, *COPY_KEY)}}
STAGED_SCHEMA = {**REVIEWS_SCHEMA, **KEYS_SCHEMA}  # what a parser returns per chunk
# Formats whose files copy one review onto each variant of a product; 2014 files do not (two
# short identical reviews on one day are real there) and the benchmark CSVs are already deduped.
COPYING_FORMATS = ("2018", "2023")


def hash_keys(names: tuple[str, str], expr: pl.Expr) -> list[pl.Expr]:
    return [expr.hash(seed=1).alias(names[0]), expr.hash(seed=2).alias(names[1])]


def copy_keys() -> list[pl.Expr]:
    """Null for formats without variant copies, so they never collapse."""
    key = pl.struct(C.USER_ID, C.TIMESTAMP, C.REVIEW_TEXT)
    copying = pl.col(C.SOURCE_FORMAT).is_in(COPYING_FORMATS)
    return [pl.when(copying).then(e).alias(e.meta.output_name()) for e in hash_keys(COPY_KEY, key)]
