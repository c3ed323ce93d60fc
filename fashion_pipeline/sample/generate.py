"""`fashion-pipeline sample`: write the whole sample, in the real file formats, to one folder."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl
from PIL import Image

from fashion_pipeline.sample import deepfashion, writers
from fashion_pipeline.sample.behaviour import SampleBehaviour, generate_behaviour
from fashion_pipeline.sample.catalog import (
    BRANDS, CATEGORIES, CATEGORY_PATHS, COLOUR_TITLE_WORDS, COLOURS, FIRST_NAMES, GARMENT_TYPES,
    PATTERN_TITLE_WORDS, PATTERNS, STYLE_TITLE_WORDS, STYLES, TYPE_NAMES, WOMEN_ONLY,
)
from fashion_pipeline.sample.config import SampleConfig, config_for
from fashion_pipeline.sample.identifiers import asins, reviewer_ids
from fashion_pipeline.sample.images import jpeg_bytes, product_photo
from fashion_pipeline.sample.text import review_texts
from fashion_pipeline.sources.atomic import write_bytes, write_parquet

TRUTH_FILE = "sample_truth.parquet"  # the latent item attributes, for tests and benchmarks


@dataclass
class SampleSummary:
    out_dir: str
    scale: str
    seed: int
    users: int
    items: int
    reviews: int
    deepfashion_images: int


FORMATS = ("2014", "2023")


def generate_sample(out_dir: str | Path, scale: str = "small", seed: int = 0, fmt: str = "2014",
                    **overrides) -> SampleSummary:
    """Write the sample to `out_dir` with the real file names at its top level; `fmt` "2023"
    writes the reviews and metadata in the 2023 release's layout and names instead."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    cfg = config_for(scale, **overrides)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Independent streams: changing how pictures are drawn never changes who bought what.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    behaviour = generate_behaviour(cfg, streams[0])
    user_ids = reviewer_ids(streams[1], cfg.users)
    item_ids = asins(streams[1], cfg.items)
    items = item_table(behaviour, item_ids, streams[2])
    reviews = review_table(behaviour, user_ids, items, streams[3])

    metadata = metadata_records(items, behaviour, streams[2], cfg.max_copurchase_basket)
    if fmt == "2023":
        writers.write_reviews_2023(out / writers.REVIEWS_2023_FILE, reviews_2023(reviews, streams[3]))
        writers.write_metadata_2023(out / writers.METADATA_2023_FILE, metadata_2023(metadata, reviews))
    else:
        writers.write_reviews(out / writers.REVIEWS_FILE, reviews)
        writers.write_metadata(out / writers.METADATA_FILE, metadata)
    write_dvbpr_sample(out / writers.DVBPR_FILE, cfg, behaviour, items, user_ids, streams[4])
    n_images = deepfashion.write_inshop(out / writers.INSHOP_DIR, cfg.deepfashion_items, streams[4])
    truth = items.select("asin", "garment_type", "category", "style", "colour", "pattern", "season")
    write_parquet(truth, out / TRUTH_FILE)
    summary = SampleSummary(str(out), scale, seed, cfg.users, cfg.items, cfg.reviews, n_images)
    write_bytes(json.dumps({**asdict(summary), "format": fmt, "config": _jsonable(cfg)}, indent=2).encode(),
                out / "sample.json")
    return summary


def sample_is_current(out_dir: str | Path, scale: str = "small", seed: int = 0) -> bool:
    """True when `out_dir` holds a sample written with today's generator settings."""
    manifest = Path(out_dir) / "sample.json"
    if not manifest.exists():
        return False
    written = json.loads(manifest.read_text())
    # compare as JSON reads it back: tuples in the config come back as lists
    return written.get("seed") == seed and written.get("config") == json.loads(json.dumps(_jsonable(config_for(scale))))


def _jsonable(cfg: SampleConfig) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(cfg).items()}


