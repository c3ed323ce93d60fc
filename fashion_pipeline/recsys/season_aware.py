"""Season-aware recommendations that keep the user: a season-blind model of each user's taste,
trained on all history before the season starts, plus a seasonal prior of what sells in this
season, combined with weights chosen on the season before.

For season S (e.g. 2014-winter, starting 2014-12-01):
- base model: any registered model (GMF, SASRec, ...) fitted on every interaction before S's
  start; nothing at or after it.
- seasonal prior, per item, from interactions before S's start only:
  * lift: log of (share of the item's sales that fell in earlier seasons of S's name) over (that
    share for the whole catalogue). Items with little history are shrunk towards their garment
    type / category / colour group (item_attributes), groups towards their parent, the top level
    towards 1 (no lift), so a new item gets its attributes' lift and an unknown one none.
  * popularity: log(1 + purchases before S), standardized over items: "what everyone buys".
- score = z(base scores of the user) + w_lift * lift + w_popularity * popularity, with z the
  per-user standardization (mean 0, sd 1 over items) that puts any model's scores on one scale.
  All weights 0 returns the base scores untouched: exactly the season-blind ranking.
- weights: the grid point with the best NDCG@10 on the previous season (V, before S), predicted
  by the same recipe from what came before V's start: the base model refitted on interactions
  before V (its epochs also early-stopped on V), the prior computed before V. Among grid points
  not worse than the best by more than `standard_errors` standard errors of the per-user NDCG@10
  difference (the one-standard-error rule), the smallest weights win, so noise does not buy a
  weight.

Recency: with `model="sasrec"` the base model reads each user's purchases in time order, so
recent taste weighs more (the "aware, sasrec" variant of benchmarks/seasonal_benchmark.py).

Everything here is pure (no Dagster, no files but `evaluate_season_file`'s inputs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.baselines import Popularity
from fashion_pipeline.recsys.data import user_item_matrix
from fashion_pipeline.recsys.evaluation import evaluate_period, period_metrics_per_user
from fashion_pipeline.recsys.experiment import Fitted
from fashion_pipeline.recsys.registry import FitData, ModelConfigs, get_model
from fashion_pipeline.recsys.seasonal import day_start_seconds
from fashion_pipeline.recsys.seasons import MONTH_SEASON, check_season_key, next_season, previous_season, season_start
from fashion_pipeline.recsys.training import TorchScorer, resolve_device

PRIOR_PARTS = ("lift", "popularity")
METRICS = ("hr@10", "ndcg@10", "recall@10")
# Coarse to fine: each level's groups nest in the previous one's (a black coat's group is inside
# coats, inside outerwear), so a sparse group borrows its parent's lift.
ATTRIBUTE_CHAIN = (C.CATEGORY, C.GARMENT, C.COLOUR)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SeasonAwareConfig:
    # The base (season-blind) model, any registered model without requirements.
    model: str = "gmf"
    # Pseudo-purchases of shrinkage: an item (or group) with n purchases keeps n / (n + k) of its
    # own seasonal share and takes the rest from its parent; 20 keeps a 5-purchase item mostly at
    # its group's lift (a single winter sale says little) while a 200-purchase item speaks for
    # itself.
    item_shrinkage: float = 20.0
    group_shrinkage: float = 50.0  # groups pool many items: trust them only once they are large
    # Weight grids, searched in full on the previous season. Lift is in natural-log units (a 2x
    # seasonal seller has lift 0.69) against per-user z-scored model scores, whose top items sit
    # at about 3; 8 lets a strong seasonal effect dominate, 0 switches it off.
    lift_weights: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    # Popularity is z-scored over items; 4 makes the ranking nearly popularity's.
    popularity_weights: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
    # The one-standard-error rule: a grid point whose mean NDCG@10 is below the best's by less
    # than this many standard errors of the paired per-user difference counts as tied, and the
    # smallest tied weights win. On a file without a seasonal pattern a 1% relative margin still
    # let noise pick a lift weight of 4 (fashion_pipeline_tests/recsys/test_seasonal_aware.py).
    standard_errors: float = 1.0
    # At most this many validation-season users score the grid and early-stop the base model (a
    # fixed random subset): bounds memory (users x items scores) on big catalogues.
    max_validation_users: int = 5000
    # Fewer validation-season users than this keep every weight at 0 (season-blind): with one
    # or two users (the Amazon Fashion 2018 5-core's seasons) any weight can win by chance and
    # the standard error of a difference is not even defined.
    min_validation_users: int = 30
    seed: int = 0  # the validation-user subset


# --- the seasonal prior ------------------------------------------------------------------------

def _season_names(timestamps: np.ndarray) -> np.ndarray:
    month = pl.from_epoch(pl.Series(timestamps, dtype=pl.Int64), time_unit="s").dt.month()
    return month.replace_strict(MONTH_SEASON, return_dtype=pl.Utf8).to_numpy()


def _shrunk_share(same: np.ndarray, total: np.ndarray, parent: np.ndarray, k: float) -> np.ndarray:
    """(same + k * parent) / (total + k): the seasonal share, pulled towards the parent's."""
    return (same + k * parent) / (total + k)


