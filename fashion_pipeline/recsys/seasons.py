"""Fashion seasons: winter = Dec..Feb labelled by its December's year, spring = Mar..May,
summer = Jun..Aug, autumn = Sep..Nov. So 2014-01-15 belongs to "2013-winter"."""

from __future__ import annotations

from datetime import date

import polars as pl

SEASONS = ("winter", "spring", "summer", "autumn")
# month (1..12) -> season name
MONTH_SEASON = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
                6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
SEASON_START_MONTH = {"winter": 12, "spring": 3, "summer": 6, "autumn": 9}


def season_of(d: date) -> str:
    year = d.year - 1 if d.month in (1, 2) else d.year
    return f"{year}-{MONTH_SEASON[d.month]}"


def season_expr(timestamp_s: pl.Expr) -> pl.Expr:
    """Season label ("2013-winter") of a unix-seconds column, vectorized."""
    dt = pl.from_epoch(timestamp_s, time_unit="s")
    month = dt.dt.month()
    year = pl.when(month <= 2).then(dt.dt.year() - 1).otherwise(dt.dt.year())
    name = month.replace_strict(MONTH_SEASON, return_dtype=pl.Utf8)
    return pl.format("{}-{}", year, name)


def next_season(label: str) -> str:
    """The season after `label`: "2013-autumn" -> "2013-winter" -> "2014-spring"."""
    year, name = label.split("-")
    following = {"winter": "spring", "spring": "summer", "summer": "autumn", "autumn": "winter"}[name]
    return f"{int(year) + (name == 'winter')}-{following}"


def previous_season(label: str) -> str:
    """The season before `label`: "2014-spring" -> "2013-winter" -> "2013-autumn"."""
    year, name = label.split("-")
    before = {"winter": "autumn", "spring": "winter", "summer": "spring", "autumn": "summer"}[name]
    return f"{int(year) - (name == 'spring')}-{before}"


def check_season_key(label: str) -> str:
    """`label` if it is a season key ("2013-winter"), else ValueError."""
    parts = label.split("-")
    if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in SEASONS:
        raise ValueError(f"not a season key: {label!r} (expected e.g. 2013-winter, 2014-spring)")
    return label


def season_start(label: str) -> date:
    """First day of a season label: "2013-winter" -> 2013-12-01."""
    year, name = label.split("-")
    return date(int(year), SEASON_START_MONTH[name], 1)
