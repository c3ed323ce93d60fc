"""Asset metadata helpers: the numbers and previews the Dagster UI shows."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl

from fashion_pipeline.sources.rejects import ReadResult


def table_preview(df: pl.DataFrame, rows: int = 5) -> dg.MetadataValue:
    head = df.head(rows).select([c for c in df.columns if df.schema[c] != pl.Binary])
    header = "| " + " | ".join(head.columns) + " |\n|" + "---|" * len(head.columns) + "\n"
    body = "".join("| " + " | ".join(str(v)[:40] for v in row) + " |\n" for row in head.rows())
    return dg.MetadataValue.md(header + body)


def read_result_metadata(result: ReadResult, path: Path, rejects_path: Path) -> dict:
    """What a reader kept and refused, for the UI."""
    return {
        "dagster/row_count": len(result.rows),
        "path": dg.MetadataValue.path(str(path)),
        "rejected": len(result.rejects),
        "rejected_by_reason": dg.MetadataValue.json(result.reject_counts()),
        "rejects_path": dg.MetadataValue.path(str(rejects_path)),
        "stats": dg.MetadataValue.json(result.stats),
        "preview": table_preview(result.rows),
    }
