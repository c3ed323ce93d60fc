"""Season partitions: "2013-winter" (Dec 2013..Feb 2014), "2014-spring", ... up to the current season.

Static keys: a season is a fixed calendar span, and the schedule asks for the season that is
starting, so the keys run from the first season of Amazon's review data to the next season.
"""

from datetime import date, datetime, timezone

import dagster as dg

from fashion_pipeline.recsys.seasonal import season_keys
from fashion_pipeline.recsys.seasons import season_of

FIRST_SEASON_DAY = date(2002, 12, 1)  # the Amazon review files start in 2003


def _next_season_day(today: date) -> date:
    return date(today.year + (today.month >= 10), ((today.month + 2) % 12) + 1, 1)


SEASON_KEYS = season_keys(FIRST_SEASON_DAY, _next_season_day(datetime.now(timezone.utc).date()))
season_partitions = dg.StaticPartitionsDefinition(SEASON_KEYS)


def current_season(at: datetime) -> str:
    return season_of(at.date())
