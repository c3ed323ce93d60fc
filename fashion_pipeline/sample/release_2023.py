"""Stream review and metadata files of the 2023 release's Clothing_Shoes_and_Jewelry size
(formats.md 2e: 66.0M reviews, 22.6M users, 7.2M items, 0-core) in the release's layout.

The sample generator (generate.py) builds everything in memory; this module never holds more
than one block. Users are generated in blocks (default 500,000), each block from its own numpy
Generator seeded by (seed, block index) alone, its lines built as polars string expressions and
appended to a gzip file (level 1) by a background thread, so compression overlaps building the
next lines. Metadata follows in blocks of items. Memory stays flat whatever the counts: one
block, plus per-item arrays (popularity, attributes, review counts: about 30 bytes an item).

* Every user and every item has at least one review, so the counts are exact: each block of
  users carries a fixed share of the reviews and "covers" a fixed range of items (one review
  each); the remaining reviews go to items drawn by inverse-CDF sampling (np.searchsorted on
  sorted uniforms) over a Zipf-like popularity of item ranks.
* User activity is a lognormal weight per user; a block's extra reviews (beyond one per user)
  are split multinomially by those weights: most users have 1-3 reviews, a few hundreds.
* A small share of reviews repeat a parent_asin the user reviewed before (at another time).
* Lines are strict JSON exactly as json.dumps writes them (the writers' field order). Every
  string is built from ids (ASCII letters and digits) and a vocabulary checked once to need no
  JSON escaping, so concatenation is safe.
"""

from __future__ import annotations

import gzip
import io
import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from html import unescape
from pathlib import Path

import numpy as np
import polars as pl

from fashion_pipeline.sample import text, writers
from fashion_pipeline.sample.catalog import (
    BRANDS, CATEGORY_PATHS, COLOUR_TITLE_WORDS, GARMENT_TYPES, PATTERN_TITLE_WORDS, STYLE_TITLE_WORDS,
    STYLES, TYPE_NAMES, WOMEN_ONLY,
)
from fashion_pipeline.sources.atomic import atomic_path, write_bytes

MANIFEST_FILE = "sample.json"
GZIP_LEVEL = 1  # speed over size: a level-1 pass over ~20 GB is minutes, level 6 much longer


@dataclass(frozen=True)
class Release2023Config:
    # The real category's counts (formats.md 2e); tests pass tiny ones.
    users: int = 22_600_000
    items: int = 7_200_000
    reviews: int = 66_000_000
    # Users per block: what memory holds at once (about 3 reviews and 1 KB of lines a user).
    block_users: int = 500_000
    # Items per metadata block.
    block_items: int = 500_000
    # Lines built and handed to the compressor at once (bounds the text in memory).
    write_lines: int = 250_000
    # Same seed and config, same bytes.
    seed: int = 0
    # Lognormal sigma of user activity: 1.8 gives ~58% one-review users, ~84% with 1-3.
    user_activity_sigma: float = 1.8
    # Item popularity ~ (rank + zipf_offset) ** -zipf_exponent: at the real counts the top item
    # gets ~50K reviews and ~22% of items only their one covering review (computed from the weights).
    zipf_exponent: float = 1.0
    zipf_offset: float = 100.0
    # Share of reviews that repeat a parent_asin the same user reviewed before.
    repeat_share: float = 0.005
    # Share of reviews of a variant asin other than the parent_asin (up to 3 variants an item).
    variant_share: float = 0.08
    verified_share: float = 0.9
    # Review dates: the release's span; activity grows by this rate a year (most after 2015).
    first_day: date = date(1996, 5, 1)
    last_day: date = date(2023, 9, 30)
    yearly_growth: float = 0.3
    # Mean days from a user's first review to each later one (exponential).
    user_span_days: float = 400.0

    def validate(self) -> None:
        if min(self.users, self.items, self.block_users, self.block_items, self.write_lines) < 1:
            raise ValueError("users, items, block_users, block_items and write_lines must be at least 1")
        if self.reviews < max(self.users, self.items):
            raise ValueError(f"every user and item has a review: reviews ({self.reviews:,}) must be at least "
                             f"users ({self.users:,}) and items ({self.items:,})")
        if 4 * self.items >= 2**40:
            raise ValueError("items (and their variants) must fit the 10-character asins")
        if self.first_day >= self.last_day:
            raise ValueError("first_day must be before last_day")


