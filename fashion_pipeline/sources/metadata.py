"""Amazon product metadata, 2014 and 2018 formats, into one table with fashion attributes.

2014 (meta_Clothing_Shoes_and_Jewelry.json.gz) lines are Python dict literals, not JSON: they
are parsed with `ast.literal_eval`, which evaluates literals only and never runs code (the
original project used `eval`). 2018 lines are strict JSON with other field names (category,
also_buy, also_view, rank, image, price as "$12.99"). Strings carry HTML entities; they are
unescaped here.
"""

from __future__ import annotations

import ast
import html
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.attributes import with_attributes
from fashion_pipeline.sources.rawfiles import read_lines
from fashion_pipeline.sources.rejects import ReadResult, fail_if_mostly_bad, make_rejects

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

_ASIN_IN_LINE = re.compile(rb"""["']asin["']\s*:\s*["']([^"']+)["']""")
_PRICE = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?")


def read_metadata(path: str | Path, keep_asins: Iterable[str] | None = None) -> ReadResult:
    """Parse a metadata file; with `keep_asins`, lines of other products are skipped unparsed.

    The real 2014 clothing metadata has about 1.5M products for 23K reviewed ones, so skipping
    by a cheap asin match before `literal_eval` is what makes it fast.
    """
    path = Path(path)
    lines = read_lines(path)
    keep = set(keep_asins) if keep_asins is not None else None
    rows, bad_n, bad_r, bad_raw = [], [], [], []
    skipped = 0
    for n, raw in enumerate(lines, start=1):
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
        asin = obj.get("asin")
        if not isinstance(asin, str) or not asin.strip():
            bad_n.append(n)
            bad_r.append("missing asin")
            bad_raw.append(text)
            continue
        try:
            rows.append(_product_row(obj, n))
        except (ValueError, OverflowError, RecursionError) as exc:  # a value no column can hold
            bad_n.append(n)
            bad_r.append(str(exc) if isinstance(exc, ValueError) else f"value out of range ({type(exc).__name__})")
            bad_raw.append(text)
    rejects = make_rejects(path, bad_n, bad_r, bad_raw)
    fail_if_mostly_bad(path, len(lines) - skipped, rejects)
    table = pl.DataFrame(rows, schema=PRODUCTS_SCHEMA, orient="row") if rows else pl.DataFrame(schema=PRODUCTS_SCHEMA)
    dup = table.filter(pl.col(C.ITEM_ID).is_duplicated() & ~pl.col(C.ITEM_ID).is_first_distinct())
    if len(dup):
        rejects = pl.concat([rejects, make_rejects(path, dup[C.LINE_NUMBER].to_list(),
                                                   ["duplicate asin"] * len(dup), dup[C.ITEM_ID].to_list())])
        table = table.unique(C.ITEM_ID, keep="first", maintain_order=True)
    stats = {"lines": len(lines), "rows": len(table), "rejected": len(rejects), "skipped_not_reviewed": skipped}
    return ReadResult(rows=with_attributes(table), rejects=rejects.sort(C.LINE_NUMBER), stats=stats)


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
    if not isinstance(cats, list):
        return None
    paths = [" > ".join(html.unescape(str(c)) for c in path) for path in cats if isinstance(path, list)]
    return " | ".join(p for p in paths if p) or None


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


def _product_row(obj: dict, line_number: int) -> tuple:
    related = obj.get("related") if isinstance(obj.get("related"), dict) else {}
    image = obj.get("imUrl")
    if image is None and isinstance(obj.get("imageURLHighRes") or obj.get("image"), list):
        images = obj.get("imageURLHighRes") or obj.get("image")
        image = images[0] if images else None
    rank, rank_cat = _sales_rank(obj)
    return (
        obj["asin"].strip(),
        _text(obj.get("title")),
        _text(obj.get("brand")),
        _price(obj.get("price")),
        image if isinstance(image, str) else None,
        _categories(obj),
        _text(obj.get("description")),
        rank,
        rank_cat,
        _asins(related.get("also_bought", obj.get("also_buy"))),
        _asins(related.get("also_viewed", obj.get("also_view"))),
        _asins(related.get("bought_together")),
        line_number,
    )
