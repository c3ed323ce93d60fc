"""What several commands share: where the data is, and Dagster's home for runs started here."""

from __future__ import annotations

import json
import os
import sys
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
    """Runs started here land in the project's DAGSTER_HOME (telemetry off, run monitoring on),
    so `dagster dev` shows them."""
    from fashion_pipeline.dagster_home import dagster_home_from_env

    return dagster_home_from_env(project.dagster_home())


def require_positive_k(k: int) -> int:
    """-k: how many items to show; at least one."""
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    return k


def progress(message: str) -> None:
    """Progress of long work on stderr, so stdout stays the report."""
    print(message, file=sys.stderr, flush=True)


def print_report(report: dict, out: Path | None) -> None:
    """The JSON report on stdout, and written atomically to `out` when given."""
    text = json.dumps(report, indent=2, default=float)
    if out:
        from fashion_pipeline.sources.atomic import write_bytes

        write_bytes(text.encode(), out)
        progress(f"wrote {out}")
    print(text)
