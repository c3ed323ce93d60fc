"""Amazon product metadata, 2014, 2018 and 2023 formats, into one table with fashion attributes.

2014 (meta_Clothing_Shoes_and_Jewelry.json.gz) lines are Python dict literals, not JSON: they
are parsed with `ast.literal_eval`, which evaluates literals only and never runs code (the
original project used `eval`). 2018 lines are strict JSON with other field names (category,
also_buy, also_view, rank, image, price as "$12.99"). 2023 lines (meta_<Category>.jsonl) are
strict JSON keyed by parent_asin, with store, features, description as a list, price a number
or "None", images as a list of {thumb, large, hi_res, variant} or a dict of lists, categories
one flat list and details a dict or a JSON string. Strings carry HTML entities; they are
unescaped here.
"""

from __future__ import annotations

import ast
import html
import json
import math
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.atomic import parquet_chunks
from fashion_pipeline.sources.attributes import with_attributes
from fashion_pipeline.sources.rawfiles import DEFAULT_CHUNK_LINES, iter_line_chunks
from fashion_pipeline.sources.rejects import REJECTS_SCHEMA, ReadResult, check_reject_share, make_rejects

PRODUCTS_SCHEMA = {
    C.ITEM_ID: pl.Utf8,
    C.TITLE: pl.Utf8,
    C.BRAND: pl.Utf8,
    C.PRICE: pl.Float64,
    C.IMAGE_URL: pl.Utf8,
    C.CATEGORIES: pl.Utf8,
    C.DESCRIPTION: pl.Utf8,
    C.SALES_RANK: pl.Int64,
    C.SALES_RANK_CATEGORY: pl.Utf8,
    C.ALSO_BOUGHT: pl.List(pl.Utf8),
    C.ALSO_VIEWED: pl.List(pl.Utf8),
    C.BOUGHT_TOGETHER: pl.List(pl.Utf8),
    C.LINE_NUMBER: pl.Int64,
}

DUPLICATE = "duplicate asin"
PRODUCTS_WITH_ATTRIBUTES = dict(with_attributes(pl.DataFrame(schema=PRODUCTS_SCHEMA)).schema)

# The product id near a line's start (2014, 2018: asin) or anywhere (2023: parent_asin).
_ASIN_IN_LINE = re.compile(rb"""["'](?:parent_)?asin["']\s*:\s*["']([^"']+)["']""")
_PRICE = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?")


def ingest_metadata(source: str | Path, target: str | Path, rejects_target: str | Path,
                    keep_asins: Iterable[str] | None = None, *, chunk_lines: int = DEFAULT_CHUNK_LINES,
                    progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Parse a metadata file chunk by chunk into the Parquet file `target` (and its rejects);
    with `keep_asins`, lines of other products are skipped unparsed. Returns the counts.

    The real 2014 clothing metadata has about 1.5M products for 23K reviewed ones, so skipping
    by a cheap asin match before parsing is what makes it fast. Memory holds one chunk and the
    set of asins seen (a second line of an asin is rejected as a duplicate).
    """
    source = Path(source)
    keep = set(keep_asins) if keep_asins is not None else None
    seen: set[str] = set()
    started, lines, skipped, duplicates, first_rejects = time.perf_counter(), 0, 0, 0, []
    with parquet_chunks(rejects_target, REJECTS_SCHEMA) as rejected, \
            parquet_chunks(target, PRODUCTS_WITH_ATTRIBUTES) as out:
        for chunk in iter_line_chunks(source, chunk_lines):
            rows, rejects, chunk_skipped = _parse_chunk(source, chunk.lines, chunk.first_line, keep, seen)
            repeats = rejects.filter(pl.col(C.REASON) == DUPLICATE)
            duplicates += repeats.height
            out.write(with_attributes(rows))
            rejected.write(rejects)
            skipped += chunk_skipped
            if len(first_rejects) < 3:
                first_rejects += rejects.filter(pl.col(C.REASON) != DUPLICATE).head(3).select(C.LINE_NUMBER, C.REASON).rows()
            lines = chunk.first_line + len(chunk.lines) - 1
            if progress is not None:
                rate = lines / max(time.perf_counter() - started, 1e-9)
                progress(f"{source.name}: {lines:,} lines read ({rate:,.0f} lines/s), {out.rows:,} products kept, "
                         f"{skipped:,} skipped as not reviewed, {rejected.rows:,} rejected")
        # A repeated product is a well-formed line: it does not make the file look like the wrong one.
        check_reject_share(source, lines - skipped, rejected.rows - duplicates, first_rejects)
        return {"lines": lines, "rows": out.rows, "rejected": rejected.rows, "skipped_not_reviewed": skipped}


def read_metadata(path: str | Path, keep_asins: Iterable[str] | None = None) -> ReadResult:
    """The products and rejects of a metadata file as DataFrames (for files that fit in memory):
    the same ingestion as `ingest_metadata`, through a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="metadata-") as tmp:
        rows_path, rejects_path = Path(tmp) / "products.parquet", Path(tmp) / "rejects.parquet"
        stats = ingest_metadata(path, rows_path, rejects_path, keep_asins)
        return ReadResult(rows=pl.read_parquet(rows_path), rejects=pl.read_parquet(rejects_path), stats=stats)


