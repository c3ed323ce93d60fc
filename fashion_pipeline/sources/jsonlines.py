"""Decoding JSON-lines files into a typed table, with exact rejects for the lines that fail.

The fast path hands the whole file to polars' JSON decoder. That decoder fails the whole column
on one broken line, so only then do we fall back to `json.loads` line by line to find and
reject the bad ones; clean files never pay for a Python loop.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.rejects import make_rejects

RAW = "_raw"


def decode_json_lines(path: Path, lines: list[bytes], schema: dict[str, pl.DataType]):
    """Return (table with the schema's fields + line_number + _raw, rejects) for `lines`.

    Fields missing from a line become null; fields of the wrong type become null (the caller's
    validation then names the field); lines that are not JSON objects are rejected here.
    """
    frame = pl.DataFrame({
        C.LINE_NUMBER: pl.int_range(1, len(lines) + 1, eager=True, dtype=pl.Int64),
        RAW: _as_text(lines),  # null where the bytes are not UTF-8
    })
    not_utf8 = frame[RAW].is_null()
    empty = ~not_utf8 & (frame[RAW].str.strip_chars() == "")
    bad = frame.filter(not_utf8 | empty)
    rejects_n = bad[C.LINE_NUMBER].to_list()
    rejects_r = ["not UTF-8 text" if t is None else "empty line" for t in bad[RAW].to_list()]
    rejects_raw = [lines[n - 1].decode("utf-8", "replace") for n in rejects_n]
    frame = frame.filter(~(not_utf8 | empty))
    struct = pl.Struct(schema)
    try:
        decoded = frame[RAW].str.json_decode(struct)
        table = frame.with_columns(decoded.alias("_s")).unnest("_s")
    except pl.exceptions.PolarsError:
        table, bad = _decode_line_by_line(frame, schema)
        rejects_n += bad[0]
        rejects_r += bad[1]
        rejects_raw += bad[2]
    rejects = make_rejects(path, rejects_n, rejects_r, rejects_raw).sort(C.LINE_NUMBER)
    return table, rejects


def _as_text(lines: list[bytes]) -> pl.Series:
    try:
        return pl.Series(RAW, lines, dtype=pl.Binary).cast(pl.Utf8)
    except pl.exceptions.PolarsError:  # some line is not UTF-8: find which, line by line
        texts = []
        for line in lines:
            try:
                texts.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(None)
        return pl.Series(RAW, texts, dtype=pl.Utf8)


def _decode_line_by_line(frame: pl.DataFrame, schema: dict[str, pl.DataType]):
    rows, keep_n, keep_raw = [], [], []
    bad_n, bad_r, bad_raw = [], [], []
    for n, text in zip(frame[C.LINE_NUMBER].to_list(), frame[RAW].to_list()):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            bad_n.append(n)
            bad_r.append(f"broken JSON: {exc.msg} at column {exc.colno}")
            bad_raw.append(text)
            continue
        if not isinstance(obj, dict):
            bad_n.append(n)
            bad_r.append(f"not a JSON object (a {type(obj).__name__})")
            bad_raw.append(text)
            continue
        rows.append({k: _coerce(obj.get(k), dtype) for k, dtype in schema.items()})
        keep_n.append(n)
        keep_raw.append(text)
    table = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    table = table.with_columns(
        pl.Series(C.LINE_NUMBER, keep_n, dtype=pl.Int64), pl.Series(RAW, keep_raw, dtype=pl.Utf8)
    ).select(C.LINE_NUMBER, RAW, *schema)
    return table, (bad_n, bad_r, bad_raw)


def _coerce(value, dtype):
    """A JSON value as `dtype`, or None when it does not fit (validation reports the field)."""
    if value is None:
        return None
    try:
        if dtype == pl.Utf8:
            return value if isinstance(value, str) else json.dumps(value)
        if dtype == pl.Float64:
            return float(value) if not isinstance(value, bool) else None
        if dtype == pl.Int64:
            f = float(value) if not isinstance(value, bool) else None
            return int(f) if f is not None and f == int(f) else None
        if dtype == pl.Boolean:
            return value if isinstance(value, bool) else None
        if isinstance(dtype, pl.List):
            return [_coerce(v, dtype.inner) for v in value] if isinstance(value, list) else None
    except (TypeError, ValueError, OverflowError):
        return None
    return None
