"""Amazon review files (2014, 2018, 2023 JSON lines and the 2023 benchmark CSVs) into one
reviews table, streamed in chunks so memory does not grow with the file.

Each chunk is validated on its own (a line's reason and number do not depend on where a chunk
starts) and appended to a staging Parquet file with two keys per row. Repeats across the whole
file are then found out of core by DuckDB on those narrow keys: the same line twice (a file
concatenated with itself) keeps its first copy, and a 2018 or 2023 review copied onto each
variant of a product keeps its first line, so a review cannot leak into both train and test.
The staging file is finally copied, minus those lines, into the target; the target and the
rejects are replaced only when everything succeeded.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from fashion_pipeline import columns as C
from fashion_pipeline.sources.atomic import ParquetChunks, parquet_chunks
from fashion_pipeline.sources.duckdb_settings import quiet_connection
from fashion_pipeline.sources.rawfiles import DEFAULT_CHUNK_LINES, iter_line_chunks, prefetched
from fashion_pipeline.sources.rejects import REJECTS_SCHEMA, ReadResult, check_reject_share
from fashion_pipeline.sources.review_csv import is_benchmark_csv, parse_csv_reviews
from fashion_pipeline.sources.review_json import parse_json_reviews
from fashion_pipeline.sources.review_schema import COPY_KEY, KEYS_SCHEMA, LINE_KEY, REVIEWS_SCHEMA

# DuckDB's memory for finding repeats; beyond it, it spills to a temporary folder beside the target.
REPEATS_MEMORY_LIMIT = "1GB"

# The staged keys live for one run and are read once: fast compression beats small.
STAGING_COMPRESSION = "lz4"

Progress = Callable[[str], None]


def ingest_reviews(source: str | Path, target: str | Path, rejects_target: str | Path, *,
                   chunk_lines: int = DEFAULT_CHUNK_LINES, now: int | None = None,
                   progress: Progress | None = None) -> dict[str, int]:
    """Parse `source` into the Parquet file `target` and its rejects into `rejects_target`;
    return the counts. Bad lines are rejected with their number and reason; a file mostly
    rejected, empty, or a truncated gzip raises MalformedFileError and leaves both targets as
    they were."""
    source, target = Path(source), Path(target)
    now = now if now is not None else int(datetime.now(timezone.utc).timestamp())
    parse = _parser_for(source)
    started, lines, first_rejects = time.perf_counter(), 0, []
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.staging-", dir=target.parent) as staging_dir, \
            parquet_chunks(rejects_target, REJECTS_SCHEMA) as rejected:
        staging = Path(staging_dir)
        with ParquetChunks(staging / "rows.parquet", REVIEWS_SCHEMA) as rows_out, \
                ParquetChunks(staging / "keys.parquet", KEYS_SCHEMA, STAGING_COMPRESSION) as keys_out:
            for chunk in prefetched(iter_line_chunks(source, chunk_lines)):
                rows, rejects = parse(source, chunk.lines, chunk.first_line, now)
                rows_out.write(rows)
                keys_out.write(rows)
                rejected.write(rejects)
                if len(first_rejects) < 3:
                    first_rejects += rejects.head(3).select(C.LINE_NUMBER, C.REASON).rows()
                lines = chunk.first_line + len(chunk.lines) - 1
                if progress is not None:
                    rate = lines / max(time.perf_counter() - started, 1e-9)
                    progress(f"{source.name}: {lines:,} lines read ({rate:,.0f} lines/s), "
                             f"{rows_out.rows:,} rows kept, {rejected.rows:,} rejected")
        header = 1 if parse is parse_csv_reviews else 0
        check_reject_share(source, lines - header, rejected.rows, first_rejects)
        duplicate_lines, variant_copies = _repeated_lines(staging / "keys.parquet", staging)
        dropped = np.union1d(duplicate_lines, variant_copies)
        with parquet_chunks(target, REVIEWS_SCHEMA) as out:
            if len(dropped) == 0:  # the usual case for a 2014 file: the rows are final as written
                out.close()
                os.replace(staging / "rows.parquet", out.path)
                out.rows = rows_out.rows
            else:
                for batch in pq.ParquetFile(staging / "rows.parquet").iter_batches(batch_size=chunk_lines):
                    out.write(pl.from_arrow(batch).filter(~pl.col(C.LINE_NUMBER).is_in(pl.Series(dropped))))
        stats = {
            "lines": lines,
            "rows": out.rows,
            "rejected": rejected.rows,
            "collapsed_variant_copies": len(variant_copies),
            "duplicate_lines": len(duplicate_lines),
            "seconds": round(time.perf_counter() - started, 2),
        }
    if progress is not None:
        progress(f"{source.name}: done, {stats}")
    return stats


def read_reviews(path: str | Path, now: int | None = None, chunk_lines: int = DEFAULT_CHUNK_LINES,
                 progress: Progress | None = None) -> ReadResult:
    """The reviews and rejects of a file as DataFrames (for files that fit in memory): the same
    ingestion as `ingest_reviews`, through a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="reviews-") as tmp:
        rows_path, rejects_path = Path(tmp) / "reviews.parquet", Path(tmp) / "rejects.parquet"
        stats = ingest_reviews(path, rows_path, rejects_path, chunk_lines=chunk_lines, now=now, progress=progress)
        stats.pop("seconds")
        return ReadResult(rows=pl.read_parquet(rows_path), rejects=pl.read_parquet(rejects_path), stats=stats)


def _parser_for(source: Path):
    """The format from the content: a benchmark CSV by its header, JSON lines otherwise."""
    first = next(iter_line_chunks(source, 1), None)
    return parse_csv_reviews if first and is_benchmark_csv(first.lines[0]) else parse_json_reviews


def _repeated_lines(staged: Path, spill_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Line numbers to drop: repeats of an earlier identical line, and later variant copies of
    a review (among lines that are not repeats). Computed by DuckDB on the keys only."""
    line_key, copy_key = ", ".join(LINE_KEY), ", ".join(COPY_KEY)
    with tempfile.TemporaryDirectory(prefix="duckdb-spill-", dir=spill_dir) as spill, \
            quiet_connection() as conn:
        conn.execute(f"SET memory_limit = '{REPEATS_MEMORY_LIMIT}'")
        conn.execute("SET temp_directory = ?", [spill])
        conn.execute("SET preserve_insertion_order = false")
        conn.execute(f"""
            CREATE TEMP TABLE keyed AS
            SELECT {C.LINE_NUMBER}, {copy_key},
                   {C.LINE_NUMBER} <> min({C.LINE_NUMBER}) OVER (PARTITION BY {line_key}) AS repeat
            FROM read_parquet(?)""", [str(staged)])
        repeats = conn.execute(f"SELECT {C.LINE_NUMBER} FROM keyed WHERE repeat ORDER BY 1").fetchnumpy()
        copies = conn.execute(f"""
            SELECT {C.LINE_NUMBER} FROM (
                SELECT {C.LINE_NUMBER}, {C.LINE_NUMBER} <> min({C.LINE_NUMBER}) OVER (PARTITION BY {copy_key}) AS copy
                FROM keyed WHERE NOT repeat AND {COPY_KEY[0]} IS NOT NULL)
            WHERE copy ORDER BY 1""").fetchnumpy()
    return repeats[C.LINE_NUMBER].astype(np.int64), copies[C.LINE_NUMBER].astype(np.int64)
