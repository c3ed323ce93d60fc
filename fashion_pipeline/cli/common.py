"""What several commands share: where the data is, and Dagster's home for runs started here."""

from __future__ import annotations

import os
from pathlib import Path

from fashion_pipeline import layout as project
from fashion_pipeline.layout import ArtifactLayout

# Dagster's console logger at WARNING: the demo prints its own summary; failures still show.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def artifact_layout(data_dir: str | Path | None = None) -> ArtifactLayout:
    """--data-dir, else $FASHION_DATA_DIR, else the project's data/."""
    return ArtifactLayout(data_dir or os.environ.get("FASHION_DATA_DIR") or project.default_data_dir())


def warehouse_path(option: str | None) -> Path:
    """--warehouse, else the layout's warehouse."""
    return Path(option) if option else artifact_layout().warehouse


def ensure_dagster_home() -> Path:
    """Runs started here land in the project's DAGSTER_HOME, so `dagster dev` shows them."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(project.dagster_home())))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return home