@dataclass
class Release2023Summary:
    out_dir: str
    seed: int
    users: int
    items: int
    reviews: int
    reviews_file: str
    metadata_file: str
    seconds: float


Progress = Callable[[str], None]

# Rating mix: a "disappointed" review (item-dependent chance, ~16% overall) is 1-3 stars, else
# 3-5: overall about 58% five stars, 17% four, 11% three, 5% two, 9% one, as in the release.
BAD_RATINGS, BAD_P = np.array([1, 2, 3]), np.array([0.55, 0.30, 0.15])
GOOD_RATINGS, GOOD_P = np.array([3, 4, 5]), np.array([0.10, 0.20, 0.70])
FEATURES = ("Imported", "Machine Wash", "100% Cotton", "Polyester blend", "Pull On closure", "Hand Wash Only",
            "Lightweight and breathable", "Rubber sole", "Zipper closure", "Soft and stretchy fabric")
MAIN_CATEGORY = "AMAZON FASHION"
IMAGE_HOST = "https://m.media-amazon.com/images/I/"

_BASE32 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", np.uint8)  # 2023 user ids use it
_BASE36 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)
_BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_MASK40 = np.uint64(2**40 - 1)
# Independent random streams of one seed.
_CATALOGUE, _REVIEWS, _METADATA, _KEYS = 0, 1, 2, 3

# Flat vocabularies: an item stores an index into each.
_STYLE_WORDS = [(s, w) for s in STYLES for w in STYLE_TITLE_WORDS[s]]
_COLOUR_WORDS = [w for c in COLOUR_TITLE_WORDS for w in COLOUR_TITLE_WORDS[c]]
_PATTERNS = list(PATTERN_TITLE_WORDS)
_PATTERN_WORDS = [w for p in _PATTERNS for w in PATTERN_TITLE_WORDS[p]]
_PATTERN_OF_WORD = np.array([i for i, p in enumerate(_PATTERNS) for _ in PATTERN_TITLE_WORDS[p]])
_CATEGORY_NAMES = list(CATEGORY_PATHS)
_TYPE_CATEGORY = np.array([_CATEGORY_NAMES.index(GARMENT_TYPES[t][0]) for t in TYPE_NAMES])
_TYPE_WINTER_SUMMER = np.array([GARMENT_TYPES[t][1] in ("winter", "summer") for t in TYPE_NAMES])
_TYPE_SEASON_WORD = [{"winter": "Winter ", "summer": "Summer "}.get(GARMENT_TYPES[t][1], "") for t in TYPE_NAMES]
_WOMEN_ONLY = np.array([t in WOMEN_ONLY for t in TYPE_NAMES])
_GENDERS = ("Women", "Men")
_BRANDS = [unescape(b) for b in BRANDS]  # the 2023 metadata has plain "&"
# JSON text of whole values, written by json.dumps from the vocabulary: gathered by index per row.
_CATEGORIES_JSON = [json.dumps([unescape(c.format(gender=g)) for c in CATEGORY_PATHS[cat]])
                    for cat in _CATEGORY_NAMES for g in _GENDERS]  # index: category * 2 + gender
_DETAILS_JSON = [json.dumps({"Department": d}) for d in ("womens", "mens")]
_STORE_JSON = [json.dumps(b) for b in _BRANDS] + ["null"]
_N_FEATURE_LISTS = 4  # 0..3 features an item
_FEATURES_JSON = [json.dumps([FEATURES[(o + j) % len(FEATURES)] for j in range(k)])
                  for k in range(_N_FEATURE_LISTS) for o in range(len(FEATURES))]  # k * len + offset


