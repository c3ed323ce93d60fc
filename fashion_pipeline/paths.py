"""Where the project keeps its artifacts.

Everything lives under one project folder so that a clone is self-contained: data/ for
artifacts, mlruns/ for MLflow, .dagster_home/ for Dagster's run history.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "FASHION_PIPELINE_HOME"


def project_root() -> Path:
    """The project folder: $FASHION_PIPELINE_HOME, else the source checkout, else the cwd."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").exists() and (checkout / "fashion_pipeline").is_dir():
        return checkout
    return Path.cwd().resolve()


def data_dir() -> Path:
    return project_root() / "data"


def sample_dir() -> Path:
    """The built-in sample, in exactly the raw formats (written by `fashion-pipeline sample`)."""
    return data_dir() / "sample"


def dagster_home() -> Path:
    return project_root() / ".dagster_home"
