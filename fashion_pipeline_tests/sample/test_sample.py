"""The sample is in the real formats, and carries the structure real data has."""

import ast
import gzip
import hashlib
import json
import re

import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.interactions import build_interactions, core_violations
from fashion_pipeline.sample.config import REAL_RATING_COUNTS, config_for, largest_remainder
from fashion_pipeline.sample.generate import TRUTH_FILE, generate_sample
from fashion_pipeline.sample.writers import METADATA_FILE, REVIEWS_FILE
from fashion_pipeline.sources.metadata import read_metadata
from fashion_pipeline.sources.reviews import read_reviews

WINTER_TYPES = ["Wool Coat", "Puffer Jacket", "Boots", "Sweater", "Scarf", "Beanie", "Knit Dress"]


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _purchases(sample_dir):
    inter = build_interactions(read_reviews(sample_dir / REVIEWS_FILE).rows)
    truth = pl.read_parquet(sample_dir / TRUTH_FILE)
    return inter.join(truth, on=C.ITEM_ID)


def test_same_seed_same_bytes_other_seed_other_data(tmp_path, small_sample):
    generate_sample(tmp_path / "again", scale="small", seed=0)
    generate_sample(tmp_path / "other", scale="small", seed=1)
    for name in (REVIEWS_FILE, METADATA_FILE):
        assert _sha(tmp_path / "again" / name) == _sha(small_sample / name)
        assert _sha(tmp_path / "other" / name) != _sha(small_sample / name)


def test_review_lines_are_the_2014_format(small_sample):
    with gzip.open(small_sample / REVIEWS_FILE, "rt") as fh:
        lines = fh.read().splitlines()
    assert len(lines) == config_for("small").reviews
    fields = ["reviewerID", "asin", "reviewerName", "helpful", "reviewText", "overall", "summary",
              "unixReviewTime", "reviewTime"]
    for line in lines[:200]:
        record = json.loads(line)
        assert [k for k in fields if k in record] == list(record)  # real order, name optional
        assert record["unixReviewTime"] % 86400 == 0
        assert re.fullmatch(r"\d{2} \d{1,2}, \d{4}", record["reviewTime"])
        assert not re.match(r"\d{2} 0", record["reviewTime"])  # day not zero-padded
        assert len(record["asin"]) == 10 and record["reviewerID"].startswith("A")
        assert record["helpful"][0] <= record["helpful"][1]


def test_metadata_lines_are_python_literals_not_json(small_sample):
    with gzip.open(small_sample / METADATA_FILE, "rt") as fh:
        lines = fh.read().splitlines()
    records = [ast.literal_eval(line) for line in lines]
    assert all(isinstance(r, dict) and "asin" in r for r in records)
    assert any("'" in line[:3] for line in lines)  # single-quoted, as Python writes dicts
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])
    assert any("&amp;" in line for line in lines)  # HTML entities, as in the real file
    assert 0.05 < np.mean(["brand" in r for r in records]) < 0.35  # brand usually absent


def test_five_core_and_rating_mix(small_sample):
    cfg = config_for("small")
    reviews = read_reviews(small_sample / REVIEWS_FILE).rows
    assert core_violations(build_interactions(reviews)) == {"users_below_k": 0, "items_below_k": 0}
    assert reviews[C.USER_ID].n_unique() == cfg.users and reviews[C.ITEM_ID].n_unique() == cfg.items
    counts = reviews[C.RATING].value_counts().sort(C.RATING, descending=True)["count"].to_list()
    assert tuple(counts) == largest_remainder(REAL_RATING_COUNTS, cfg.reviews)


def test_titles_name_the_true_attributes(small_sample):
    products = read_metadata(small_sample / METADATA_FILE).rows
    truth = pl.read_parquet(small_sample / TRUTH_FILE)
    both = products.join(truth, on=C.ITEM_ID, suffix="_true").filter(pl.col(C.TITLE).is_not_null())
    for attr, true in ((C.COLOUR, "colour_true"), (C.CATEGORY, "category_true"), (C.OCCASION, "style")):
        assert (both[attr] == both[true]).mean() > 0.97, attr