def seasonal_prior(interactions: pl.DataFrame, key: str, n_items: int,
                   codes: dict[str, np.ndarray] | None = None,
                   cfg: SeasonAwareConfig = SeasonAwareConfig()) -> dict[str, np.ndarray]:
    """Per item, {"lift", "popularity"} for season `key` from interactions before its start.

    `codes` maps attribute names (ATTRIBUTE_CHAIN) to an int code per item index (-1 unknown),
    e.g. from `prior_codes`; without them the lift is item-level only, shrunk towards none.
    """
    start = day_start_seconds(season_start(check_season_key(key)))
    before = interactions.filter(pl.col(C.TIMESTAMP) < start)
    items = before[C.ITEM_IDX].to_numpy().astype(np.int64)
    same = _season_names(before[C.TIMESTAMP].to_numpy()) == key.split("-")[1]
    total_i = np.bincount(items, minlength=n_items).astype(np.float64)
    same_i = np.bincount(items[same], minlength=n_items).astype(np.float64)
    popularity = np.log1p(total_i)
    sd = popularity.std()
    popularity = (popularity - popularity.mean()) / sd if sd > 0 else np.zeros(n_items)
    if same_i.sum() == 0 or same_i.sum() == total_i.sum():
        # no earlier season of this name (or nothing else): nothing to compare a share with
        return {"lift": np.zeros(n_items), "popularity": popularity}
    base = same_i.sum() / total_i.sum()  # the catalogue's share of sales in this season
    parent = np.full(n_items, base)
    levels = [codes[name] for name in ATTRIBUTE_CHAIN if codes is not None and name in codes]
    for depth in range(1, len(levels) + 1):
        stacked = np.stack([np.asarray(c, dtype=np.int64) for c in levels[:depth]], axis=1)
        _, group = np.unique(stacked, axis=0, return_inverse=True)
        group = group.ravel()
        n_groups = int(group.max()) + 1
        g_total = np.bincount(group, weights=total_i, minlength=n_groups)
        g_same = np.bincount(group, weights=same_i, minlength=n_groups)
        g_parent = np.zeros(n_groups)
        g_parent[group] = parent  # nested groups: every item of a group has the same parent
        parent = _shrunk_share(g_same, g_total, g_parent, cfg.group_shrinkage)[group]
    share = _shrunk_share(same_i, total_i, parent, cfg.item_shrinkage)
    return {"lift": np.log(share / base), "popularity": popularity}


def garment_words(titles: pl.Series) -> pl.Series:
    """The title's last word, lowercased ("Women's Classic Black Wool Coat" -> "coat"): garment
    types end product titles in the sample and in most real listings."""
    return titles.str.to_lowercase().str.extract(r"([a-z]+)[^a-z]*$", 1)


def prior_codes(attributes: pl.DataFrame, item_ids: np.ndarray) -> dict[str, np.ndarray]:
    """ATTRIBUTE_CHAIN codes per item index from an item_attributes table (C.TITLE and the
    attribute columns), -1 where unknown."""
    frame = pl.DataFrame({C.ITEM_ID: np.asarray(item_ids, dtype=object).astype(str)}).join(
        attributes.unique(C.ITEM_ID, keep="first").select(
            C.ITEM_ID, C.CATEGORY, C.COLOUR, garment_words(pl.col(C.TITLE)).alias(C.GARMENT)),
        on=C.ITEM_ID, how="left", maintain_order="left")
    out = {}
    for name in ATTRIBUTE_CHAIN:
        values = frame[name]
        vocab = values.drop_nulls().unique().sort().to_list()
        out[name] = values.replace_strict(vocab, list(range(len(vocab))), default=-1,
                                          return_dtype=pl.Int64).fill_null(-1).to_numpy()
    return out


# --- combining ---------------------------------------------------------------------------------