def item_table(b: SampleBehaviour, item_ids: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    """One row per item: latent attributes, and the title that names them."""
    n = len(item_ids)
    types = np.array(TYPE_NAMES)[b.item_type]
    style = np.array(STYLES)[b.item_style]
    colour = np.array(COLOURS)[b.item_colour]
    pattern = np.array(PATTERNS)[b.item_pattern]
    gender = np.where((rng.random(n) < 0.7) | np.isin(types, WOMEN_ONLY), "Women", "Men")
    pick = rng.integers(0, 2, (n, 3))
    style_word = np.array([STYLE_TITLE_WORDS[s][k % len(STYLE_TITLE_WORDS[s])] for s, k in zip(style, pick[:, 0])])
    colour_word = np.array([COLOUR_TITLE_WORDS[c][k] for c, k in zip(colour, pick[:, 1])])
    pattern_word = np.array([PATTERN_TITLE_WORDS[p][k] for p, k in zip(pattern, pick[:, 2])])
    season = np.array([GARMENT_TYPES[t][1] or "all-year" for t in types])
    # Some winter/summer garments say so in the title, as real listings often do.
    season_word = np.where((season == "winter") & (rng.random(n) < 0.5), "Winter ",
                           np.where((season == "summer") & (rng.random(n) < 0.5), "Summer ", ""))
    title = np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(
        np.char.add(gender, "'s "), style_word), " "), colour_word), " "), np.where(
        (pattern == "solid") & (rng.random(n) < 0.5), "", np.char.add(pattern_word, " "))), season_word), types)
    return pl.DataFrame({
        "item_idx": np.arange(n), "asin": item_ids, "garment_type": types,
        "category": np.array([GARMENT_TYPES[t][0] for t in types]), "style": style, "colour": colour,
        "pattern": pattern, "season": season, "gender": gender, "title": title,
        "colour_word": colour_word, "pattern_word": pattern_word,
    })


def review_table(b: SampleBehaviour, user_ids: np.ndarray, items: pl.DataFrame, rng) -> pl.DataFrame:
    """Review columns in the 2014 field order, lines grouped by product as in the real file."""
    n = len(b.user)
    # About 1 in 600 reviews has no reviewerName (469 of 278,677 in the real file).
    names = np.char.add(np.char.add(np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), len(user_ids))], " "),
                        np.array(list("ABCDEFGHJKLMNPRSTW"))[rng.integers(0, 18, len(user_ids))])
    total = np.where(rng.random(n) < 0.35, rng.geometric(0.4, n), 0)
    helpful = np.minimum(total, rng.binomial(total, 0.7))
    df = pl.DataFrame({
        "user": b.user, "item_idx": b.item, "rating": b.rating, "ts": b.timestamp,
        "pick": rng.integers(0, 60, n), "no_name": rng.random(n) < 469 / 278_677,
        "helpful": helpful, "total": total,
    }).join(items.select("item_idx", "asin", "garment_type", "style", "colour_word", "pattern_word"), on="item_idx")
    text, summary = review_texts(
        pl.col("rating"), pl.col("pick"),
        garment=pl.col("garment_type").str.to_lowercase(), colour=pl.col("colour_word").str.to_lowercase(),
        pattern=pl.col("pattern_word").str.to_lowercase(), style=pl.col("style"),
    )
    date = pl.from_epoch("ts", time_unit="s")
    df = df.with_columns(
        text=text, summary=summary,
        reviewTime=pl.format("{} {}, {}", date.dt.strftime("%m"), date.dt.day(), date.dt.year()),
    ).sort("asin", "ts", "user")
    users = df["user"].to_numpy()
    return pl.DataFrame({
        "reviewerID": user_ids[users],
        "asin": df["asin"],
        "reviewerName": pl.Series(names[users]).zip_with(~df["no_name"], pl.Series([None], dtype=pl.Utf8)),
        "helpful_votes": df["helpful"],
        "total_votes": df["total"],
        "reviewText": df["text"],
        "overall": df["rating"].cast(pl.Float64),
        "summary": df["summary"],
        "unixReviewTime": df["ts"],
        "reviewTime": df["reviewTime"],
    })