def _check_json_safe() -> None:
    """Every string the lines concatenate without escaping: printable ASCII, no quote or backslash."""
    words = [*STYLES, *(w for _, w in _STYLE_WORDS), *_COLOUR_WORDS, *_PATTERN_WORDS, *TYPE_NAMES,
             *_TYPE_SEASON_WORD, *_GENDERS, MAIN_CATEGORY, IMAGE_HOST, *text.POSITIVE, *text.MIXED, *text.NEGATIVE,
             *(s for group in text.SUMMARIES.values() for s in group)]
    bad = [w for w in words if any(not (" " <= ch <= "~") or ch in '"\\' for ch in w)]
    if bad:
        raise ValueError(f"vocabulary that would need JSON escaping: {bad[:5]}")


# ---- ids: bijections of an index, so they are unique without a global set --------------------

def _mix64(x: np.ndarray, key: int) -> np.ndarray:
    """A bijection of uint64 (splitmix64's finaliser after xor with a key)."""
    x = x.astype(np.uint64) ^ np.uint64(key)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _mix40(x: np.ndarray, key: int) -> np.ndarray:
    """A bijection of [0, 2**40): xor-shifts and odd multiplications modulo 2**40."""
    x = (x.astype(np.uint64) ^ np.uint64(key)) & _MASK40
    x ^= x >> np.uint64(21)
    x = (x * np.uint64(0x9E3779B97F4B)) & _MASK40
    x ^= x >> np.uint64(19)
    x = (x * np.uint64(0xC2B2AE3D27D5)) & _MASK40
    return x ^ (x >> np.uint64(21))


def _digits(x: np.ndarray, n: int, alphabet: np.ndarray) -> np.ndarray:
    """(len(x), n) ASCII codes: x in base len(alphabet), most significant digit first."""
    out = np.empty((len(x), n), np.uint8)
    base, x = np.uint64(len(alphabet)), x.astype(np.uint64)
    for j in range(n - 1, -1, -1):
        out[:, j] = alphabet[x % base]
        x = x // base
    return out


def _strings(prefix: bytes, *parts: np.ndarray) -> pl.Series:
    """A Utf8 column of fixed-width ASCII strings: prefix, then the code matrices side by side."""
    n = len(parts[0])
    cols = [np.broadcast_to(np.frombuffer(prefix, np.uint8), (n, len(prefix))), *parts]
    codes = np.ascontiguousarray(np.concatenate(cols, axis=1))
    return pl.Series(codes.view(f"S{codes.shape[1]}").ravel()).cast(pl.Utf8)


def _asins(codes: np.ndarray, key: int) -> pl.Series:
    """10-character B0 asins; code i (an item, or a variant item + items * k) is unique."""
    return _strings(b"B0", _digits(_mix40(codes, key), 8, _BASE36))


def _seed_key(seed: int, name: int) -> int:
    return int(np.random.SeedSequence([seed, _KEYS, name]).generate_state(1, np.uint64)[0])


def _rng(seed: int, stream: int, block: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream, block]))


# ---- the item catalogue: what every block needs, about 30 bytes an item ----------------------

@dataclass
class _Catalogue:
    cdf: np.ndarray          # cumulative popularity weight, by item index
    garment: np.ndarray      # index into TYPE_NAMES
    style_word: np.ndarray   # index into _STYLE_WORDS
    colour_word: np.ndarray  # index into _COLOUR_WORDS
    pattern_word: np.ndarray  # index into _PATTERN_WORDS
    gender: np.ndarray       # index into _GENDERS
    badness: np.ndarray      # 0..255: the chance of a disappointed review
    count: np.ndarray        # reviews so far
    rating_sum: np.ndarray   # their ratings' sum


def _catalogue(cfg: Release2023Config) -> _Catalogue:
    rng = _rng(cfg.seed, _CATALOGUE)
    n = cfg.items
    rank = rng.permutation(n)  # popularity rank of each item index
    cdf = np.cumsum((rank + cfg.zipf_offset) ** -cfg.zipf_exponent)
    del rank
    garment = rng.integers(0, len(TYPE_NAMES), n).astype(np.uint8)
    women = _WOMEN_ONLY[garment] | (rng.random(n) < 0.7)
    return _Catalogue(
        cdf=cdf, garment=garment,
        style_word=rng.integers(0, len(_STYLE_WORDS), n).astype(np.uint8),
        colour_word=rng.integers(0, len(_COLOUR_WORDS), n).astype(np.uint8),
        pattern_word=rng.integers(0, len(_PATTERN_WORDS), n).astype(np.uint8),
        gender=np.where(women, 0, 1).astype(np.uint8),
        badness=(rng.beta(1.2, 4.0, n) * 255).astype(np.uint8),
        count=np.zeros(n, np.int64), rating_sum=np.zeros(n, np.int64),
    )