def standardize_rows(scores: np.ndarray) -> np.ndarray:
    """Per row (user): mean 0, sd 1 over items; a constant row becomes 0."""
    scores = np.asarray(scores, dtype=np.float64)
    sd = scores.std(axis=1, keepdims=True)
    return (scores - scores.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)


def combine(base_scores: np.ndarray, prior: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """z(base) + sum of weight * prior part; all weights 0 returns `base_scores` unchanged."""
    if not any(weights.get(p, 0.0) for p in PRIOR_PARTS):
        return base_scores
    out = standardize_rows(base_scores)
    for part in PRIOR_PARTS:
        if weights.get(part, 0.0):
            out += weights[part] * prior[part][None, :]
    return out.astype(np.float32)


class SeasonAwareScorer:
    """A base model's scores combined with the seasonal prior (see the module docstring)."""

    def __init__(self, base, prior: dict[str, np.ndarray], weights: dict[str, float]):
        self.base, self.prior, self.weights = base, prior, dict(weights)

    def score(self, users: np.ndarray) -> np.ndarray:
        return combine(np.asarray(self.base.score(users), dtype=np.float32), self.prior, self.weights)


class _Precomputed:
    """Scores computed once for a fixed set of users (the weight grid re-ranks them many times)."""

    def __init__(self, users: np.ndarray, scores: np.ndarray, n_users: int):
        self.scores = scores
        self.row = np.full(n_users, -1, dtype=np.int64)
        self.row[users] = np.arange(len(users))

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.scores[self.row[users]]


# --- the period being predicted ----------------------------------------------------------------

@dataclass
class Period:
    """What is known before a season starts and what each known user then bought in it."""

    key: str
    before: pl.DataFrame  # interactions before the season's start
    seen: sp.csr_matrix  # users x items bought before the start: never recommended
    future: sp.csr_matrix  # items bought during the season, new to the user; known users only

    @property
    def users(self) -> np.ndarray:
        return np.flatnonzero(np.diff(self.future.indptr) > 0)

    def sampled(self, max_users: int, seed: int) -> "Period":
        """The same period with at most `max_users` evaluated users (a fixed random subset)."""
        users = self.users
        if len(users) <= max_users:
            return self
        keep = np.zeros(self.future.shape[0])
        keep[np.random.default_rng(seed).choice(users, max_users, replace=False)] = 1.0
        future = sp.diags(keep) @ self.future
        future.eliminate_zeros()
        return Period(self.key, self.before, self.seen, future.tocsr())


def season_period(interactions: pl.DataFrame, key: str, n_users: int, n_items: int) -> Period:
    start = day_start_seconds(season_start(check_season_key(key)))
    end = day_start_seconds(season_start(next_season(key)))
    before = interactions.filter(pl.col(C.TIMESTAMP) < start)
    seen = user_item_matrix(before[C.USER_IDX].to_numpy(), before[C.ITEM_IDX].to_numpy(), n_users, n_items)
    during = interactions.filter(pl.col(C.TIMESTAMP).is_between(start, end, closed="left"))
    known = np.zeros(n_users, bool)
    known[before[C.USER_IDX].to_numpy()] = True
    during = during.filter(pl.Series(known[during[C.USER_IDX].to_numpy()]))
    future = user_item_matrix(during[C.USER_IDX].to_numpy(), during[C.ITEM_IDX].to_numpy(), n_users, n_items)
    future = (future - future.multiply(seen > 0)).tocsr()  # only items new to the user
    future.eliminate_zeros()
    return Period(key, before, seen, future)


def metrics_of(result: dict) -> dict[str, float]:
    return {m: float(result[m]) for m in METRICS}


# --- fitting -----------------------------------------------------------------------------------

def fit_base(name: str, rows: pl.DataFrame, n_users: int, n_items: int, configs: ModelConfigs,
             validate: Callable | None = None, epochs: int | None = None) -> Fitted:
    """`name` fitted on `rows`; a torch model early-stops on `validate` (ends on its best epoch)
    or trains exactly `epochs`."""
    spec = get_model(name)
    if spec.requires:
        raise ValueError(f"{name} starts from {', '.join(spec.requires)}: choose a base model without requirements")
    data = FitData(rows[C.USER_IDX].to_numpy().astype(np.int64), rows[C.ITEM_IDX].to_numpy().astype(np.int64),
                   rows[C.TIMESTAMP].to_numpy().astype(np.int64), n_users, n_items)
    start = time.perf_counter()
    model, result = spec.fit(data, configs, {}, validate=validate, epochs=epochs)
    seconds = time.perf_counter() - start
    if not spec.torch:
        return Fitted(name, "serve", model, model, seconds)
    device = resolve_device(configs.train_config(name).device)
    return Fitted(name, "serve", TorchScorer(model, device), model, seconds, result.best_epoch, result.history)


def popularity_before(period: Period, n_items: int) -> Popularity:
    pop = Popularity(n_items)
    pop.counts = np.bincount(period.before[C.ITEM_IDX].to_numpy(), minlength=n_items).astype(np.float32)
    return pop


def weight_grid(cfg: SeasonAwareConfig) -> list[dict[str, float]]:
    """Every grid point, smallest total weight first (the tie-break of choose_weights)."""
    grid = [{"lift": float(a), "popularity": float(b)} for a in cfg.lift_weights for b in cfg.popularity_weights]
    return sorted(grid, key=lambda w: (w["lift"] + w["popularity"], w["lift"]))


def choose_weights(base, prior: dict[str, np.ndarray], period: Period,
                   cfg: SeasonAwareConfig = SeasonAwareConfig()) -> tuple[dict[str, float], dict[str, dict]]:
    """The grid point with the best NDCG@10 on `period` (ties by the one-standard-error rule go to the
    smallest weights) and the validation metrics: {"blind", "aware", "popularity"}."""
    period = period.sampled(cfg.max_validation_users, cfg.seed)
    users = period.users
    n_users, n_items = period.seen.shape
    zero = {p: 0.0 for p in PRIOR_PARTS}
    pop = metrics_of(evaluate_period(popularity_before(period, n_items), period.seen, period.future))
    if len(users) < cfg.min_validation_users:
        blind = metrics_of(evaluate_period(base, period.seen, period.future)) if len(users) else \
            {m: 0.0 for m in METRICS}
        return zero, {"blind": blind, "aware": blind, "popularity": pop}
    raw = np.asarray(base.score(users), dtype=np.float32)
    z = standardize_rows(raw).astype(np.float32)
    grid, per_user = weight_grid(cfg), []
    for w in grid:
        scores = raw if w == zero else (z + sum(w[p] * prior[p][None, :] for p in PRIOR_PARTS)).astype(np.float32)
        per_user.append(period_metrics_per_user(_Precomputed(users, scores, n_users), period.seen, period.future)[1])
    ndcgs = np.stack([r["ndcg@10"] for r in per_user])  # (grid points, users)
    best = int(np.argmax(ndcgs.mean(axis=1)))
    diff = ndcgs[best][None, :] - ndcgs
    se = diff.std(axis=1, ddof=1) / np.sqrt(ndcgs.shape[1]) if ndcgs.shape[1] > 1 else np.zeros(len(grid))
    tied = diff.mean(axis=1) <= cfg.standard_errors * se
    chosen = int(np.flatnonzero(tied)[0])  # the grid is ordered smallest weights first

    def means(r):
        return {m: float(r[m].mean()) for m in METRICS}

    return grid[chosen], {"blind": means(per_user[grid.index(zero)]), "aware": means(per_user[chosen]),
                          "popularity": pop}


@dataclass
class SeasonAware:
    """A season's fitted season-aware recommender and how its weights were chosen."""

    key: str
    base: Fitted  # the season-blind model, fitted on everything before the season's start
    prior: dict[str, np.ndarray]
    weights: dict[str, float]
    validation_season: str
    validation: dict[str, dict]  # {"blind", "aware", "popularity"}: metrics on the season before
    epochs: int  # the base model's epochs, chosen on the validation season (0: not a torch model)
    validation_users: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def scorer(self) -> SeasonAwareScorer:
        return SeasonAwareScorer(self.base.scorer, self.prior, self.weights)


def fit_season_aware(interactions: pl.DataFrame, key: str, n_users: int, n_items: int,
                     codes: dict[str, np.ndarray] | None = None, cfg: SeasonAwareConfig = SeasonAwareConfig(),
                     configs: ModelConfigs | None = None, progress: Progress | None = None) -> SeasonAware:
    """The season-aware recommender for season `key`, from interactions before its start only."""
    say = progress or (lambda msg: None)
    configs = configs or ModelConfigs()
    spec = get_model(cfg.model)
    start = day_start_seconds(season_start(check_season_key(key)))
    interactions = interactions.filter(pl.col(C.TIMESTAMP) < start)  # the leak gate, whatever came in
    val_key = previous_season(key)
    val = season_period(interactions, val_key, n_users, n_items)
    val_sub = val.sampled(cfg.max_validation_users, cfg.seed)
    t0 = time.perf_counter()

    def validate(scorer):
        return evaluate_period(scorer, val_sub.seen, val_sub.future)

    has_val = len(val_sub.users) > 0
    val_base = fit_base(cfg.model, val.before, n_users, n_items, configs,
                        validate=validate if spec.torch and has_val else None)
    say(f"{key}: {cfg.model} fitted before {val_key} ({len(val.before):,} rows, epoch {val_base.best_epoch})")
    val_prior = seasonal_prior(interactions, val_key, n_items, codes, cfg)
    weights, val_metrics = choose_weights(val_base.scorer, val_prior, val, cfg)
    say(f"{key}: weights {weights} chosen on {val_key} ({len(val_sub.users):,} users): "
        f"aware ndcg@10 {val_metrics['aware']['ndcg@10']:.4f}, blind {val_metrics['blind']['ndcg@10']:.4f}, "
        f"popularity {val_metrics['popularity']['ndcg@10']:.4f}")
    t1 = time.perf_counter()
    epochs = max(val_base.best_epoch, 1) if spec.torch else 0
    base = fit_base(cfg.model, interactions, n_users, n_items, configs, epochs=epochs or None)
    prior = seasonal_prior(interactions, key, n_items, codes, cfg)
    return SeasonAware(key, base, prior, weights, val_key, val_metrics, epochs, len(val_sub.users),
                       {"validation": t1 - t0, "final": time.perf_counter() - t1})


# --- seasonal-eval -----------------------------------------------------------------------------

def evaluate_seasons(interactions: pl.DataFrame, keys: list[str], codes: dict[str, np.ndarray] | None = None,
                     cfg: SeasonAwareConfig = SeasonAwareConfig(), configs: ModelConfigs | None = None,
                     progress: Progress | None = None) -> dict:
    """For each season: fit on everything before its start, choose the weights on the season
    before, rank what each known user bought during the season (items new to them).

    {"seasons": {key: {"blind", "aware", "popularity", "weights", "users"}},
     "mean": {"blind", "aware", "popularity"}}, metrics hr@10, ndcg@10, recall@10; the mean is
    over seasons with at least one evaluated user.
    """
    keys = [check_season_key(k) for k in keys]
    if not keys:
        raise ValueError("no seasons to evaluate: pass season keys such as 2013-winter")
    n_users, n_items = int(interactions[C.USER_IDX].max()) + 1, int(interactions[C.ITEM_IDX].max()) + 1
    seasons = {}
    for key in keys:
        period = season_period(interactions, key, n_users, n_items)
        fitted = fit_season_aware(interactions, key, n_users, n_items, codes, cfg, configs, progress)
        seasons[key] = {
            "blind": metrics_of(evaluate_period(fitted.base.scorer, period.seen, period.future)),
            "aware": metrics_of(evaluate_period(fitted.scorer, period.seen, period.future)),
            "popularity": metrics_of(evaluate_period(popularity_before(period, n_items), period.seen, period.future)),
            "weights": fitted.weights,
            "users": int(len(period.users)),
        }
        if progress:
            s = seasons[key]
            progress(f"{key}: {s['users']:,} users, ndcg@10 aware {s['aware']['ndcg@10']:.4f}, blind "
                     f"{s['blind']['ndcg@10']:.4f}, popularity {s['popularity']['ndcg@10']:.4f}")
    used = [s for s in seasons.values() if s["users"] > 0]
    mean = {v: {m: float(np.mean([s[v][m] for s in used])) if used else 0.0 for m in METRICS}
            for v in ("blind", "aware", "popularity")}
    return {"seasons": seasons, "mean": mean}


def evaluate_season_file(reviews: str | Path, keys: list[str], metadata: str | Path | None = None,
                         cfg: SeasonAwareConfig = SeasonAwareConfig(), configs: ModelConfigs | None = None,
                         progress: Progress | None = None) -> dict:
    """evaluate_seasons on a review file; with `metadata`, the prior uses item attributes too
    (without, item-level lift only)."""
    from fashion_pipeline.recsys.interactions import build_interactions
    from fashion_pipeline.sources.reviews import read_reviews

    keys = [check_season_key(k) for k in keys]
    read = read_reviews(reviews)
    if progress:
        progress(f"{reviews}: {read.stats}")
    interactions = build_interactions(read.rows)
    codes = None
    if metadata is not None:
        from fashion_pipeline.recsys.attributes import attributes_from_files

        ids = interactions.select(C.ITEM_IDX, C.ITEM_ID).unique().sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy()
        codes = prior_codes(attributes_from_files(metadata, ids, progress=progress), ids)
    return evaluate_seasons(interactions, keys, codes, cfg, configs, progress)
