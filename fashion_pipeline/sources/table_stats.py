"""Counts over a parsed table, computed by DuckDB on the Parquet file (or a DataFrame) so that
an asset check or the UI's metadata never loads an 11M-row table into Python."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.duckdb_settings import quiet_connection

Table = pl.DataFrame | str | Path


@contextmanager
def _query(table: Table) -> Iterator[tuple[object, str]]:
    """(connection, relation name) for a Parquet path or a DataFrame."""
    with quiet_connection() as conn:
        if isinstance(table, pl.DataFrame):
            conn.register("t", table.to_arrow())
            yield conn, "t"
        else:
            yield conn, "read_parquet('{}')".format(str(table).replace("'", "''"))


def row_count(table: Table) -> int:
    with _query(table) as (conn, t):
        return conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]


def null_counts(table: Table, columns: Sequence[str]) -> dict[str, int]:
    with _query(table) as (conn, t):
        row = conn.execute(f"SELECT {', '.join(f'count(*) - count({c})' for c in columns)} FROM {t}").fetchone()
    return dict(zip(columns, map(int, row)))


def coverage(table: Table, columns: Sequence[str]) -> dict[str, float]:
    """Share of rows where each column is not null."""
    with _query(table) as (conn, t):
        row = conn.execute(f"SELECT count(*), {', '.join(f'count({c})' for c in columns)} FROM {t}").fetchone()
    return {c: round(n / max(row[0], 1), 3) for c, n in zip(columns, row[1:])}


def duplicate_rows(table: Table, columns: Sequence[str]) -> int:
    """Rows beyond the first of each distinct value of `columns`."""
    cols = ", ".join(columns)
    with _query(table) as (conn, t):
        return conn.execute(f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {t})) FROM {t}"
                            ).fetchone()[0]


def distinct_count(table: Table, column: str) -> int:
    with _query(table) as (conn, t):
        return conn.execute(f"SELECT count(DISTINCT {column}) FROM {t}").fetchone()[0]


def reject_counts(table: Table) -> dict[str, int]:
    """Rejected lines per reason."""
    with _query(table) as (conn, t):
        rows = conn.execute(f"SELECT {C.REASON}, count(*) FROM {t} GROUP BY 1 ORDER BY 1").fetchall()
    return {reason: n for reason, n in rows}


def core_violations(table: Table, k: int = 5) -> dict[str, int]:
    """How many users and items have fewer than k interactions (0 and 0 for a k-core)."""
    with _query(table) as (conn, t):
        users, items = conn.execute(f"""
            SELECT (SELECT count(*) FROM (SELECT {C.USER_IDX} FROM {t} GROUP BY 1 HAVING count(*) < {int(k)})),
                   (SELECT count(*) FROM (SELECT {C.ITEM_IDX} FROM {t} GROUP BY 1 HAVING count(*) < {int(k)}))
        """).fetchone()
    return {"users_below_k": users, "items_below_k": items}


def head(table: Table, rows: int = 5) -> pl.DataFrame:
    return table.head(rows) if isinstance(table, pl.DataFrame) else pl.scan_parquet(table).head(rows).collect()
