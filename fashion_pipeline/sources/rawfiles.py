"""Reading raw text files that may or may not be gzipped, as numbered lines."""

from __future__ import annotations

import zlib
from pathlib import Path

from fashion_pipeline.sources.rejects import MalformedFileError

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16  # compressed bytes per step: damage is located to within this much


def _gunzip(path: Path) -> bytes:
    """The decompressed bytes; a truncated or corrupt gzip names the file and the last whole line.

    Decompressed as a stream (members one after another, as gzip allows) so that everything up
    to the damage is known and the message can say where the file stops making sense.
    """
    out: list[bytes] = []
    inflater, fed = zlib.decompressobj(wbits=31), False
    problem = None
    with open(path, "rb") as fh:
        try:
            while block := fh.read(_CHUNK):
                while block:
                    if not fed and not block.strip(b"\0"):
                        break  # zero padding after the last member, which gzip tolerates
                    out.append(inflater.decompress(block))
                    fed = True
                    if inflater.eof:  # a member ended: the rest starts the next member
                        block, inflater, fed = inflater.unused_data, zlib.decompressobj(wbits=31), False
                    else:
                        block = b""
            if fed and not inflater.eof:
                out.append(inflater.flush())
                problem = "the file ends inside compressed data"
        except zlib.error as exc:
            problem = f"zlib: {exc}"
    data = b"".join(out)
    if problem is None:
        return data
    complete = data[: data.rfind(b"\n") + 1]
    n = complete.count(b"\n")
    last = complete[:-1].rsplit(b"\n", 1)[-1].decode("utf-8", "replace")[:80] if n else ""
    where = f"the last complete line read was line {n:,}: {last!r}" if n else "no complete line could be read"
    raise MalformedFileError(
        f"{path}: the gzip file is truncated or corrupt ({problem}); {where}. Download or copy it again"
    )


def read_raw_bytes(path: str | Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by magic number, not by name)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"raw file not found: {path}")
    with open(path, "rb") as fh:
        head = fh.read(2)
    if head == GZIP_MAGIC:
        return _gunzip(path)
    return path.read_bytes()


def read_lines(path: str | Path) -> list[bytes]:
    """Lines without their newline; a trailing newline does not make an extra empty line.

    A UTF-8 byte-order mark at the start (what some Windows editors write) is dropped.
    """
    data = read_raw_bytes(path)
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
