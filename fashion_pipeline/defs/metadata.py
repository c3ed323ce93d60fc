"""Asset metadata helpers: the numbers and previews the Dagster UI shows."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl

from fashion_pipeline.sources import table_stats


def table_preview(df: pl.DataFrame, rows: int = 5) -> dg.MetadataValue:
    head = df.head(rows).select([c for c in df.columns if df.schema[c] != pl.Binary])
    header = "| " + " | ".join(head.columns) + " |\n|" + "---|" * len(head.columns) + "\n"
    body = "".join("| " + " | ".join(str(v)[:40] for v in row) + " |\n" for row in head.rows())
    return dg.MetadataValue.md(header + body)


def ingested_metadata(stats: dict[str, int], path: Path, rejects_path: Path) -> dict:
    """What an ingestion step kept and refused, for the UI, counted on the written files."""
    return {
        "dagster/row_count": stats["rows"],
        "path": dg.MetadataValue.path(str(path)),
        "rejected": stats["rejected"],
        "rejected_by_reason": dg.MetadataValue.json(table_stats.reject_counts(rejects_path)),
        "rejects_path": dg.MetadataValue.path(str(rejects_path)),
        "stats": dg.MetadataValue.json(stats),
        "preview": table_preview(table_stats.head(path)),
    }
