"""The Dagster layer on the generated sample: every asset materializes and every check passes."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.definitions import build_definitions, without_vision
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.sample.writers import REVIEWS_FILE


def _run(data: FashionData):
    defs = build_definitions(data, mlruns_dir=str(Path(data.data_dir).parent / "mlruns"))
    return defs.resolve_job_def("all_assets_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, asset_selection=without_vision(defs))


def test_all_assets_materialize_into_the_warehouse(small_sample, tmp_path):
    data = FashionData.for_folders(small_sample, tmp_path / "data")
    result = _run(data)
    assert result.success
    made = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert made == {("reviews",), ("products",), ("interactions",), ("warehouse",), ("interaction_splits",),
                    ("popularity_model",), ("als_model",), ("ease_model",), ("slist_model",), ("gmf_model",), ("mlp_model",), ("neumf_model",),
                    ("sasrec_model",), ("sasrec_plus_ease_model",), ("sasrec_plus_als_model",), ("sasrec_plus_slist_model",),
                    ("champion_model",), ("user_recommendations",), ("item_attributes",),
                    ("recommendation_report",)}
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 5 and all(c.passed for c in checks)

    reviews = pl.read_parquet(data.layout.parsed("reviews"))
    with duckdb.connect(str(data.layout.warehouse), read_only=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"reviews", "products", "interactions", "rejects", "interaction_details"} <= tables
        n_reviews = conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
        untitled = conn.execute("SELECT count(*) FROM interaction_details WHERE title IS NULL").fetchone()[0]
        seasons = conn.execute("SELECT count(DISTINCT season) FROM interactions").fetchone()[0]
    assert n_reviews == len(reviews)
    assert untitled < 0.01 * n_reviews  # the view joins titles for (nearly) every interaction
    assert seasons > 8
    with duckdb.connect(str(data.layout.warehouse), read_only=True) as conn:
        reranked, reasons, per_user = conn.execute(
            f"SELECT bool_and({C.RERANKED}), count(*) FILTER ({C.RERANK_REASON} LIKE 'model rank %'), "
            "max(n) FROM (SELECT *, count(*) OVER (PARTITION BY reviewer_id, asin) AS n FROM user_recommendations)"
        ).fetchone()
        n_rows = conn.execute("SELECT count(*) FROM user_recommendations").fetchone()[0]
    assert reranked and reasons == n_rows and per_user == 1  # every row re-ranked, explained, no duplicates

    meta = {tuple(e.asset_key.path): e.materialization.metadata for e in result.get_asset_materialization_events()}
    assert meta[("reviews",)]["dagster/row_count"].value == len(reviews)
    assert meta[("interactions",)]["users_below_k"].value == 0


def test_bad_lines_land_in_rejects_and_the_warehouse(small_sample, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(small_sample, raw)
    import gzip
    with gzip.open(raw / REVIEWS_FILE, "at") as fh:
        fh.write('{"reviewerID": "AX", "asin": "B1", "overall": 9.0, "unixReviewTime": 1300000000}\n{broken\n')
    data = FashionData.for_folders(raw, tmp_path / "data")
    assert _run(data).success
    rejects = pl.read_parquet(data.layout.rejects("reviews"))
    assert sorted(rejects[C.REASON].to_list())[1] == "overall outside 1..5"
    assert len(rejects) == 2
    with duckdb.connect(str(data.layout.warehouse), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM rejects").fetchone()[0] == 2


def test_missing_raw_file_fails_with_a_message_that_says_what_to_do(tmp_path):
    data = FashionData.for_folders(tmp_path / "nowhere", tmp_path / "data")
    result = _run(data)
    assert not result.success
    failure = [e for e in result.all_events if e.is_step_failure][0]
    message = failure.step_failure_data.error.cause.message if failure.step_failure_data.error.cause else failure.step_failure_data.error.message
    assert "reviews file not found" in message and "FASHION_REVIEWS" in message
    assert not (tmp_path / "data" / "parsed" / "reviews.parquet").exists()


def test_definitions_load_with_the_default_resources():
    from fashion_pipeline.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {"reviews", "products", "interactions", "warehouse", "raw/reviews"} <= keys
