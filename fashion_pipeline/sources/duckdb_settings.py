"""How every in-process DuckDB connection of the pipeline is opened."""

from __future__ import annotations


def quiet_connection(database: str = ":memory:"):
    """A connection without DuckDB's progress bar.

    DuckDB draws a progress bar on stdout for queries longer than two seconds: in a Dagster step
    or a benchmark that reads a stage's stdout it is noise (it once broke the benchmark's parse at
    the 2023 size). Callers report progress as log lines instead. The option is per session, so it
    is set on the connection, not in `duckdb.connect(config=...)`, which refuses it.
    """
    import duckdb  # imported here: the readers that never query should not pay for it

    conn = duckdb.connect(database)
    conn.execute("SET enable_progress_bar = false")
    return conn
