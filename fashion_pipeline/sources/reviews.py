"""Amazon review files, 2014 and 2018 formats, gzipped or plain, into one typed table.

2014 (e.g. reviews_Clothing_Shoes_and_Jewelry_5.json.gz): reviewerID, asin, reviewerName?,
helpful [votes, total], reviewText, overall, summary, unixReviewTime, reviewTime "MM D, YYYY".
2018 (e.g. Clothing_Shoes_and_Jewelry_5.json.gz): adds verified, vote ("1,234"), style {...},
image [...]; one review is often copied across the variant asins of a product, and those copies
are collapsed here so a review cannot leak into both train and test.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.jsonlines import RAW, decode_json_lines
from fashion_pipeline.sources.rawfiles import read_lines
from fashion_pipeline.sources.rejects import ReadResult, fail_if_mostly_bad, make_rejects

RAW_SCHEMA = {
    "reviewerID": pl.Utf8,
    "asin": pl.Utf8,
    "reviewerName": pl.Utf8,
    "helpful": pl.List(pl.Int64),
    "reviewText": pl.Utf8,
    "overall": pl.Float64,
    "summary": pl.Utf8,
    "unixReviewTime": pl.Int64,
    "reviewTime": pl.Utf8,
    "verified": pl.Boolean,
    "vote": pl.Utf8,
}

# Amazon opened in 1995; a review time before that, or in the future, is a corrupt field.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1  # vote counts are stored as Int32
EARLIEST_REVIEW = int(datetime(1995, 1, 1, tzinfo=timezone.utc).timestamp())

REVIEWS_SCHEMA = {
    C.USER_ID: pl.Utf8,
    C.ITEM_ID: pl.Utf8,
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


def read_reviews(path: str | Path, now: int | None = None) -> ReadResult:
    """Parse a 2014- or 2018-format review file; bad lines go to rejects with their reason."""
    path = Path(path)
    lines = read_lines(path)
    table, rejects = decode_json_lines(path, lines, RAW_SCHEMA)
    now = now if now is not None else int(datetime.now(timezone.utc).timestamp())

    # The 2018 'style' is an object with product-specific keys: keep it as JSON text.
    table = table.with_columns(pl.col(RAW).str.json_path_match("$.style").alias(C.STYLE))
    review_time = pl.col("reviewTime").str.strptime(pl.Date, "%m %d, %Y", strict=False)
    timestamp = pl.coalesce(
        pl.col("unixReviewTime"),
        (review_time.cast(pl.Datetime("ms")).dt.epoch("s")),
    )
    table = table.with_columns(_ts=timestamp)
    _vote = pl.col("vote").str.replace_all(",", "").str.strip_chars().cast(pl.Int64, strict=False)
    reason = (
        pl.when(pl.col("reviewerID").fill_null("").str.strip_chars() == "").then(pl.lit("missing reviewerID"))
        .when(pl.col("asin").fill_null("").str.strip_chars() == "").then(pl.lit("missing asin"))
        .when(pl.col("overall").is_null()).then(pl.lit("missing or non-numeric overall"))
        .when(~pl.col("overall").is_between(1.0, 5.0)).then(pl.lit("overall outside 1..5"))
        .when(pl.col("_ts").is_null()).then(pl.lit("missing or unparseable review time"))
        .when(~pl.col("_ts").is_between(EARLIEST_REVIEW, now)).then(pl.lit("review time out of range"))
        .when(pl.col("helpful").list.eval(~pl.element().is_between(INT32_MIN, INT32_MAX)).list.any().fill_null(False))
        .then(pl.lit("helpful votes out of range"))
        .when(~_vote.fill_null(0).is_between(INT32_MIN, INT32_MAX)).then(pl.lit("vote out of range"))
        .otherwise(None)
    )
    table = table.with_columns(_reason=reason)
    bad = table.filter(pl.col("_reason").is_not_null())
    rejects = pl.concat(
        [rejects, make_rejects(path, bad[C.LINE_NUMBER].to_list(), bad["_reason"].to_list(), bad[RAW].to_list())]
    ).sort(C.LINE_NUMBER)
    fail_if_mostly_bad(path, len(lines), rejects)

    good = table.filter(pl.col("_reason").is_null())
    # The same line twice (a file concatenated with itself, a copy-paste): keep the first.
    first = pl.col(RAW).str.strip_chars().is_first_distinct()
    duplicates = good.height - good.filter(first).height
    good = good.filter(first)
    is_2018 = pl.col("verified").is_not_null() | pl.col("vote").is_not_null() | pl.col(C.STYLE).is_not_null()
    rows = good.select(
        pl.col("reviewerID").str.strip_chars().alias(C.USER_ID),
        pl.col("asin").str.strip_chars().alias(C.ITEM_ID),
        pl.col("reviewerName").alias(C.REVIEWER_NAME),
        pl.col("overall").cast(pl.Float32).alias(C.RATING),
        pl.coalesce(
            pl.col("helpful").list.get(0, null_on_oob=True),
            pl.col("vote").str.replace_all(",", "").cast(pl.Int64, strict=False),
            pl.lit(0),
        ).cast(pl.Int32).alias(C.HELPFUL_VOTES),
        pl.col("helpful").list.get(1, null_on_oob=True).cast(pl.Int32).alias(C.TOTAL_VOTES),
        pl.col("reviewText").alias(C.REVIEW_TEXT),
        pl.col("summary").alias(C.SUMMARY),
        pl.col("_ts").alias(C.TIMESTAMP),
        pl.from_epoch(pl.col("_ts"), time_unit="s").dt.date().alias(C.REVIEW_DATE),
        pl.col("verified").alias(C.VERIFIED),
        pl.col(C.STYLE),
        pl.when(is_2018).then(pl.lit("2018")).otherwise(pl.lit("2014")).alias(C.SOURCE_FORMAT),
        pl.col(C.LINE_NUMBER),
    )
    rows, collapsed = collapse_variant_copies(rows)
    stats = {
        "lines": len(lines),
        "rows": len(rows),
        "rejected": len(rejects),
        "collapsed_variant_copies": collapsed,
        "duplicate_lines": duplicates,
    }
    return ReadResult(rows=rows.cast(REVIEWS_SCHEMA), rejects=rejects, stats=stats)


def collapse_variant_copies(rows: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Keep the first line of each 2018 review copied across variant asins.

    A copy is the same reviewer, day and text; 2014 files carry no such copies, so their rows
    are never touched (two short identical reviews on one day are real there).
    """
    key = [C.USER_ID, C.TIMESTAMP, C.REVIEW_TEXT]
    is_copy = (pl.col(C.SOURCE_FORMAT) == "2018") & pl.struct(key).is_duplicated() & ~pl.struct(key).is_first_distinct()
    kept = rows.sort(C.LINE_NUMBER).filter(~is_copy)
    return kept, len(rows) - len(kept)
