"""Reading raw text files that may or may not be gzipped, as numbered lines, in bounded memory.

Files are streamed: `iter_line_chunks` holds one chunk of lines (and one decompressed block)
at a time, whatever the file's size, so a 66M-line 2023 review file reads like a small one.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fashion_pipeline.sources.rejects import MalformedFileError

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
READ_BYTES = 1 << 20  # compressed (or plain) bytes read per step
# Decompressed bytes produced per step: a gzip bomb inflates in steps of this, never at once.
INFLATE_BYTES = 16 << 20
# Lines per chunk: about 60 MB of 2014 review text; with the decoded table a few hundred MB.
DEFAULT_CHUNK_LINES = 100_000


@dataclass
class LineChunk:
    """Consecutive lines of a file, without their newlines; `first_line` is lines[0]'s 1-based number."""

    first_line: int
    lines: list[bytes]


class _Damaged(Exception):
    """The compressed stream stops making sense; the line reader turns this into the message."""


def _gunzip_blocks(path: Path) -> Iterator[bytes]:
    """Decompressed blocks of a gzip file: members one after another, as gzip allows, and the
    zero padding some tools write after the last member tolerated."""
    inflater, fed = zlib.decompressobj(wbits=31), False
    with open(path, "rb") as fh:
        try:
            while block := fh.read(READ_BYTES):
                while block:
                    if not fed and not block.strip(b"\0"):
                        break
                    out = inflater.decompress(block, INFLATE_BYTES)
                    fed = True
                    if out:
                        yield out
                    if inflater.eof:  # a member ended: the rest starts the next member
                        block, inflater, fed = inflater.unused_data, zlib.decompressobj(wbits=31), False
                    else:
                        block = inflater.unconsumed_tail
        except zlib.error as exc:
            raise _Damaged(f"zlib: {exc}") from None
    if fed and not inflater.eof:
        tail = inflater.flush()
        if tail:
            yield tail
        raise _Damaged("the file ends inside compressed data")


def _plain_blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while block := fh.read(READ_BYTES * 8):
            yield block


def _blocks(path: Path) -> Iterator[bytes]:
    """The file's bytes in blocks, gunzipped when it is gzip (by magic number, not by name)."""
    if not path.exists():
        raise FileNotFoundError(f"raw file not found: {path}")
    with open(path, "rb") as fh:
        head = fh.read(2)
    return _gunzip_blocks(path) if head == GZIP_MAGIC else _plain_blocks(path)


def iter_line_chunks(path: str | Path, chunk_lines: int = DEFAULT_CHUNK_LINES) -> Iterator[LineChunk]:
    """Chunks of exactly `chunk_lines` lines (the last one shorter), numbered from 1.

    A trailing newline does not make an extra empty line, a `\\r` before the newline is dropped,
    and so is a UTF-8 byte-order mark at the start (what some Windows editors write). A truncated
    or corrupt gzip raises MalformedFileError naming the file and the last complete line read;
    the chunks before it have been yielded, so a writer must not keep what it wrote from them.
    """
    if chunk_lines < 1:
        raise ValueError(f"chunk_lines must be at least 1, got {chunk_lines}")
    path = Path(path)
    pending: list[bytes] = []
    partial, first_line, at_start = b"", 1, True
    try:
        for block in _blocks(path):
            if at_start:
                block = partial + block
                partial = b""
                if len(block) < len(UTF8_BOM) and UTF8_BOM.startswith(block):
                    partial = block  # too short to tell yet
                    continue
                if block.startswith(UTF8_BOM):
                    block = block[len(UTF8_BOM):]
                at_start = False
            # Windows line ends: one C-speed replace per block (a "\r" at a block's end stays in
            # `partial` and meets its "\n" in the next).
            parts = (partial + block).replace(b"\r\n", b"\n").split(b"\n")
            partial = parts.pop()
            pending.extend(parts)
            while len(pending) >= chunk_lines:
                yield LineChunk(first_line, pending[:chunk_lines])
                first_line += chunk_lines
                pending = pending[chunk_lines:]
    except _Damaged as exc:
        complete = first_line - 1 + len(pending)
        last = pending[-1] if pending else None
        raise MalformedFileError(_damage_message(path, str(exc), complete, last)) from None
    if partial:
        pending.append(partial[:-1] if partial.endswith(b"\r") else partial)
    if pending:
        yield LineChunk(first_line, pending)


def _damage_message(path: Path, problem: str, complete: int, last: bytes | None) -> str:
    if complete and last is not None:
        where = f"the last complete line read was line {complete:,}: {last.decode('utf-8', 'replace')[:80]!r}"
    elif complete:
        where = f"the last complete line read was line {complete:,}"
    else:
        where = "no complete line could be read"
    return f"{path}: the gzip file is truncated or corrupt ({problem}); {where}. Download or copy it again"


def prefetched(items: Iterable, depth: int = 2) -> Iterator:
    """`items`, produced by a background thread up to `depth` ahead: reading and decompressing
    the next chunk (zlib releases the GIL) overlaps parsing this one (polars releases it too).
    An exception in the producer is raised here, at the item where it happened."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    done, stop = object(), threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put((item, None))
            buffer.put((done, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            buffer.put((done, exc))

    thread = threading.Thread(target=produce, name="line-chunks", daemon=True)
    thread.start()
    try:
        while True:
            item, error = buffer.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full buffer
            try:
                buffer.get_nowait()
            except queue.Empty:
                thread.join(0.05)
