"""Read-only access to the DuckDB warehouse for people typing SQL: nothing they write can change
a file, read one outside the warehouse, or turn those guards off.

Two layers:
  - the connection: read_only, enable_external_access=false (no COPY TO, ATTACH, read_csv or
    read_text on any path), lock_configuration=true (no SET can undo that);
  - run_query: only SELECT-like statements (SELECT, FROM, WITH, DESCRIBE, SHOW, SUMMARIZE,
    EXPLAIN of those) and a few reading PRAGMAs are executed; anything else is refused with a
    one-line UnsafeQueryError before it reaches DuckDB.

A pipeline step that writes the warehouse holds its lock; connect_readonly waits up to `wait_s`
for it and then raises WarehouseBusyError.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

READONLY_CONFIG = {"access_mode": "READ_ONLY", "enable_external_access": False, "lock_configuration": True}
RETRY_EVERY_S = 0.2
# PRAGMAs that only read the catalogue or the engine's version; every other PRAGMA is refused.
READING_PRAGMAS = frozenset({
    "show_tables", "show_tables_expanded", "table_info", "show", "database_size", "database_list",
    "version", "platform", "storage_info", "functions", "collations", "metadata_info",
})
_PRAGMA_NAME = re.compile(r"^\s*pragma\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
_EXPLAIN = re.compile(r"^\s*explain\s+(analy[sz]e\s+)?", re.IGNORECASE)
_WHY = {
    "COPY": "COPY writes or reads files",
    "COPY_DATABASE": "COPY DATABASE writes a database",
    "EXPORT": "EXPORT writes files",
    "ATTACH": "ATTACH opens another database file",
    "DETACH": "DETACH changes the attached databases",
    "SET": "SET/RESET/USE change the connection's configuration",
    "VARIABLE_SET": "SET VARIABLE changes the connection's state",
    "LOAD": "INSTALL/LOAD add extensions",
    "EXTENSION": "extensions cannot be changed",
    "PRAGMA": "this PRAGMA changes configuration",
    "CALL": "CALL runs procedures (use SELECT * FROM <function>(...) for table functions)",
    "TRANSACTION": "transactions are not needed to read",
}


class UnsafeQueryError(ValueError):
    """A statement that would write, change configuration or reach outside the warehouse."""


class WarehouseBusyError(RuntimeError):
    """A pipeline step holds the warehouse's write lock longer than the caller waited."""


class QueryFailedError(ValueError):
    """A read-only query DuckDB could not run (syntax, unknown table...): one line, no traceback."""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def connect_readonly(warehouse: Path, wait_s: float = 15.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection to `warehouse`: read-only, no external access, configuration locked.

    While a writer holds the lock, retries every 0.2 s for up to `wait_s` seconds, then raises
    WarehouseBusyError. FileNotFoundError if there is no warehouse file.
    """
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: materialize the warehouse asset first (make demo)")
    deadline = time.monotonic() + max(0.0, wait_s)
    while True:
        try:
            conn = duckdb.connect(str(warehouse), config=dict(READONLY_CONFIG))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise QueryFailedError(f"cannot open the warehouse {warehouse}: {_one_line(exc)}") from None
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"the warehouse {warehouse} is busy: a pipeline step is writing it; try again in a moment"
                ) from None
            time.sleep(min(RETRY_EVERY_S, max(0.0, deadline - time.monotonic())) or RETRY_EVERY_S / 4)
    try:
        yield conn
    finally:
        conn.close()


def check_statement(sql: str) -> None:
    """Raise UnsafeQueryError unless `sql` is one statement that only reads."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailedError(f"cannot parse the query: {_one_line(exc)}") from None
    if not statements:
        raise QueryFailedError("the query is empty")
    if len(statements) > 1:
        raise UnsafeQueryError(f"one statement at a time, please ({len(statements)} given)")
    stmt = statements[0]
    kind = stmt.type.name
    if kind == "SELECT":
        return
    if kind == "EXPLAIN":
        inner = _EXPLAIN.sub("", sql, count=1)
        if inner != sql:  # EXPLAIN [ANALYZE] runs only what would run on its own
            check_statement(inner)
            return
    if kind == "PRAGMA":
        m = _PRAGMA_NAME.match(sql)
        if m and m.group(1).lower() in READING_PRAGMAS and "=" not in sql:
            return
    why = _WHY.get(kind, f"{kind} statements change the warehouse")
    raise UnsafeQueryError(f"refused: the warehouse is read-only here and {why}; only SELECT queries run")


@dataclass
class QueryResult:
    """What run_query returns: column names, DuckDB type names and the rows, read in full."""

    columns: list[str]
    types: list[str]
    rows: list[tuple]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_polars(self):
        import polars as pl

        return pl.DataFrame(self.rows, schema=self.columns, orient="row", infer_schema_length=None)

    def __str__(self) -> str:
        """DuckDB's own box table, as `print(conn.sql(...))` shows it."""
        if not self.columns:
            return ""
        with duckdb.connect(":memory:", config={"enable_external_access": False}) as mem:
            mem.register("result", self.to_polars().to_arrow())
            return str(mem.sql("SELECT * FROM result"))


def run_query(warehouse: Path, sql: str, wait_s: float = 15.0) -> QueryResult:
    """Run one read-only statement on `warehouse` and return its result, fully read.

    UnsafeQueryError for statements that write or reach outside the warehouse (checked before
    DuckDB sees them, and again by the connection's own guards); QueryFailedError for a query
    DuckDB rejects; WarehouseBusyError while a writer holds the lock past `wait_s`.
    """
    check_statement(sql)
    with connect_readonly(warehouse, wait_s=wait_s) as conn:
        try:
            rel = conn.sql(sql)
            if rel is None:
                return QueryResult([], [], [])
            columns, types = list(rel.columns), [str(t) for t in rel.types]
            rows = rel.fetchall()
        except duckdb.PermissionException as exc:
            raise UnsafeQueryError(f"refused: the query reaches outside the warehouse ({_one_line(exc)})") from None
        except duckdb.InvalidInputException as exc:
            message = _one_line(exc)
            if "read-only" in message or "locked" in message:
                raise UnsafeQueryError(f"refused: {message}") from None
            raise QueryFailedError(message) from None
        except duckdb.Error as exc:
            raise QueryFailedError(_one_line(exc)) from None
    return QueryResult(columns, types, rows)