# ---- reviews ---------------------------------------------------------------------------------

def _review_bound(cfg: Release2023Config, user: int) -> int:
    """Reviews of the users before `user`: blocks carry exact, fixed shares."""
    return cfg.reviews * user // cfg.users


def _covered_bound(cfg: Release2023Config, review: int) -> int:
    """Items covered by the reviews before `review` (never more items than reviews in a block)."""
    return cfg.items * review // cfg.reviews


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp() * 1000)


def _review_block(cfg: Release2023Config, cat: _Catalogue, block: int, keys: dict) -> pl.DataFrame:
    """The block's reviews, users in order and each user's reviews by time, as id and code columns."""
    rng = _rng(cfg.seed, _REVIEWS, block)
    u0, u1 = block * cfg.block_users, min(cfg.users, (block + 1) * cfg.block_users)
    r0, r1 = _review_bound(cfg, u0), _review_bound(cfg, u1)
    c0, c1 = _covered_bound(cfg, r0), _covered_bound(cfg, r1)
    n_users, n = u1 - u0, r1 - r0

    # Reviews per user: one each, the rest split by a capped lognormal activity.
    sigma = cfg.user_activity_sigma
    activity = np.minimum(rng.lognormal(0.0, sigma, n_users), np.exp(4 * sigma))
    per_user = 1 + rng.multinomial(n - n_users, activity / activity.sum())
    user = np.repeat(np.arange(n_users), per_user)
    first = np.zeros(n, bool)
    first[np.cumsum(per_user) - per_user] = True

    # Items: the block's covered range once each, in random slots; the rest by popularity
    # (sorted uniforms make searchsorted walk the CDF in order; the slots are then shuffled).
    item = np.searchsorted(cat.cdf, np.sort(rng.random(n)) * cat.cdf[-1], side="right")
    item = np.minimum(item, cfg.items - 1)[rng.permutation(n)]
    covered = np.zeros(n, bool)
    slots = rng.permutation(n)[: c1 - c0]
    item[slots] = np.arange(c0, c1)
    covered[slots] = True
    # Repeats: a later slot of a user takes the item of the user's slot before it.
    eligible = ~first & ~covered
    share = min(1.0, cfg.repeat_share * n / max(int(eligible.sum()), 1))
    repeat = eligible & (rng.random(n) < share)
    source = np.maximum.accumulate(np.where(repeat, 0, np.arange(n)))
    item = item[source]

    # Times: a user's first activity from the growing yearly rate, each review some days after.
    start, end = _ms(cfg.first_day), _ms(cfg.last_day)
    years = (end - start) / (365.25 * 86_400_000)
    g = cfg.yearly_growth
    t0 = start + np.log1p(rng.random(n_users) * np.expm1(g * years)) / g * (end - start) / years
    t = t0[user] + rng.exponential(cfg.user_span_days * 86_400_000, n)
    late = t > end
    t[late] = t0[user[late]] + rng.random(int(late.sum())) * (end - t0[user[late]])
    timestamp = np.minimum(t.astype(np.int64), end - 1)

    bad = rng.random(n) < 0.03 + 0.5 * cat.badness[item] / 255
    rating = np.where(bad, rng.choice(BAD_RATINGS, n, p=BAD_P), rng.choice(GOOD_RATINGS, n, p=GOOD_P))
    helpful = np.where(rng.random(n) < 0.25, rng.geometric(0.35, n), 0)
    helpful = np.where(rng.random(n) < 0.002, rng.integers(20, 1_000, n), helpful)
    variant = np.where(rng.random(n) < cfg.variant_share, rng.integers(1, 4, n), 0)
    verified = rng.random(n) < cfg.verified_share
    pick = rng.integers(0, 60, n)
    user_ids = _strings(b"A", _digits(_mix64(np.arange(u0, u1), keys["user"]), 13, _BASE32),
                        _BASE32[rng.integers(0, 32, (n_users, 14))])

    order = np.lexsort((timestamp, user))
    user, item = user[order], item[order]
    return pl.DataFrame({
        "user_id": user_ids.gather(user),
        "item": item,
        "variant_code": (item + cfg.items * variant[order]).astype(np.uint64),
        "rating": rating[order].astype(np.int8),
        "timestamp": timestamp[order],
        "helpful_vote": helpful[order],
        "verified_purchase": verified[order],
        "pick": pick[order],
    })


