"""The large scales (10x, the 2018 5-core's counts) and the 2023 layout of the sample."""

import gzip
import hashlib
import json

from fashion_pipeline import columns as C
from fashion_pipeline.sample.config import config_for
from fashion_pipeline.sample.generate import generate_sample
from fashion_pipeline.sample.writers import METADATA_2023_FILE, REVIEWS_2023_FILE, REVIEWS_FILE
from fashion_pipeline.sources.metadata import read_metadata
from fashion_pipeline.sources.reviews import read_reviews

# A 2018-scale config shrunk to seconds: the same code path (photo cap, bounded baskets).
TINY_2018 = dict(users=300, items=120, reviews=2_000, npy_photos=10, max_copurchase_basket=3, deepfashion_items=8)
REVIEW_FIELDS_2023 = {"rating": float, "title": str, "text": str, "images": list, "asin": str, "parent_asin": str,
                      "user_id": str, "timestamp": int, "helpful_vote": int, "verified_purchase": bool}
META_FIELDS_2023 = {"main_category", "title", "average_rating", "rating_number", "features", "description", "price",
                    "images", "videos", "store", "categories", "details", "parent_asin", "bought_together"}


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_2018_scale_has_the_2018_five_core_counts():
    cfg = config_for("2018")
    assert (cfg.users, cfg.items, cfg.reviews) == (1_219_678, 376_858, 11_285_464)
    assert cfg.npy_photos is not None and cfg.npy_photos < cfg.items  # the .npy stays small
    assert (config_for("10x").reviews, config_for("10x").users) == (2_786_770, 393_870)


def test_2023_layout_has_the_release_fields_and_joins_on_parent_asin(tmp_path):
    out = generate_sample(tmp_path / "s", scale="2018", seed=3, fmt="2023", **TINY_2018).out_dir
    with gzip.open(f"{out}/{REVIEWS_2023_FILE}", "rt") as fh:
        reviews = [json.loads(line) for line in fh]
    assert len(reviews) == 2_000
    for r in reviews[:50]:
        assert {k: type(v) for k, v in r.items()} == REVIEW_FIELDS_2023
        assert r["timestamp"] > 10**12  # milliseconds
    variants = {r["asin"] for r in reviews} - {r["parent_asin"] for r in reviews}
    assert variants and all(v.startswith("V") for v in variants)  # some reviews are of a second variant
    with gzip.open(f"{out}/{METADATA_2023_FILE}", "rt") as fh:
        meta = [json.loads(line) for line in fh]
    assert all(set(m) == META_FIELDS_2023 for m in meta)
    assert {r["parent_asin"] for r in reviews} == {m["parent_asin"] for m in meta}
    parsed = read_reviews(f"{out}/{REVIEWS_2023_FILE}")
    assert parsed.rejects.is_empty() and parsed.rows.height == 2_000 and set(parsed.rows[C.SOURCE_FORMAT]) == {"2023"}
    products = read_metadata(f"{out}/{METADATA_2023_FILE}", keep_asins=parsed.rows[C.ITEM_ID].unique().to_list())
    assert products.rows.height == 120 and products.rows[C.COLOUR].null_count() == 0


def test_same_seed_same_bytes_at_every_scale_and_format(tmp_path):
    for fmt, name in (("2014", REVIEWS_FILE), ("2023", REVIEWS_2023_FILE)):
        a = generate_sample(tmp_path / f"a{fmt}", scale="2018", seed=1, fmt=fmt, **TINY_2018).out_dir
        b = generate_sample(tmp_path / f"b{fmt}", scale="2018", seed=1, fmt=fmt, **TINY_2018).out_dir
        assert _sha(tmp_path / f"a{fmt}" / name) == _sha(tmp_path / f"b{fmt}" / name), fmt
        assert a != b


def test_capped_photos_share_one_placeholder(tmp_path):
    from fashion_pipeline.sources.dvbpr import IMAGE_BYTES, ITEM_INDEX, load_dvbpr

    out = generate_sample(tmp_path / "s", scale="2018", seed=0, **TINY_2018).out_dir
    items = load_dvbpr(f"{out}/AmazonFashion6ImgPartitioned.npy").items.sort(ITEM_INDEX)
    photos = items[IMAGE_BYTES].to_list()
    assert len(photos) == 120
    assert len(set(photos[:10])) == 10 and len(set(photos[10:])) == 1
