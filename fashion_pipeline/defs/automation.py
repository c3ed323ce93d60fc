"""What starts runs without a person: the season schedule and the raw-reviews sensor."""

from pathlib import Path

import dagster as dg

from fashion_pipeline.defs.ingestion import interactions, products, reviews
from fashion_pipeline.defs.partitions import current_season, season_partitions
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.seasonal import SEASONAL_ASSETS
from fashion_pipeline.defs.warehouse import warehouse
from fashion_pipeline.sources.digest import file_sha256

# Seasons start on the first of December, March, June and September.
SEASON_START_CRON = "0 3 1 3,6,9,12 *"

seasonal_job = dg.define_asset_job("seasonal_job", selection=dg.AssetSelection.assets(*SEASONAL_ASSETS),
                                   partitions_def=season_partitions)
ingestion_job = dg.define_asset_job("ingestion_job",
                                    selection=dg.AssetSelection.assets(reviews, products, interactions, warehouse))


@dg.schedule(cron_schedule=SEASON_START_CRON, job=seasonal_job, execution_timezone="UTC")
def season_start_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """At each season's start, retrain for the season that is starting (not every season, not
    the one that just ended)."""
    key = current_season(context.scheduled_execution_time)
    return dg.RunRequest(run_key=key, partition_key=key)


@dg.sensor(job=ingestion_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def raw_reviews_sensor(context: dg.SensorEvaluationContext, fashion_data: FashionData):
    """Starts ingestion when the raw reviews file's content changes (not just its mtime)."""
    path = Path(fashion_data.reviews_path)
    if not path.exists():
        return dg.SkipReason(f"no reviews file at {path}")
    digest = file_sha256(path)
    if digest == context.cursor:
        return dg.SkipReason("reviews file unchanged")
    context.update_cursor(digest)
    return dg.RunRequest(run_key=digest)