def reviews_2023(reviews: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """The same reviews in the 2023 layout: the item is the parent_asin, a few reviews are of a
    second variant of it, timestamps in milliseconds within the review's day."""
    n = len(reviews)
    second_variant = rng.random(n) < 0.05
    return pl.DataFrame({
        "rating": reviews["overall"],
        "title": reviews["summary"],
        "text": reviews["reviewText"],
        "asin": pl.Series(np.where(second_variant, np.char.add("V", reviews["asin"].str.slice(1).to_numpy().astype(str)),
                                   reviews["asin"].to_numpy().astype(str))),
        "parent_asin": reviews["asin"],
        "user_id": reviews["reviewerID"],
        "timestamp": reviews["unixReviewTime"] * 1000 + rng.integers(0, 86_400_000, n),
        "helpful_vote": reviews["helpful_votes"],
        "verified_purchase": rng.random(n) < 0.9,
    })


def metadata_2023(records: list[dict], reviews: pl.DataFrame) -> list[dict]:
    """The 2014 metadata records in the 2023 layout (formats.md 2e)."""
    stats = dict((a, (r, k)) for a, r, k in reviews.group_by("asin").agg(
        pl.col("overall").mean().round(1), pl.len()).iter_rows())
    out = []
    for d in records:
        rating, count = stats.get(d["asin"], (None, 0))
        out.append({
            "main_category": "AMAZON FASHION", "title": d.get("title"), "average_rating": rating,
            "rating_number": count, "features": [], "description": [d["description"]] if "description" in d else [],
            "price": d.get("price"), "images": [{"thumb": d["imUrl"], "large": d["imUrl"], "hi_res": None, "variant": "MAIN"}],
            "videos": [], "store": d.get("brand"), "categories": d["categories"][0], "details": {},
            "parent_asin": d["asin"], "bought_together": None,
        })
    return out


def metadata_records(items: pl.DataFrame, b: SampleBehaviour, rng: np.random.Generator,
                     max_basket: int | None = None) -> list[dict]:
    """2014 metadata dicts: brand, price and description usually absent, as in the real file."""
    n = len(items)
    # Items bought by the same users: the real file's also_bought lists.
    co = pl.DataFrame({"user": b.user, "item_idx": b.item})
    if max_basket is not None:  # the self-join grows with the square of a basket: bound it
        co = co.filter(pl.int_range(pl.len()).over("user") < max_basket)
    pairs = co.join(co, on="user", suffix="_other").filter(pl.col("item_idx") != pl.col("item_idx_other"))
    top = (pairs.group_by("item_idx", "item_idx_other").len()
           .sort(["item_idx", "len", "item_idx_other"], descending=[False, True, False])
           .group_by("item_idx", maintain_order=True).head(6))
    also = dict(top.group_by("item_idx", maintain_order=True).agg("item_idx_other").iter_rows())
    asin_of = items["asin"].to_list()
    records = []
    has_brand = rng.random(n) < 0.17
    has_price = rng.random(n) < 0.41
    has_desc = rng.random(n) < 0.055
    has_title = rng.random(n) >= 0.001
    price = np.round(rng.lognormal(3.0, 0.6, n), 2)
    rank = rng.integers(1_000, 2_000_000, n)
    brand = rng.integers(0, len(BRANDS), n)
    for i, row in enumerate(items.iter_rows(named=True)):
        d: dict = {"asin": row["asin"]}
        if has_title[i]:
            d["title"] = row["title"]
        if has_price[i]:
            d["price"] = float(price[i])
        d["imUrl"] = f"http://ecx.images-amazon.com/images/I/{row['asin']}.jpg"
        others = [asin_of[j] for j in also.get(row["item_idx"], [])]
        if others:
            d["related"] = {"also_bought": others[:4], "also_viewed": others[2:]}
        d["salesRank"] = {"Clothing": int(rank[i])} if rank[i] % 7 else {}
        if has_brand[i]:
            d["brand"] = BRANDS[brand[i]]
        d["categories"] = [[c.format(gender=row["gender"]) for c in CATEGORY_PATHS[row["category"]]]]
        if has_desc[i]:
            d["description"] = f"A {row['style']} {row['garment_type'].lower()} in {row['colour_word'].lower()}. Machine wash cold &amp; hang dry."
        records.append(d)
    return records


def write_dvbpr_sample(path: Path, cfg: SampleConfig, b: SampleBehaviour, items: pl.DataFrame,
                       user_ids: np.ndarray, rng: np.random.Generator) -> None:
    """Item i of the .npy is the i-th asin in sorted order; users likewise by reviewerID."""
    order = items.sort("asin")
    item_pos = np.empty(len(items), dtype=np.int64)
    item_pos[order["item_idx"].to_numpy()] = np.arange(len(items))
    user_pos = np.argsort(np.argsort(user_ids))
    cat = np.eye(len(CATEGORIES), dtype=np.float32)
    npy_items = []
    placeholder = None
    for k, row in enumerate(order.iter_rows(named=True)):
        if cfg.npy_photos is None or k < cfg.npy_photos:
            photo = jpeg_bytes(product_photo(row["garment_type"], row["colour"], row["pattern"], cfg.npy_image_size, rng))
        else:  # beyond the cap every item shares one grey photo, which pickle stores once
            if placeholder is None:
                placeholder = jpeg_bytes(Image.new("RGB", (cfg.npy_image_size,) * 2, (128, 128, 128)))
            photo = placeholder
        npy_items.append({"imgs": photo, "c": cat[CATEGORIES.index(row["category"])]})
    # leave-last-out by time per user, as DVBPR's partition
    df = pl.DataFrame({"u": user_pos[b.user], "i": item_pos[b.item], "t": b.timestamp}).sort("u", "t")
    df = df.with_columns(rank_from_end=pl.int_range(pl.len()).reverse().over("u"))
    parts = {}
    for name, cond in (("train", pl.col("rank_from_end") >= 2), ("val", pl.col("rank_from_end") == 1),
                       ("test", pl.col("rank_from_end") == 0)):
        grouped = df.filter(cond).group_by("u").agg("i")
        parts[name] = {int(u): [{"productid": int(i)} for i in its] for u, its in grouped.iter_rows()}
    writers.write_dvbpr(path, parts["train"], parts["val"], parts["test"], npy_items, cfg.users, cfg.items)
