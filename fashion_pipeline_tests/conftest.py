"""Shared fixtures: one generated small sample per test session, and the real data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def shared_path(relative: str) -> Path:
    """A file in ../shared/data, or a skip that names the missing path."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data not available: {path} is absent")
    return path


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory) -> Path:
    from fashion_pipeline.sample.generate import generate_sample

    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, scale="small", seed=0)
    return out


@pytest.fixture(scope="session")
def small_sample_split(small_sample):
    from fashion_pipeline.recsys.data import leave_last_out
    from fashion_pipeline.recsys.interactions import build_interactions
    from fashion_pipeline.sample.writers import REVIEWS_FILE
    from fashion_pipeline.sources.reviews import read_reviews

    return leave_last_out(build_interactions(read_reviews(small_sample / REVIEWS_FILE).rows))


@pytest.fixture
def tiny_warehouse(tmp_path) -> Path:
    """A warehouse as the assets leave it, by hand: one product, one buyer, one recommendation."""
    import duckdb

    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE products AS SELECT 'B1' AS asin, 'Red Dress' AS title")
        conn.execute("CREATE TABLE interactions AS SELECT 'U0' AS reviewer_id, 'B1' AS asin")
        conn.execute("CREATE VIEW interaction_details AS SELECT * FROM interactions JOIN products USING (asin)")
        conn.execute("CREATE TABLE user_recommendations AS SELECT 'U1' AS reviewer_id, 1 AS rank, 'B1' AS asin, "
                     "0.9 AS score, 'gmf' AS model")
        conn.execute("CREATE VIEW user_recommendation_details AS SELECT * FROM user_recommendations "
                     "JOIN products USING (asin)")
    return path
