"""Seasonal training sets: the model for a season learns from the same season of earlier years
plus the most recent history before the season starts, and from nothing at or after its start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.recsys.seasons import next_season, season_of, season_start


@dataclass(frozen=True)
class SeasonalConfig:
    # Days of history right before the season's start that are always included: the user's
    # current taste, whatever the season.
    recent_window_days: int = 180
    # Earlier years of the same season to include (None = all of them).
    same_season_years: int | None = None


def season_keys(first: date, last: date) -> list[str]:
    """Every season label from the one containing `first` to the one containing `last`, in order."""
    keys = [season_of(first)]
    end = season_of(last)
    while keys[-1] != end:
        keys.append(next_season(keys[-1]))
    return keys


def day_start_seconds(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp())


def seasonal_training_rows(interactions: pl.DataFrame, key: str, cfg: SeasonalConfig = SeasonalConfig()) -> pl.DataFrame:
    """The interactions the model for season `key` may learn from."""
    start = day_start_seconds(season_start(key))
    year_text, name = key.split("-")
    year = int(year_text)
    earlier_same = pl.col(C.SEASON).str.ends_with(f"-{name}") & (pl.col(C.TIMESTAMP) < start)
    if cfg.same_season_years is not None:
        oldest = f"{year - cfg.same_season_years}-{name}"
        earlier_same = earlier_same & (pl.col(C.SEASON) >= oldest)
    recent = pl.col(C.TIMESTAMP).is_between(start - cfg.recent_window_days * 86_400, start, closed="left")
    return interactions.filter((earlier_same | recent) & (pl.col(C.TIMESTAMP) < start))


def fit_seasonal_model(rows: pl.DataFrame, n_users: int, n_items: int, model: str = "gmf",
                       configs=None, half_life_days: float | None = None, progress=None):
    """Train `model` on a season's training rows under the usual protocol (its own leave-last-out
    split, all before the season starts) and compare it with popularity on validation.

    Returns ({model: metrics, "popularity": metrics}, the model refit on every row for serving,
    and the split, whose seen_matrix("serve") is what the user already has).
    """
    from fashion_pipeline.recsys.data import leave_last_out
    from fashion_pipeline.recsys.experiment import ModelConfigs, fit_and_evaluate

    configs = configs or ModelConfigs()
    train_cfg = configs.train_config(model)
    if train_cfg is not None:
        train_cfg.half_life_days = half_life_days
    split = leave_last_out(rows, n_users=n_users, n_items=n_items)
    empty = {"validation": {}, "test": {}, "serve": {}}
    pop_metrics, _ = fit_and_evaluate("popularity", split, configs, empty, progress=progress)
    metrics, fits = fit_and_evaluate(model, split, configs, empty, serve=True, progress=progress)
    return {model: metrics, "popularity": pop_metrics}, fits["serve"], split
