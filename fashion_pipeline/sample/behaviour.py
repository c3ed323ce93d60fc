"""Who buys what, when: the latent structure of the sample, generated as array operations.

Each review is a "slot" of one user at one time. A slot wants a garment type (driven by the
season and the user's category taste) and a style, colour and pattern (driven by the user's
taste, which drifts from their first to their last purchase). Items are then made to fit the
demand exactly: slots are sorted by what they want and cut into consecutive runs, one run per
item, with run lengths drawn from a long-tailed popularity law. That gives exact user and item
counts, every item and user at least `min_degree` reviews, and items that really are what their
buyers wanted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from fashion_pipeline.recsys.seasons import MONTH_SEASON
from fashion_pipeline.sample.catalog import (
    CATEGORIES, COLOURS, GARMENT_TYPES, OPPOSITE_SEASON, PATTERNS, STYLES, TYPE_NAMES,
)
from fashion_pipeline.sample.config import SampleConfig

DAY = 86_400
N_TYPES, N_STYLES, N_COLOURS, N_PATTERNS = len(TYPE_NAMES), len(STYLES), len(COLOURS), len(PATTERNS)
TYPE_CATEGORY = np.array([CATEGORIES.index(GARMENT_TYPES[t][0]) for t in TYPE_NAMES])
_SEASON_GROUPS = ("winter", "autumn", None, "spring", "summer")
TYPE_SEASON_GROUP = np.array([_SEASON_GROUPS.index(GARMENT_TYPES[t][1]) for t in TYPE_NAMES])


@dataclass
class SampleBehaviour:
    # one row per review
    user: np.ndarray  # user index
    item: np.ndarray  # item index
    timestamp: np.ndarray  # unix seconds, midnight UTC
    rating: np.ndarray  # 1..5
    # one row per item
    item_type: np.ndarray  # index into TYPE_NAMES
    item_style: np.ndarray
    item_colour: np.ndarray
    item_pattern: np.ndarray
    # one row per user: preferred style (the argmax of their early taste), for checks
    user_top_style: np.ndarray


def degree_sequence(n: int, total: int, minimum: int, sigma: float, rng: np.random.Generator,
                    maximum: int | None = None) -> np.ndarray:
    """n integers in [minimum, maximum] summing exactly to total, with a lognormal tail.

    The cap keeps one lognormal outlier from being bought by most users of a small sample.
    """
    extra = total - n * minimum
    if extra < 0:
        raise ValueError(f"{total} reviews cannot give {n} rows at least {minimum} each")
    cap = (maximum - minimum) if maximum is not None else extra
    if cap * n < extra:
        raise ValueError(f"{total} reviews cannot give {n} rows at most {maximum} each")
    w = rng.lognormal(0.0, sigma, n)
    raw = w / w.sum() * extra
    while (raw > cap).any():  # water-filling: clip, and share the surplus among the rest
        over = raw >= cap
        raw[over] = cap
        rest = ~over
        raw[rest] = w[rest] / w[rest].sum() * (extra - cap * over.sum())
    base = np.floor(raw).astype(np.int64)
    short = extra - int(base.sum())
    room = np.where(base < cap, raw - base, -1.0)
    base[np.argsort(room)[::-1][:short]] += 1
    return base + minimum


def _sample_rows(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per row of a row-stochastic matrix (inverse CDF, vectorized)."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cdf[:, -1:]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def _timestamps(cfg: SampleConfig, user_degree: np.ndarray, rng: np.random.Generator):
    """Review days: user start dates grow exponentially toward recent years; reviews spread after."""
    t0 = int(datetime(cfg.first_day.year, cfg.first_day.month, cfg.first_day.day, tzinfo=timezone.utc).timestamp()) // DAY
    t1 = int(datetime(cfg.last_day.year, cfg.last_day.month, cfg.last_day.day, tzinfo=timezone.utc).timestamp()) // DAY
    days = t1 - t0
    g = cfg.yearly_growth / 365.0
    n_users = len(user_degree)
    span = np.minimum(rng.exponential(cfg.user_span_days, n_users), days * 0.9)
    # Inverse CDF of a density growing as exp(g t) on [0, days]: the user's last review day.
    u = rng.random(n_users)
    end = np.log1p(u * np.expm1(g * days)) / g
    start = np.maximum(end - span, 0)
    user = np.repeat(np.arange(n_users), user_degree)
    offsets = rng.random(len(user))
    day = np.floor(start[user] + offsets * (end[user] - start[user])).astype(np.int64)
    # time order within each user, and each slot's position 0..1 in the user's history
    order = np.lexsort((day, user))
    user, day = user[order], day[order]
    first = np.repeat(np.cumsum(user_degree) - user_degree, user_degree)
    pos = (np.arange(len(user)) - first) / np.maximum(user_degree[user] - 1, 1)
    return user, (t0 + day) * DAY, pos


def _season_index(timestamp: np.ndarray) -> np.ndarray:
    months = (timestamp.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12) + 1
    names = ("winter", "spring", "summer", "autumn")
    lookup = np.array([names.index(MONTH_SEASON[m]) for m in range(1, 13)])
    return lookup[months - 1]


def _type_season_weights(cfg: SampleConfig) -> np.ndarray:
    """weights[season, garment type]: in-season types boosted, opposite-season ones damped."""
    names = ("winter", "spring", "summer", "autumn")
    w = np.ones((4, N_TYPES))
    for j, t in enumerate(TYPE_NAMES):
        season = GARMENT_TYPES[t][1]
        if season is None:
            continue
        w[names.index(season), j] *= cfg.in_season_boost
        w[names.index(OPPOSITE_SEASON[season]), j] *= cfg.off_season_factor
    return w


def generate_behaviour(cfg: SampleConfig, rng: np.random.Generator) -> SampleBehaviour:
    n_users, n_items, n = cfg.users, cfg.items, cfg.reviews
    user_degree = degree_sequence(n_users, n, cfg.min_degree, cfg.user_activity_sigma, rng,
                                  maximum=max(4 * cfg.min_degree, int(cfg.max_user_share * n_items)))
    item_degree = degree_sequence(n_items, n, cfg.min_degree, cfg.item_popularity_sigma, rng,
                                  maximum=max(4 * cfg.min_degree, int(cfg.max_item_share * n_users)))
    user, timestamp, pos = _timestamps(cfg, user_degree, rng)

    # Tastes: early (A) and late (B) preferences; B keeps part of A, the rest is new.
    def dirichlet(k, alpha):
        return rng.dirichlet(np.full(k, alpha), n_users)

    taste = {}
    for name, k, alpha in (("style", N_STYLES, cfg.style_concentration),
                           ("colour", N_COLOURS, cfg.colour_concentration),
                           ("pattern", N_PATTERNS, cfg.pattern_concentration)):
        a = dirichlet(k, alpha)
        b = (1 - cfg.taste_drift) * a + cfg.taste_drift * dirichlet(k, alpha)
        taste[name] = (a, b)
    category_taste = dirichlet(len(CATEGORIES), cfg.category_concentration)

    def slot_probs(name):
        a, b = taste[name]
        return (1 - pos)[:, None] * a[user] + pos[:, None] * b[user]

    want = {name: _sample_rows(slot_probs(name), rng) for name in taste}
    # Users rarely buy a style-colour-pattern twice: redraw repeats, except a small share.
    for round_ in range(12):
        scp = (want["style"] * N_COLOURS + want["colour"]) * N_PATTERNS + want["pattern"]
        key = user.astype(np.int64) * (N_STYLES * N_COLOURS * N_PATTERNS) + scp
        _, first_idx = np.unique(key, return_index=True)
        repeat = np.ones(n, dtype=bool)
        repeat[first_idx] = False
        redraw = repeat & (rng.random(n) >= cfg.repeat_share)
        if not redraw.any():
            break
        idx = np.flatnonzero(redraw)
        # First vary only the pattern, which keeps the user's style and colour; then anything.
        for name in (("pattern",) if round_ < 4 else taste):
            a, b = taste[name]
            p = (1 - pos[idx])[:, None] * a[user[idx]] + pos[idx][:, None] * b[user[idx]]
            want[name][idx] = _sample_rows(p, rng)

    season = _season_index(timestamp)
    type_probs = _type_season_weights(cfg)[season] * category_taste[user][:, TYPE_CATEGORY]
    want_type = _sample_rows(type_probs / type_probs.sum(axis=1, keepdims=True), rng)

    # Cut the demand, sorted by what it wants, into one run per item. The sort order is the
    # order of importance: runs that straddle two wants get the middle one, so the leading
    # attributes (style, the garment's season) match their buyers even at small scale.
    demand = ((want_type * N_STYLES + want["style"]) * N_COLOURS + want["colour"]) * N_PATTERNS + want["pattern"]
    order = np.lexsort((rng.random(n), want["pattern"], want_type, TYPE_SEASON_GROUP[want_type], want["colour"],
                        want["style"]))
    run_lengths = rng.permutation(item_degree)
    run_of_position = np.repeat(np.arange(n_items), run_lengths)
    run_mid = np.cumsum(run_lengths) - (run_lengths + 1) // 2
    run_key = demand[order][run_mid]
    # Items get ids in random order, so popularity and attributes do not follow the id.
    run_to_item = rng.permutation(n_items)
    item = np.empty(n, dtype=np.int64)
    item[order] = run_to_item[run_of_position]
    item_key = np.empty(n_items, dtype=np.int64)
    item_key[run_to_item] = run_key
    item = _repair_duplicate_pairs(user, item, order, rng)

    item_pattern = item_key % N_PATTERNS
    item_colour = (item_key // N_PATTERNS) % N_COLOURS
    item_style = (item_key // (N_PATTERNS * N_COLOURS)) % N_STYLES
    item_type = item_key // (N_PATTERNS * N_COLOURS * N_STYLES)

    rating = _ratings(cfg, user, item, pos, taste, item_style, item_colour, item_pattern, rng)
    return SampleBehaviour(
        user=user, item=item, timestamp=timestamp, rating=rating,
        item_type=item_type, item_style=item_style, item_colour=item_colour, item_pattern=item_pattern,
        user_top_style=taste["style"][0].argmax(axis=1),
    )


def _repair_duplicate_pairs(user, item, order, rng, window: int = 64) -> np.ndarray:
    """Swap items between nearby demand positions until no user has one item twice.

    Swapping keeps every item's and user's count; nearby positions want nearly the same thing.
    A swap is taken only when it creates no new duplicate, so the loop converges.
    """
    n = len(user)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    stride = int(item.max()) + 1
    for attempt in range(200):
        pair = user.astype(np.int64) * stride + item
        _, first_idx = np.unique(pair, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first_idx] = False
        idx = np.flatnonzero(dup)
        if len(idx) == 0:
            return item
        # widen the search while some duplicates resist (their neighbours are all one item)
        reach = min(window * 2 ** (attempt // 10), n)
        partner = order[np.clip(rank[idx] + rng.integers(-reach, reach + 1, len(idx)), 0, n - 1)]
        new_a = user[idx].astype(np.int64) * stride + item[partner]
        new_b = user[partner].astype(np.int64) * stride + item[idx]
        taken = np.sort(pair)  # one sort, then binary searches: np.isin rehashes `pair` per call
        ok = (item[partner] != item[idx]) & ~_is_in_sorted(new_a, taken) & ~_is_in_sorted(new_b, taken)
        idx, partner = idx[ok], partner[ok]
        # Swaps in one round must not touch a slot twice or create the same new pair twice.
        new_a = user[idx].astype(np.int64) * stride + item[partner]
        new_b = user[partner].astype(np.int64) * stride + item[idx]
        keep = (_first_occurrence(np.concatenate([idx, partner]))[: len(idx)]
                & _first_occurrence(np.concatenate([partner, idx]))[: len(idx)]
                & _first_occurrence(np.concatenate([new_a, new_b]))[: len(idx)]
                & _first_occurrence(np.concatenate([new_b, new_a]))[: len(idx)])
        idx, partner = idx[keep], partner[keep]
        item[idx], item[partner] = item[partner], item[idx].copy()
    raise RuntimeError("could not remove duplicate (user, item) pairs from the sample")


def _is_in_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """np.isin(values, sorted_set) for an already sorted set."""
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _first_occurrence(values: np.ndarray) -> np.ndarray:
    """True where a value appears for the first time and never again."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    return counts[inverse] == 1


def _ratings(cfg, user, item, pos, taste, item_style, item_colour, item_pattern, rng) -> np.ndarray:
    """The exact rating mix, with better taste matches getting the higher ratings."""
    match = np.zeros(len(user))
    for name, attr in (("style", item_style), ("colour", item_colour), ("pattern", item_pattern)):
        a, b = taste[name]
        p = (1 - pos) * a[user, attr[item]] + pos * b[user, attr[item]]
        match += np.log(p + 1e-6)
    score = match / (match.std() + 1e-9) + rng.normal(0, cfg.rating_noise, len(user))
    counts = cfg.rating_mix()  # 5 stars first
    values = np.repeat(np.array([5, 4, 3, 2, 1]), counts)
    rating = np.empty(len(user), dtype=np.int64)
    rating[np.argsort(-score, kind="stable")] = values
    return rating
