"""Seasonal partitions, the season schedule, the raw-reviews sensor."""

import json
import shutil
from datetime import datetime, timezone

import dagster as dg
import duckdb
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.definitions import build_definitions
from fashion_pipeline.defs.automation import raw_reviews_sensor, season_start_schedule
from fashion_pipeline.defs.partitions import SEASON_KEYS
from fashion_pipeline.defs.resources import FashionData

from fashion_pipeline.recsys.seasonal import day_start_seconds
from fashion_pipeline.recsys.seasons import season_start
from fashion_pipeline.sample.writers import REVIEWS_FILE

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@pytest.fixture(scope="module")
def winter_2013(small_sample, tmp_path_factory):
    root = tmp_path_factory.mktemp("seasonal")
    data = FashionData.for_folders(small_sample, root / "data")
    defs = build_definitions(data, mlruns_dir=str(root / "mlruns"))
    with dg.DagsterInstance.ephemeral() as instance:
        assert defs.resolve_implicit_global_asset_job_def().get_subset(
            asset_selection={dg.AssetKey(k) for k in ("reviews", "products", "interactions", "warehouse",
                                                      "interaction_splits")}
        ).execute_in_process(instance=instance, run_config=QUIET).success
        result = defs.resolve_job_def("seasonal_job").execute_in_process(
            instance=instance, partition_key="2013-winter", run_config=QUIET)
    return data, result


def test_winter_model_learns_from_all_history_before_the_season_and_nothing_after(winter_2013):
    data, result = winter_2013
    assert result.success
    loaded = pl.read_parquet(data.layout.season_training_set("2013-winter"))
    start = day_start_seconds(season_start("2013-winter"))
    assert start == int(datetime(2013, 12, 1, tzinfo=timezone.utc).timestamp())
    assert len(loaded) > 0 and (loaded[C.TIMESTAMP] < start).all()
    # everything before the start: earlier winters and every other season, the user's whole taste
    everything = pl.read_parquet(data.layout.parsed("interactions"))
    assert len(loaded) == everything.filter(pl.col(C.TIMESTAMP) < start).height
    assert {"2011-winter", "2012-winter", "2012-summer", "2013-autumn"} <= set(loaded[C.SEASON])
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"no_training_row_at_or_after_season_start": True, "seasonal_model_beats_blind_and_popularity": True}


def test_seasonal_model_reports_weights_chosen_on_the_season_before(winter_2013):
    data, result = winter_2013
    info = json.loads(data.layout.season_model_info("2013-winter").read_text())
    assert info["validation_season"] == "2013-autumn" and info["validation_users"] > 0
    assert set(info["weights"]) == {"lift", "popularity"} and all(w >= 0 for w in info["weights"].values())
    assert set(info["validation"]) == {"blind", "aware", "popularity"}
    assert info["validation"]["aware"]["ndcg@10"] >= info["validation"]["blind"]["ndcg@10"]
    [mat] = [m for m in result.get_asset_materialization_events() if m.asset_key == dg.AssetKey("seasonal_model")]
    meta = mat.materialization.metadata
    assert {"weights", "validation ndcg@10 aware", "validation ndcg@10 blind", "validation ndcg@10 popularity"} <= set(meta)


def test_seasonal_recommendations_carry_the_season(winter_2013):
    data, _ = winter_2013
    with duckdb.connect(str(data.layout.warehouse), read_only=True) as conn:
        seasons = conn.execute("SELECT DISTINCT season FROM seasonal_recommendations").fetchall()
        leaked = conn.execute(
            "SELECT count(*) FROM seasonal_recommendations r JOIN interactions i USING (reviewer_id, asin) "
            "WHERE i.unix_review_time < ?", [day_start_seconds(season_start("2013-winter"))]).fetchone()[0]
    assert seasons == [("2013-winter",)]
    assert leaked == 0  # nothing the user had already bought before the season
    with duckdb.connect(str(data.layout.warehouse), read_only=True) as conn:
        unexplained = conn.execute(f"SELECT count(*) FROM seasonal_recommendations WHERE NOT {C.RERANKED} "
                                   f"OR {C.RERANK_REASON} IS NULL").fetchone()[0]
    assert unexplained == 0  # re-ranked, and every row says why


@pytest.mark.parametrize("when, expected", [
    (datetime(2013, 12, 1, 3, tzinfo=timezone.utc), "2013-winter"),
    (datetime(2014, 3, 1, 3, tzinfo=timezone.utc), "2014-spring"),
    (datetime(2014, 6, 1, 3, tzinfo=timezone.utc), "2014-summer"),
    (datetime(2014, 9, 1, 3, tzinfo=timezone.utc), "2014-autumn"),
    (datetime(2015, 12, 1, 3, tzinfo=timezone.utc), "2015-winter"),
])
def test_schedule_requests_the_season_that_starts(when, expected):
    with dg.instance_for_test() as instance:
        request = season_start_schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=when))
    assert request.partition_key == expected and expected in SEASON_KEYS


def test_schedule_ticks_only_at_season_starts():
    from dagster._utils.schedules import cron_string_iterator  # what the scheduler daemon itself iterates

    it = cron_string_iterator(datetime(2013, 11, 15, tzinfo=timezone.utc).timestamp(),
                              season_start_schedule.cron_schedule, "UTC")
    ticks = [next(it) for _ in range(4)]
    assert [t.strftime("%Y-%m-%d") for t in ticks] == ["2013-12-01", "2014-03-01", "2014-06-01", "2014-09-01"]


def test_sensor_runs_ingestion_only_when_the_reviews_content_changes(small_sample, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(small_sample, raw)
    data = FashionData.for_folders(raw, tmp_path / "data")
    with dg.instance_for_test() as instance:
        first = raw_reviews_sensor(dg.build_sensor_context(instance=instance, resources={"fashion_data": data}))
        assert isinstance(first, dg.RunRequest)
        cursor = first.run_key
        same = raw_reviews_sensor(dg.build_sensor_context(instance=instance, cursor=cursor,
                                                          resources={"fashion_data": data}))
        assert isinstance(same, dg.SkipReason)
        path = raw / REVIEWS_FILE
        path.touch()  # a new mtime alone is no change
        assert isinstance(raw_reviews_sensor(dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"fashion_data": data})), dg.SkipReason)
        path.write_bytes(path.read_bytes() + b"")
        with open(path, "ab") as fh:
            fh.write(b"\n")
        changed = raw_reviews_sensor(dg.build_sensor_context(instance=instance, cursor=cursor,
                                                             resources={"fashion_data": data}))
        assert isinstance(changed, dg.RunRequest) and changed.run_key != cursor
