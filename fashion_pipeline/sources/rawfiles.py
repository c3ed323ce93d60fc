"""Reading raw text files that may or may not be gzipped, as numbered lines."""

from __future__ import annotations

import gzip
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"


def read_raw_bytes(path: str | Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by magic number, not by name)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"raw file not found: {path}")
    with open(path, "rb") as fh:
        head = fh.read(2)
    if head == GZIP_MAGIC:
        with gzip.open(path, "rb") as fh:
            return fh.read()
    return path.read_bytes()


def read_lines(path: str | Path) -> list[bytes]:
    """Lines without their newline; a trailing newline does not make an extra empty line."""
    data = read_raw_bytes(path)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
