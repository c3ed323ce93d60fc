"""One chunk of a JSON-lines review file (2014, 2018 or 2023 format) into reviews rows and rejects.

2014 (e.g. reviews_Clothing_Shoes_and_Jewelry_5.json.gz): reviewerID, asin, reviewerName?,
helpful [votes, total], reviewText, overall, summary, unixReviewTime, reviewTime "MM D, YYYY".
2018 (e.g. Clothing_Shoes_and_Jewelry_5.json.gz): adds verified, vote ("1,234"), style {...},
image [...]; one review is often copied across the variant asins of a product.
2023 (Clothing_Shoes_and_Jewelry.jsonl): user_id, parent_asin (the product), asin (the variant),
rating, title, text, images, timestamp in milliseconds, helpful_vote, verified_purchase.
The format is told line by line from the fields present; each rejected line's reason names the
field as that format spells it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.jsonlines import RAW, decode_json_lines
from fashion_pipeline.sources.rejects import make_rejects
from fashion_pipeline.sources.review_schema import (
    EARLIEST_REVIEW, INT32_MAX, INT32_MIN, LINE_KEY, MS_PER_S, STAGED_SCHEMA, copy_keys, hash_keys,
)

RAW_SCHEMA = {
    # 2014 and 2018
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
    # 2023 (asin is shared: there it is the variant)
    "user_id": pl.Utf8,
    "parent_asin": pl.Utf8,
    "rating": pl.Float64,
    "title": pl.Utf8,
    "text": pl.Utf8,
    "timestamp": pl.Int64,
    "helpful_vote": pl.Int64,
    "verified_purchase": pl.Boolean,
}


def _blank(name: str) -> pl.Expr:
    return pl.col(name).fill_null("").str.strip_chars() == ""


def _style_text(table: pl.DataFrame) -> pl.Series:
    """The 2018 'style' (an object with product-specific keys) as JSON text. A second JSON parse,
    so only of the lines that name it: none in a 2014 or 2023 file."""
    style = pl.Series("_style", [None] * table.height, dtype=pl.Utf8)
    named = table[RAW].str.contains('"style"', literal=True).arg_true()
    if len(named):
        style = style.scatter(named, table[RAW].gather(named).str.json_path_match("$.style"))
    return style


def parse_json_reviews(path: Path, lines: list[bytes], first_line: int, now: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows with STAGED_SCHEMA, rejects) of `lines`, numbered from `first_line`."""
    table, rejects = decode_json_lines(path, lines, RAW_SCHEMA, first_line)
    is_2023 = pl.col("user_id").is_not_null() | pl.col("parent_asin").is_not_null()

    def named(old: str, new: str) -> pl.Expr:  # the reason in the line's own field names
        return pl.when(is_2023).then(pl.lit(new)).otherwise(pl.lit(old))

    review_time = pl.col("reviewTime").str.strptime(pl.Date, "%m %d, %Y", strict=False)
    timestamp = pl.when(is_2023).then(pl.col("timestamp") // MS_PER_S).otherwise(
        pl.coalesce(pl.col("unixReviewTime"), review_time.cast(pl.Datetime("ms")).dt.epoch("s"))
    )
    table = table.lazy().with_columns(
        _2023=is_2023,
        _user=pl.when(is_2023).then(pl.col("user_id")).otherwise(pl.col("reviewerID")),
        _item=pl.when(is_2023).then(pl.col("parent_asin")).otherwise(pl.col("asin")),
        _rating=pl.when(is_2023).then(pl.col("rating")).otherwise(pl.col("overall")),
        _ts=timestamp,
        _style=_style_text(table),
    )
    vote = pl.col("vote").str.replace_all(",", "").str.strip_chars().cast(pl.Int64, strict=False)
    helpful_out_of_range = (
        pl.col("helpful").list.eval(~pl.element().is_between(INT32_MIN, INT32_MAX)).list.any().fill_null(False)
    )
    reason = (
        pl.when(_blank("_user")).then(named("missing reviewerID", "missing user_id"))
        .when(_blank("_item")).then(named("missing asin", "missing parent_asin"))
        .when(pl.col("_rating").is_null()).then(named("missing or non-numeric overall", "missing or non-numeric rating"))
        .when(~pl.col("_rating").is_between(1.0, 5.0)).then(named("overall outside 1..5", "rating outside 1..5"))
        .when(pl.col("_ts").is_null()).then(named("missing or unparseable review time", "missing or unparseable timestamp"))
        .when(~pl.col("_ts").is_between(EARLIEST_REVIEW, now)).then(named("review time out of range", "timestamp out of range"))
        .when(helpful_out_of_range).then(pl.lit("helpful votes out of range"))
        .when(~vote.fill_null(0).is_between(INT32_MIN, INT32_MAX)).then(pl.lit("vote out of range"))
        .when(~pl.col("helpful_vote").fill_null(0).is_between(INT32_MIN, INT32_MAX)).then(pl.lit("helpful_vote out of range"))
        .otherwise(None)
    )
    table = table.with_columns(_reason=reason).collect()
    bad = table.filter(pl.col("_reason").is_not_null())
    rejects = pl.concat(
        [rejects, make_rejects(path, bad[C.LINE_NUMBER].to_list(), bad["_reason"].to_list(), bad[RAW].to_list())]
    ).sort(C.LINE_NUMBER)

    good = table.lazy().filter(pl.col("_reason").is_null())
    is_2018 = pl.col("verified").is_not_null() | pl.col("vote").is_not_null() | pl.col("_style").is_not_null()
    rows = good.select(
        pl.col("_user").str.strip_chars().alias(C.USER_ID),
        pl.col("_item").str.strip_chars().alias(C.ITEM_ID),
        pl.when(pl.col("_2023")).then(pl.col("asin").str.strip_chars()).alias(C.VARIANT_ASIN),
        pl.col("reviewerName").alias(C.REVIEWER_NAME),
        pl.col("_rating").cast(pl.Float32).alias(C.RATING),
        pl.coalesce(
            pl.col("helpful").list.get(0, null_on_oob=True),
            vote,
            pl.col("helpful_vote"),
            pl.lit(0),
        ).cast(pl.Int32).alias(C.HELPFUL_VOTES),
        pl.col("helpful").list.get(1, null_on_oob=True).cast(pl.Int32).alias(C.TOTAL_VOTES),
        pl.when(pl.col("_2023")).then(pl.col("text")).otherwise(pl.col("reviewText")).alias(C.REVIEW_TEXT),
        pl.when(pl.col("_2023")).then(pl.col("title")).otherwise(pl.col("summary")).alias(C.SUMMARY),
        pl.col("_ts").alias(C.TIMESTAMP),
        pl.from_epoch(pl.col("_ts"), time_unit="s").dt.date().alias(C.REVIEW_DATE),
        pl.when(pl.col("_2023")).then(pl.col("verified_purchase")).otherwise(pl.col("verified")).alias(C.VERIFIED),
        pl.col("_style").alias(C.STYLE),
        pl.when(pl.col("_2023")).then(pl.lit("2023")).when(is_2018).then(pl.lit("2018"))
        .otherwise(pl.lit("2014")).alias(C.SOURCE_FORMAT),
        pl.col(C.LINE_NUMBER),
        *hash_keys(LINE_KEY, pl.col(RAW).str.strip_chars()),
    ).with_columns(copy_keys())
    return rows.select(list(STAGED_SCHEMA)).cast(STAGED_SCHEMA).collect(), rejects