def _parse_chunk(path: Path, lines: list[bytes], first_line: int, keep: set[str] | None,
                 seen: set[str]) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(products, rejects, lines skipped) of one chunk. Metadata lines are Python literals or
    JSON objects of very different shapes, so they are parsed one by one; the skip comes first."""
    rows, bad_n, bad_r, bad_raw = [], [], [], []
    skipped = 0
    for n, raw in enumerate(lines, start=first_line):
        if keep is not None:
            m = _ASIN_IN_LINE.search(raw)
            if m and m.group(1).decode("utf-8", "replace") not in keep:
                skipped += 1
                continue
        text = raw.decode("utf-8", "replace")
        try:
            obj = _parse_line(text)
        except ValueError as exc:
            bad_n.append(n)
            bad_r.append(str(exc))
            bad_raw.append(text)
            continue
        asin = obj.get("asin", obj.get("parent_asin"))
        if not isinstance(asin, str) or not asin.strip():
            bad_n.append(n)
            bad_r.append("missing parent_asin" if "parent_asin" in obj else "missing asin")
            bad_raw.append(text)
            continue
        if asin.strip() in seen:
            bad_n.append(n)
            bad_r.append(DUPLICATE)
            bad_raw.append(asin.strip())
            continue
        try:
            rows.append(_product_row(obj, asin.strip(), n))
        except (ValueError, OverflowError, RecursionError) as exc:  # a value no column can hold
            bad_n.append(n)
            bad_r.append(str(exc) if isinstance(exc, ValueError) else f"value out of range ({type(exc).__name__})")
            bad_raw.append(text)
            continue
        seen.add(asin.strip())
    table = pl.DataFrame(rows, schema=PRODUCTS_SCHEMA, orient="row") if rows else pl.DataFrame(schema=PRODUCTS_SCHEMA)
    return table, make_rejects(path, bad_n, bad_r, bad_raw), skipped


def _parse_line(text: str) -> dict:
    stripped = text.strip()
    if not stripped:
        raise ValueError("empty line")
    try:
        obj = json.loads(stripped)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except json.JSONDecodeError:
        try:
            obj = ast.literal_eval(stripped)
        except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
            raise ValueError(f"neither JSON nor a Python literal: {type(exc).__name__}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"not a dict (a {type(obj).__name__})")
    return obj


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):  # 2018 description and title are sometimes lists of lines
        value = " ".join(str(v) for v in value if v)
    value = html.unescape(str(value)).strip()
    return value or None


def _price(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        price = float(value)  # OverflowError for an int beyond float: the line is rejected
        if not math.isfinite(price):
            raise ValueError("price out of range")
        return price
    if isinstance(value, str):
        m = _PRICE.search(value)  # "$12.99", "$9.99 - $19.99": the lower bound
        if not m:
            return None
        price = float(m.group(0).replace(",", ""))
        if not math.isfinite(price):
            raise ValueError("price out of range")
        return price
    return None


def _categories(obj: dict) -> str | None:
    cats = obj.get("categories")
    if cats is None and isinstance(obj.get("category"), list):  # 2018: one flat path
        cats = [obj["category"]]
    if isinstance(cats, list) and cats and all(isinstance(c, str) for c in cats):
        cats = [cats]  # 2023: one flat path too, under the 2014 name
    if not isinstance(cats, list) or not cats:
        main = obj.get("main_category")  # 2023: "AMAZON FASHION" where no path is given
        cats = [[main]] if isinstance(main, str) and main else None
    if not isinstance(cats, list):
        return None
    paths = [" > ".join(html.unescape(str(c)) for c in path) for path in cats if isinstance(path, list)]
    return " | ".join(p for p in paths if p) or None


def _details(obj: dict) -> dict:
    """2023 `details`: a dict, or the same dict as a JSON string; anything else is no details."""
    details = obj.get("details")
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except (json.JSONDecodeError, RecursionError):
            return {}
    return details if isinstance(details, dict) else {}


def _image_url(obj: dict) -> str | None:
    """2014 imUrl, 2018 imageURLHighRes/image lists, 2023 images as a list of
    {thumb, large, hi_res, variant} or a dict of such lists."""
    image = obj.get("imUrl")
    if image is None and isinstance(obj.get("imageURLHighRes") or obj.get("image"), list):
        images = obj.get("imageURLHighRes") or obj.get("image")
        image = images[0] if images else None
    images = obj.get("images")
    if image is None and isinstance(images, dict):
        image = next((v[0] for k in ("large", "hi_res", "thumb") if isinstance(v := images.get(k), list) and v
                      and isinstance(v[0], str)), None)
    if image is None and isinstance(images, list) and images and isinstance(images[0], dict):
        image = next((images[0][k] for k in ("large", "hi_res", "thumb") if isinstance(images[0].get(k), str)), None)
    return image if isinstance(image, str) else None


def _sales_rank(obj: dict) -> tuple[int | None, str | None]:
    rank = obj.get("salesRank")
    if isinstance(rank, dict) and rank:
        cat, value = next(iter(rank.items()))
        return _rank_value(value), html.unescape(str(cat))
    rank = obj.get("rank")  # 2018: "1,234 in Clothing, Shoes & Jewelry (" or a list of those
    if isinstance(rank, list):
        rank = rank[0] if rank else None
    if isinstance(rank, str):
        m = re.match(r"\s*([\d,]+)\s+in\s+(.+?)\s*\(?$", html.unescape(rank))
        if m:
            return _rank_value(int(m.group(1).replace(",", ""))), m.group(2)
    return None, None


def _rank_value(value) -> int | None:
    """A sales rank as an int64, None when it is not a number; ValueError when it does not fit."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("salesRank out of range")
    rank = int(value)
    if not -(2**63) <= rank < 2**63:
        raise ValueError("salesRank out of range")
    return rank


def _asins(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _product_row(obj: dict, asin: str, line_number: int) -> tuple:
    related = obj.get("related") if isinstance(obj.get("related"), dict) else {}
    details = _details(obj)
    rank, rank_cat = _sales_rank(obj)
    description = obj.get("description")
    if isinstance(obj.get("features"), list) and obj["features"]:  # 2023: bullet points
        description = (description if isinstance(description, list) else [description]) + obj["features"]
    brand = obj.get("brand") or details.get("Brand") or details.get("Brand Name") or obj.get("store")
    return (
        asin,
        _text(obj.get("title")),
        _text(brand),
        _price(obj.get("price")),
        _image_url(obj),
        _categories(obj),
        _text(description),
        rank,
        rank_cat,
        _asins(related.get("also_bought", obj.get("also_buy"))),
        _asins(related.get("also_viewed", obj.get("also_view"))),
        _asins(related.get("bought_together", obj.get("bought_together"))),
        line_number,
    )