_GARMENT_LOWER = pl.Series([t.lower() for t in TYPE_NAMES])
_STYLE_OF_WORD = pl.Series([s for s, _ in _STYLE_WORDS])
_COLOUR_LOWER = pl.Series([w.lower() for w in _COLOUR_WORDS])
_PATTERN_LOWER = pl.Series([w.lower() for w in _PATTERN_WORDS])


def _review_lines(part: pl.DataFrame, cat: _Catalogue, keys: dict) -> bytes:
    """JSON lines of `part`, in the field order and spelling of writers.write_reviews_2023."""
    item = part["item"].to_numpy()
    frame = part.with_columns(
        parent_asin=_asins(item, keys["asin"]),
        asin=_asins(part["variant_code"].to_numpy(), keys["asin"]),
        garment=_GARMENT_LOWER.gather(cat.garment[item]),
        style=_STYLE_OF_WORD.gather(cat.style_word[item]),
        colour=_COLOUR_LOWER.gather(cat.colour_word[item]),
        pattern=_PATTERN_LOWER.gather(cat.pattern_word[item]),
    )
    body, title = text.review_texts(pl.col("rating"), pl.col("pick"), garment=pl.col("garment"),
                                    colour=pl.col("colour"), pattern=pl.col("pattern"), style=pl.col("style"))
    line = pl.concat_str([
        pl.lit('{"rating": '), pl.col("rating").cast(pl.Float64).cast(pl.Utf8),
        pl.lit(', "title": "'), title, pl.lit('", "text": "'), body,
        pl.lit('", "images": [], "asin": "'), pl.col("asin"), pl.lit('", "parent_asin": "'), pl.col("parent_asin"),
        pl.lit('", "user_id": "'), pl.col("user_id"), pl.lit('", "timestamp": '), pl.col("timestamp").cast(pl.Utf8),
        pl.lit(', "helpful_vote": '), pl.col("helpful_vote").cast(pl.Utf8),
        pl.lit(', "verified_purchase": '),
        pl.when(pl.col("verified_purchase")).then(pl.lit("true")).otherwise(pl.lit("false")),
        pl.lit("}"),
    ])
    return _as_bytes(frame.select(line.alias("line")))


# ---- metadata --------------------------------------------------------------------------------

_TITLE_STYLE = pl.Series([w for _, w in _STYLE_WORDS])
_TITLE_COLOUR = pl.Series(_COLOUR_WORDS)
_TITLE_PATTERN = pl.Series([w + " " for w in _PATTERN_WORDS])
_TITLE_TYPE = pl.Series(TYPE_NAMES)
_TITLE_SEASON = pl.Series(_TYPE_SEASON_WORD)
_GENDER_S = pl.Series(_GENDERS)


