"""Sizes and knobs of the generated sample."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

# The real Clothing, Shoes & Jewelry 5-core rating mix, 5 stars first.
REAL_RATING_COUNTS = (163_240, 58_357, 30_425, 15_463, 11_192)


@dataclass(frozen=True)
class SampleConfig:
    users: int
    items: int
    reviews: int
    # Reviews per rating value, 5 stars first; None = the real mix scaled to `reviews`.
    rating_counts: tuple[int, ...] | None = None
    # Every user and item has at least this many reviews, as in a 5-core file.
    min_degree: int = 5
    # Review dates: the real file spans 2003 to July 2014.
    first_day: date = date(2003, 1, 1)
    last_day: date = date(2014, 7, 23)
    # Yearly growth of review activity: the real file has most reviews in 2012-2014.
    yearly_growth: float = 0.75
    # Mean days over which one user's reviews spread (exponential).
    user_span_days: float = 420.0
    # Lognormal sigma of extra reviews per user / per item: the long tails of real activity.
    user_activity_sigma: float = 1.0
    item_popularity_sigma: float = 1.2
    # Caps: no item bought by more than this share of users, no user buying this share of items.
    max_item_share: float = 0.1
    max_user_share: float = 0.25
    # Dirichlet concentration of user tastes: small = a user sticks to few styles/colours/patterns.
    # At 0.35/0.25 collaborative filtering could not beat popularity on the small sample; at
    # 0.15/0.1 it does (ALS validation NDCG@10 0.093 vs 0.055), as on real fashion data.
    style_concentration: float = 0.15
    colour_concentration: float = 0.1
    pattern_concentration: float = 0.35
    category_concentration: float = 2.0
    # How far a user's taste moves from first to last purchase (0 = static, 1 = a new taste).
    taste_drift: float = 0.4
    # Share of purchases allowed to repeat a style-colour-pattern the user already bought.
    repeat_share: float = 0.03
    # Weight multiplier of in-season garment types (coats in winter), and of the opposite season.
    in_season_boost: float = 4.0
    off_season_factor: float = 0.25
    # Noise of the rating given the taste match (larger = ratings less tied to taste).
    rating_noise: float = 1.0
    # Side of the square JPEGs in the DVBPR .npy (smaller at full scale to stay fast).
    npy_image_size: int = 96
    # DeepFashion In-shop sample: number of garment items (each has 2-4 photos at 256x256).
    deepfashion_items: int = 60
    # Items of the DVBPR .npy with a drawn photo (None: all); the rest share one grey photo, so
    # the file stays small at the 2018 size (376,858 items) and writes in seconds.
    npy_photos: int | None = None
    # Items per user that count for also_bought (None: all): the co-purchase self-join grows with
    # the square of a basket, which at the 2018 size is hundreds of millions of pairs.
    max_copurchase_basket: int | None = None


    def rating_mix(self) -> tuple[int, ...]:
        if self.rating_counts is not None:
            return self.rating_counts
        return largest_remainder(REAL_RATING_COUNTS, self.reviews)


def largest_remainder(weights, total: int) -> tuple[int, ...]:
    """Integers proportional to `weights` that sum exactly to `total`."""
    s = sum(weights)
    raw = [w * total / s for w in weights]
    base = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - base[i], reverse=True)
    for i in order[: total - sum(base)]:
        base[i] += 1
    return tuple(base)


SCALES: dict[str, SampleConfig] = {
    # Small enough that the demo and tests train on it in seconds, large enough for structure.
    # 200 DeepFashion items (613 photos, 300 for training): with the default 60 the detector
    # stayed at mAP50 0.54; with 200 it reaches 0.84 (fashion_pipeline.vision.detector). +1 s to write.
    "small": SampleConfig(users=1_200, items=500, reviews=8_496, deepfashion_items=200),
    # Exactly the real file's counts and rating mix.
    "full": SampleConfig(
        users=39_387, items=23_033, reviews=278_677, rating_counts=REAL_RATING_COUNTS,
        npy_image_size=48, deepfashion_items=400,
    ),
    # Ten times "full": the middle size of the ingestion benchmark.
    "10x": SampleConfig(
        users=393_870, items=230_330, reviews=2_786_770,
        npy_image_size=48, deepfashion_items=400, npy_photos=20_000, max_copurchase_basket=30,
    ),
    # The 2018 Clothing, Shoes & Jewelry 5-core's counts (formats.md 2f); its 2014-layout lines
    # by default, the 2023 layout with --format 2023.
    "2018": SampleConfig(
        users=1_219_678, items=376_858, reviews=11_285_464, last_day=date(2018, 10, 1),
        npy_image_size=48, deepfashion_items=400, npy_photos=20_000, max_copurchase_basket=30,
    ),
}


def config_for(scale: str, **overrides) -> SampleConfig:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    return replace(SCALES[scale], **overrides)
