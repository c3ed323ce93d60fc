"""The streamed 2023-release-size generator (sample/release_2023.py), at tiny counts."""

import gzip
import hashlib
import json
from dataclasses import replace
from datetime import datetime, timezone

import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.sample.release_2023 import MANIFEST_FILE, Release2023Config, write_release_2023
from fashion_pipeline.sample.writers import METADATA_2023_FILE, REVIEWS_2023_FILE
from fashion_pipeline.sources.metadata import read_metadata
from fashion_pipeline.sources.reviews import read_reviews

# Blocks that do not divide the counts: 3 review blocks, 4 metadata blocks, several writes a block.
TINY = Release2023Config(users=2_000, items=1_000, reviews=5_000, block_users=700, block_items=300,
                         write_lines=900, seed=7)
REVIEW_FIELDS = {"rating": float, "title": str, "text": str, "images": list, "asin": str, "parent_asin": str,
                 "user_id": str, "timestamp": int, "helpful_vote": int, "verified_purchase": bool}
META_FIELDS = ["main_category", "title", "average_rating", "rating_number", "features", "description", "price",
               "images", "videos", "store", "categories", "details", "parent_asin", "bought_together"]


def _ms(year, month, day):
    return int(datetime(year, month, day, tzinfo=timezone.utc).timestamp() * 1000)


def _lines(path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return fh.read().splitlines()


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("release2023")
    messages = []
    write_release_2023(out, TINY, progress=messages.append)
    return out, messages


def test_exact_line_counts_and_manifest(tiny):
    out, messages = tiny
    assert len(_lines(out / REVIEWS_2023_FILE)) == 5_000
    assert len(_lines(out / METADATA_2023_FILE)) == 1_000
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    counts = (manifest["users"], manifest["items"], manifest["reviews"], manifest["format"])
    assert counts == (2_000, 1_000, 5_000, "2023")
    # one progress line per block: 3 of users, 4 of items
    assert sum(m.startswith(REVIEWS_2023_FILE + ":") for m in messages) == 3
    assert sum(m.startswith(METADATA_2023_FILE + ":") for m in messages) == 4
    assert "5,000 lines written" in messages[2] and "lines/s" in messages[2]


def test_lines_are_json_exactly_as_json_dumps_writes_them(tiny):
    out, _ = tiny
    reviews = _lines(out / REVIEWS_2023_FILE)
    for line in reviews:
        record = json.loads(line)
        assert json.dumps(record) == line
        assert {k: type(v) for k, v in record.items()} == REVIEW_FIELDS
        assert 1.0 <= record["rating"] <= 5.0 and record["images"] == []
        assert 40 <= len(record["text"]) <= 150
    for line in _lines(out / METADATA_2023_FILE):
        record = json.loads(line)
        assert json.dumps(record) == line
        assert list(record) == META_FIELDS


def test_same_seed_same_bytes_other_seed_other_bytes(tiny, tmp_path):
    out, _ = tiny
    write_release_2023(tmp_path / "same", TINY)
    write_release_2023(tmp_path / "other", replace(TINY, seed=8))
    for name in (REVIEWS_2023_FILE, METADATA_2023_FILE):
        assert _sha(out / name) == _sha(tmp_path / "same" / name), name
        assert _sha(out / name) != _sha(tmp_path / "other" / name), name


def test_our_readers_take_every_line(tiny):
    out, _ = tiny
    reviews = read_reviews(out / REVIEWS_2023_FILE)
    assert reviews.rejects.is_empty() and reviews.stats["rejected"] == 0
    assert reviews.rows.height == 5_000  # no line is a repeat or a variant copy of another
    assert set(reviews.rows[C.SOURCE_FORMAT]) == {"2023"}
    products = read_metadata(out / METADATA_2023_FILE)
    assert products.rejects.is_empty() and products.rows.height == 1_000
    assert products.rows[C.COLOUR].null_count() == 0  # the titles name a colour, as the sample's do
    # every review's product is in the metadata; every user and item has a review (0-core)
    assert set(reviews.rows[C.ITEM_ID]) == set(products.rows[C.ITEM_ID])
    assert reviews.rows[C.USER_ID].n_unique() == 2_000
    assert reviews.rows[C.ITEM_ID].n_unique() == 1_000


def test_users_items_times_and_repeats_look_like_the_release(tiny):
    out, _ = tiny
    df = pl.DataFrame([json.loads(line) for line in _lines(out / REVIEWS_2023_FILE)])
    per_user = df.group_by("user_id").len()["len"]
    assert per_user.min() == 1 and (per_user <= 3).mean() > 0.7 and per_user.max() >= 10  # 1-3, heavy tail
    per_item = df.group_by("parent_asin").len()["len"]
    assert per_item.min() == 1 and per_item.max() >= 20  # popular items
    assert df["timestamp"].is_between(_ms(1996, 5, 1), _ms(2023, 9, 30)).all()  # milliseconds
    assert (df["timestamp"] >= _ms(2015, 1, 1)).mean() > 0.7  # most reviews are recent
    assert (df["timestamp"] % 1000 != 0).mean() > 0.9  # millisecond precision, not seconds * 1000
    repeats = df.height - df.select("user_id", "parent_asin").n_unique()
    assert 0.001 <= repeats / df.height <= 0.02  # about 0.5%
    variants = (df["asin"] != df["parent_asin"]).mean()
    assert 0.03 <= variants <= 0.15 and df["asin"].str.len_chars().eq(10).all()
    assert df["user_id"].str.contains(r"^A[A-Z2-7]{27}$").all()
    # each user's lines are together and in time order, users in block order
    assert df.with_columns(pl.col("timestamp").diff().over("user_id"))["timestamp"].drop_nulls().min() >= 0
    assert df["user_id"].rle_id().max() + 1 == 2_000


def test_the_default_config_has_the_release_counts():
    cfg = Release2023Config()
    assert (cfg.users, cfg.items, cfg.reviews) == (22_600_000, 7_200_000, 66_000_000)


def test_counts_that_cannot_be_0_core_are_refused(tmp_path):
    with pytest.raises(ValueError, match="at least"):
        write_release_2023(tmp_path, replace(TINY, reviews=1_500))


def test_cli_scale_2023_needs_format_2023(tmp_path, capsys):
    from fashion_pipeline.cli import main

    assert main(["sample", "--out", str(tmp_path), "--scale", "2023"]) == 2
    err = capsys.readouterr().err
    assert "--scale 2023" in err and "--format 2023" in err
    assert not any(tmp_path.iterdir())


def test_cli_scale_2023_writes_the_release_names(tmp_path, capsys, monkeypatch):
    from fashion_pipeline.cli import main
    from fashion_pipeline.sample import release_2023

    # the real counts are hours of work: the same command path at the tiny counts
    monkeypatch.setattr(release_2023, "Release2023Config", lambda seed: replace(TINY, seed=seed))
    assert main(["sample", "--out", str(tmp_path), "--scale", "2023", "--format", "2023", "--seed", "7"]) == 0
    captured = capsys.readouterr()
    assert "5,000 reviews" in captured.out and "lines/s" in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([REVIEWS_2023_FILE, METADATA_2023_FILE, MANIFEST_FILE])
