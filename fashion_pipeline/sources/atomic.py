"""Atomic writes: a crash or a bad input never leaves a half-written artifact behind.

Every writer goes to a temporary file in the target's folder and renames it over the target,
which POSIX guarantees to be atomic on one filesystem.

The temporary file is named `.<target name>.<host>.<pid>.<random>.tmp`. A process killed
mid-write leaves one behind; the next write of the same target removes every such file whose
process (on this host) is gone, and temporaries in the older `.<name>.<random>.tmp` form once
they are an hour old.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl

_UMASK = os.umask(0)
os.umask(_UMASK)
LEGACY_TEMP_MAX_AGE_S = 3600  # an unnamed-owner temporary older than this is a leftover
_SCANNED: dict[str, list[str]] = {}  # folder -> hidden *.tmp names found when first written to
_SCAN_LOCK = threading.Lock()


def host_name() -> str:
    """This machine's name, as it appears in temp names and run tags (letters, digits, dashes)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:64] or "host"


def temp_name(target: Path) -> str:
    """`.<target name>.<host>.<pid>.<random>.tmp`: who wrote a leftover is in its name."""
    return f".{target.name}.{host_name()}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _temps_in(folder: Path) -> list[str]:
    """Hidden `*.tmp` names in `folder`, listed once per process: a folder of 100k images is
    scanned once, not once per image written."""
    key = str(folder.resolve())
    with _SCAN_LOCK:
        if key not in _SCANNED:
            try:
                _SCANNED[key] = [e.name for e in os.scandir(folder) if e.name.startswith(".") and e.name.endswith(".tmp")]
            except OSError:
                _SCANNED[key] = []
        return _SCANNED[key]


def remove_stale_temps(target: str | os.PathLike) -> list[Path]:
    """Delete the temporaries of `target` left by dead processes on this host; return them."""
    target = Path(target)
    prefix, host, removed = f".{target.name}.", host_name(), []
    if not target.parent.is_dir():
        return removed
    names = _temps_in(target.parent)
    for name in [n for n in names if n.startswith(prefix)]:
        tmp = target.parent / name
        middle = name[len(prefix):-len(".tmp")]
        parts = middle.rsplit(".", 2)
        stale = False
        if len(parts) == 3 and parts[1].isdigit():
            stale = parts[0] == host and int(parts[1]) != os.getpid() and not pid_alive(int(parts[1]))
        elif "." not in middle:  # the older mkstemp form: no owner recorded, judge by age
            with contextlib.suppress(OSError):
                stale = time.time() - tmp.stat().st_mtime > LEGACY_TEMP_MAX_AGE_S
        if stale:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                removed.append(tmp)
            with _SCAN_LOCK, contextlib.suppress(ValueError):
                names.remove(name)
    return removed


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it over `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    tmp = target.parent / temp_name(target)
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # created 0600 while written; artifacts are for everyone to read
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_parquet(df: pl.DataFrame, target: str | os.PathLike) -> Path:
    with atomic_path(target) as tmp:
        df.write_parquet(tmp, compression="zstd")
    return Path(target)


def write_bytes(data: bytes, target: str | os.PathLike) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


class ParquetChunks:
    """Appends DataFrames with one schema to an open Parquet file, one row group or more each."""

    def __init__(self, path: Path, schema: dict[str, pl.DataType], compression: str = "zstd"):
        import pyarrow.parquet as pq

        self.path, self.schema, self.rows = Path(path), schema, 0
        self._arrow_schema = pl.DataFrame(schema=schema).to_arrow().schema
        self._writer = pq.ParquetWriter(path, self._arrow_schema, compression=compression)

    def write(self, df: pl.DataFrame) -> None:
        if df.is_empty():
            return
        self._writer.write_table(df.select(list(self.schema)).cast(self.schema).to_arrow().cast(self._arrow_schema))
        self.rows += df.height

    def close(self) -> None:
        if self._writer.is_open:
            self._writer.close()

    def __enter__(self) -> "ParquetChunks":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def parquet_chunks(target: str | os.PathLike, schema: dict[str, pl.DataType],
                   compression: str = "zstd") -> Iterator[ParquetChunks]:
    """Write a Parquet file chunk by chunk in bounded memory; it replaces `target` only when the
    block ends without an error (an empty file with the schema when nothing was written)."""
    with atomic_path(target) as tmp, ParquetChunks(tmp, schema, compression) as writer:
        yield writer
