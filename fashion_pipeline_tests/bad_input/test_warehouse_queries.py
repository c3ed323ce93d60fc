"""SQL typed at `fashion-pipeline query`: it can read the warehouse and nothing else."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import polars as pl
import pytest

from fashion_pipeline.serving.readonly import (
    QueryFailedError, UnsafeQueryError, WarehouseBusyError, connect_readonly, run_query,
)
from fashion_pipeline.sources.atomic import write_parquet


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE reviews AS SELECT * FROM range(5) r(n)")
    parsed = write_parquet(pl.DataFrame({"asin": ["A", "B"]}), tmp_path / "parsed" / "reviews.parquet")
    return path, parsed


def test_select_runs_and_prints_like_duckdb(warehouse):
    path, _ = warehouse
    result = run_query(path, "SELECT count(*) AS n FROM reviews")
    assert result.columns == ["n"] and result.rows == [(5,)]
    assert "│" in str(result) and "5" in str(result)
    assert run_query(path, "DESCRIBE reviews").rows[0][0] == "n"


@pytest.mark.parametrize("sql, reason", [
    ("COPY (SELECT 1) TO '{parsed}'", "COPY"),
    ("COPY reviews TO '{parsed}' (FORMAT parquet)", "COPY"),
    ("EXPORT DATABASE '{tmp}/export'", "EXPORT"),
    ("ATTACH '{tmp}/other.duckdb' AS other", "ATTACH"),
    ("SET enable_external_access = true", "SET"),
    ("RESET lock_configuration", "SET"),
    ("PRAGMA enable_profiling", "PRAGMA"),
    ("INSTALL httpfs", "INSTALL/LOAD"),
    ("LOAD httpfs", "INSTALL/LOAD"),
    ("CREATE TABLE t AS SELECT 1", "CREATE"),
    ("DROP TABLE reviews", "DROP"),
    ("INSERT INTO reviews VALUES (9)", "INSERT"),
    ("SELECT 1; DROP TABLE reviews", "one statement"),
    ("EXPLAIN ANALYZE COPY reviews TO '{parsed}'", "COPY"),
])
def test_writing_or_reaching_out_is_refused(warehouse, tmp_path, sql, reason):
    path, parsed = warehouse
    before, db_before = parsed.read_bytes(), path.read_bytes()
    with pytest.raises(UnsafeQueryError, match=reason) as info:
        run_query(path, sql.format(parsed=parsed, tmp=tmp_path))
    assert "\n" not in str(info.value)
    assert parsed.read_bytes() == before  # the parsed reviews are byte-identical
    assert path.read_bytes() == db_before
    assert not (tmp_path / "other.duckdb").exists() and not (tmp_path / "export").exists()


def test_reading_files_outside_the_warehouse_is_refused(warehouse, tmp_path):
    path, parsed = warehouse
    secret = tmp_path / "secret.txt"
    secret.write_text("host-name")
    for sql in (f"SELECT * FROM read_text('{secret}')", f"SELECT * FROM read_parquet('{parsed}')",
                f"SELECT * FROM read_csv('{secret}')"):
        with pytest.raises(UnsafeQueryError, match="reaches outside the warehouse"):
            run_query(path, sql)


def test_connection_guards_hold_even_without_the_statement_check(warehouse):
    path, parsed = warehouse
    before = parsed.read_bytes()
    with connect_readonly(path) as conn:
        with pytest.raises(duckdb.Error):
            conn.execute(f"COPY (SELECT 1) TO '{parsed}'")
        with pytest.raises(duckdb.Error, match="locked"):
            conn.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error, match="read-only"):
            conn.execute("CREATE TABLE t (a INT)")
    assert parsed.read_bytes() == before


def test_bad_sql_is_one_line(warehouse):
    path, _ = warehouse
    for sql in ("SELEC 1", "SELECT * FROM no_such_table", ""):
        with pytest.raises(QueryFailedError) as info:
            run_query(path, sql)
        assert "\n" not in str(info.value)
    with pytest.raises(FileNotFoundError, match="no warehouse"):
        run_query(path.with_name("absent.duckdb"), "SELECT 1")


_HOLD_LOCK = (
    "import duckdb, sys, time\n"
    "conn = duckdb.connect(sys.argv[1])\n"
    "print('locked', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "conn.close()\n"
)


def _writer(path, seconds):
    proc = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(path), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_busy_warehouse_raises_after_the_wait(warehouse):
    path, _ = warehouse
    proc = _writer(path, 30)
    try:
        start = time.monotonic()
        with pytest.raises(WarehouseBusyError, match=r"is busy: a pipeline step is writing it; try again in a moment"):
            run_query(path, "SELECT count(*) FROM reviews", wait_s=0.6)
        assert 0.6 <= time.monotonic() - start < 10
    finally:
        proc.kill()
        proc.wait()


def test_query_waits_for_a_short_write(warehouse):
    path, _ = warehouse
    proc = _writer(path, 0.8)
    try:
        assert run_query(path, "SELECT count(*) FROM reviews", wait_s=15).rows == [(5,)]
    finally:
        proc.kill()
        proc.wait()