def test_winter_buys_differ_from_summer_buys(small_sample):
    df = _purchases(small_sample).with_columns(pl.col(C.SEASON).str.split("-").list.get(1).alias("s"))
    share = df.group_by("s").agg(pl.col("garment_type").is_in(WINTER_TYPES).mean().alias("w"))
    w = dict(share.iter_rows())
    assert w["winter"] > 2 * w["summer"]
    top = {s: set(df.filter(pl.col("s") == s)["garment_type"].value_counts().sort("count", descending=True)
                  ["garment_type"].head(3)) for s in ("winter", "summer")}
    assert top["winter"] != top["summer"]


def _top_share(df, attr):
    """Mean over users of the share of their purchases in their most bought value of attr."""
    return df.group_by(C.USER_IDX, attr).len().group_by(C.USER_IDX).agg(
        (pl.col("len").max() / pl.col("len").sum()).alias("s"))["s"].mean()


def test_users_concentrate_on_their_styles_and_rarely_repeat(small_sample):
    df = _purchases(small_sample)
    rng = np.random.default_rng(0)
    shuffled = df.with_columns(pl.Series("style", rng.permutation(df["style"].to_numpy())),
                               pl.Series("colour", rng.permutation(df["colour"].to_numpy())))
    for attr in ("style", "colour"):
        assert _top_share(df, attr) > _top_share(shuffled, attr) + 0.1, attr
    scp = df.select(C.USER_IDX, "style", "colour", "pattern")
    repeat_rate = 1 - scp.n_unique() / len(scp)
    assert repeat_rate < 0.12


def test_taste_drifts_from_first_to_last_purchases(small_sample):
    df = _purchases(small_sample).sort(C.USER_IDX, C.TIMESTAMP)
    df = df.with_columns(pl.int_range(pl.len()).over(C.USER_IDX).alias("k"), pl.len().over(C.USER_IDX).alias("n"))
    heavy = df.filter(pl.col("n") >= 8)
    early = heavy.filter(pl.col("k") < pl.col("n") // 2)
    late = heavy.filter(pl.col("k") >= pl.col("n") // 2)

    def top_style(d):
        return d.group_by(C.USER_IDX, "style").len().sort("len", descending=True).unique(C.USER_IDX, keep="first")

    joined = top_style(early).join(top_style(late), on=C.USER_IDX)
    changed = (joined["style"] != joined["style_right"]).mean()
    assert 0.1 < changed < 0.9


@pytest.mark.slow
def test_full_scale_matches_the_real_file(tmp_path):
    generate_sample(tmp_path, scale="full", seed=0)
    reviews = read_reviews(tmp_path / REVIEWS_FILE)
    assert reviews.rejects.is_empty()
    rows = reviews.rows
    assert len(rows) == 278_677
    assert rows[C.USER_ID].n_unique() == 39_387
    assert rows[C.ITEM_ID].n_unique() == 23_033
    counts = rows[C.RATING].value_counts().sort(C.RATING, descending=True)["count"].to_list()
    assert counts == [163_240, 58_357, 30_425, 15_463, 11_192]
    assert core_violations(build_interactions(rows)) == {"users_below_k": 0, "items_below_k": 0}
    years = rows[C.REVIEW_DATE].dt.year()
    assert years.min() == 2003 and years.max() == 2014
    per_year = years.value_counts().sort(C.REVIEW_DATE)["count"].to_list()
    assert per_year[-2] > per_year[-4] > per_year[-6]  # 2013 > 2011 > 2009: growth
    df = _purchases(tmp_path)
    shuffled = df.with_columns(pl.Series("style", np.random.default_rng(0).permutation(df["style"].to_numpy())))
    assert _top_share(df, "style") > _top_share(shuffled, "style") + 0.1



def test_a_written_sample_is_current_until_its_settings_change(small_sample, tmp_path):
    from dataclasses import asdict

    from fashion_pipeline.sample.generate import sample_is_current

    assert sample_is_current(small_sample)
    assert not sample_is_current(small_sample, seed=1)
    assert not sample_is_current(small_sample, scale="full")
    # the full scale's config holds tuples (rating counts); JSON gives them back as lists
    full = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(config_for("full")).items()}
    assert any(isinstance(v, tuple) for v in full.values())
    (tmp_path / "sample.json").write_text(json.dumps({"seed": 0, "config": full}))
    assert sample_is_current(tmp_path, scale="full")