def _metadata_lines(cfg: Release2023Config, cat: _Catalogue, block: int, keys: dict) -> bytes:
    """One JSON line per parent_asin of the block, in the field order of generate.metadata_2023."""
    rng = _rng(cfg.seed, _METADATA, block)
    i0, i1 = block * cfg.block_items, min(cfg.items, (block + 1) * cfg.block_items)
    idx = np.arange(i0, i1)
    n = len(idx)
    garment, pattern_word = cat.garment[idx], cat.pattern_word[idx]
    # Some solid items leave the pattern out of the title; some winter/summer garments say so.
    show_pattern = (_PATTERNS.index("solid") != _PATTERN_OF_WORD[pattern_word]) | (rng.random(n) < 0.5)
    show_season = _TYPE_WINTER_SUMMER[garment] & (rng.random(n) < 0.5)
    count = cat.count[idx]
    average = np.round(cat.rating_sum[idx] / np.maximum(count, 1), 1)
    price = np.where(rng.random(n) < 0.35, np.nan, np.round(rng.lognormal(3.0, 0.6, n), 2))
    store = np.where(rng.random(n) < 0.08, len(_BRANDS), rng.integers(0, len(_BRANDS), n))
    features = rng.integers(0, _N_FEATURE_LISTS, n) * len(FEATURES) + rng.integers(0, len(FEATURES), n)
    image = _strings(b"", _BASE36[rng.integers(4, 8, (n, 1))], _digits(_mix64(idx, keys["image"]), 9, _BASE62),
                     np.full((n, 1), ord("L"), np.uint8))
    frame = pl.DataFrame({
        "parent_asin": _asins(idx, keys["asin"]),
        "gender": _GENDER_S.gather(cat.gender[idx]),
        "style_word": _TITLE_STYLE.gather(cat.style_word[idx]),
        "style": _STYLE_OF_WORD.gather(cat.style_word[idx]),
        "colour_word": _TITLE_COLOUR.gather(cat.colour_word[idx]),
        "pattern_word": _TITLE_PATTERN.gather(pattern_word),
        "show_pattern": show_pattern,
        "season_word": _TITLE_SEASON.gather(garment),
        "show_season": show_season,
        "garment": _TITLE_TYPE.gather(garment),
        "average_rating": average,
        "rating_number": count,
        "features": pl.Series(_FEATURES_JSON).gather(features),
        "describe": rng.random(n) < 0.4,
        "price": pl.Series(price).fill_nan(None),
        "image": image,
        "hi_res": rng.random(n) < 0.8,
        "store": pl.Series(_STORE_JSON).gather(store),
        "categories": pl.Series(_CATEGORIES_JSON).gather(_TYPE_CATEGORY[garment] * 2 + cat.gender[idx]),
        "details": pl.Series(_DETAILS_JSON).gather(cat.gender[idx]),
    })
    url = lambda suffix: pl.concat_str([pl.lit(IMAGE_HOST), pl.col("image"), pl.lit(suffix)])  # noqa: E731
    description = pl.when(pl.col("describe")).then(pl.concat_str([
        pl.lit('["A '), pl.col("style"), pl.lit(" "), pl.col("garment").str.to_lowercase(), pl.lit(" in "),
        pl.col("colour_word").str.to_lowercase(), pl.lit('."]')])).otherwise(pl.lit("[]"))
    line = pl.concat_str([
        pl.lit(f'{{"main_category": "{MAIN_CATEGORY}", "title": "'), pl.col("gender"), pl.lit("'s "),
        pl.col("style_word"), pl.lit(" "), pl.col("colour_word"), pl.lit(" "),
        pl.when(pl.col("show_pattern")).then(pl.col("pattern_word")).otherwise(pl.lit("")),
        pl.when(pl.col("show_season")).then(pl.col("season_word")).otherwise(pl.lit("")), pl.col("garment"),
        pl.lit('", "average_rating": '), pl.col("average_rating").cast(pl.Utf8),
        pl.lit(', "rating_number": '), pl.col("rating_number").cast(pl.Utf8),
        pl.lit(', "features": '), pl.col("features"), pl.lit(', "description": '), description,
        pl.lit(', "price": '), pl.col("price").cast(pl.Utf8).fill_null("null"),
        pl.lit(', "images": [{"thumb": "'), url("._AC_US40_.jpg"), pl.lit('", "large": "'), url("._AC_.jpg"),
        pl.lit('", "hi_res": '),
        pl.when(pl.col("hi_res")).then(pl.concat_str([pl.lit('"'), url("._AC_SL1500_.jpg"), pl.lit('"')]))
        .otherwise(pl.lit("null")),
        pl.lit(', "variant": "MAIN"}], "videos": [], "store": '), pl.col("store"),
        pl.lit(', "categories": '), pl.col("categories"), pl.lit(', "details": '), pl.col("details"),
        pl.lit(', "parent_asin": "'), pl.col("parent_asin"), pl.lit('", "bought_together": null}'),
    ])
    return _as_bytes(frame.select(line.alias("line")))


