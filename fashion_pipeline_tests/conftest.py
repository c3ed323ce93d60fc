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