# ---- writing ---------------------------------------------------------------------------------

def _as_bytes(lines: pl.DataFrame) -> bytes:
    """The one string column as newline-terminated lines (CSV without quoting writes them as is)."""
    buf = io.BytesIO()
    lines.write_csv(buf, include_header=False, quote_style="never")
    return buf.getvalue()


class _GzipAppender:
    """Appends bytes to a gzip file (no name, header time 0: the same lines give the same bytes).
    A background thread compresses (zlib releases the GIL) while the caller builds more lines;
    at most two pieces wait, so memory stays bounded."""

    def __init__(self, path: Path):
        self._raw = open(path, "wb")
        self._gz = gzip.GzipFile(filename="", fileobj=self._raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
        self._pending: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gzip-appender", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (data := self._pending.get()) is not None:
            if self._error is None:
                try:
                    self._gz.write(data)
                except BaseException as exc:  # handed to the caller on its next write or close
                    self._error = exc

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._pending.put(data)

    def close(self) -> None:
        self._pending.put(None)
        self._thread.join()
        try:
            self._gz.close()
        finally:
            self._raw.close()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> "_GzipAppender":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _report(progress: Progress | None, name: str, block: int, blocks: int, lines: int, started: float) -> None:
    if progress is not None:
        rate = lines / max(time.perf_counter() - started, 1e-9)
        progress(f"{name}: block {block + 1}/{blocks}, {lines:,} lines written ({rate:,.0f} lines/s)")


def write_release_2023(out_dir: str | Path, cfg: Release2023Config = Release2023Config(),
                       progress: Progress | None = None) -> Release2023Summary:
    """Write writers.REVIEWS_2023_FILE, writers.METADATA_2023_FILE and a sample.json manifest to
    `out_dir`; each file appears (atomically) only when complete."""
    cfg.validate()
    _check_json_safe()
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keys = {name: _seed_key(cfg.seed, i) for i, name in enumerate(("user", "asin", "image"))}
    cat = _catalogue(cfg)

    blocks = -(-cfg.users // cfg.block_users)
    lines = 0
    with atomic_path(out / writers.REVIEWS_2023_FILE) as tmp, _GzipAppender(tmp) as gz:
        for block in range(blocks):
            reviews = _review_block(cfg, cat, block, keys)
            item, rating = reviews["item"].to_numpy(), reviews["rating"].to_numpy()
            cat.count += np.bincount(item, minlength=cfg.items)
            cat.rating_sum += np.bincount(item, weights=rating, minlength=cfg.items).astype(np.int64)
            for start in range(0, reviews.height, cfg.write_lines):
                gz.write(_review_lines(reviews.slice(start, cfg.write_lines), cat, keys))
            lines += reviews.height
            del reviews, item, rating
            _report(progress, writers.REVIEWS_2023_FILE, block, blocks, lines, started)
    assert lines == cfg.reviews, (lines, cfg.reviews)

    meta_started, meta_blocks = time.perf_counter(), -(-cfg.items // cfg.block_items)
    with atomic_path(out / writers.METADATA_2023_FILE) as tmp, _GzipAppender(tmp) as gz:
        for block in range(meta_blocks):
            gz.write(_metadata_lines(cfg, cat, block, keys))
            _report(progress, writers.METADATA_2023_FILE, block, meta_blocks,
                    min(cfg.items, (block + 1) * cfg.block_items), meta_started)

    summary = Release2023Summary(str(out), cfg.seed, cfg.users, cfg.items, cfg.reviews, writers.REVIEWS_2023_FILE,
                                 writers.METADATA_2023_FILE, round(time.perf_counter() - started, 1))
    manifest = {"out_dir": str(out), "scale": "2023", "format": "2023", "seed": cfg.seed, "users": cfg.users,
                "items": cfg.items, "reviews": cfg.reviews, "metadata_lines": cfg.items,
                "files": {"reviews": writers.REVIEWS_2023_FILE, "metadata": writers.METADATA_2023_FILE},
                "config": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(cfg).items()}}
    write_bytes(json.dumps(manifest, indent=2).encode(), out / MANIFEST_FILE)
    return summary
