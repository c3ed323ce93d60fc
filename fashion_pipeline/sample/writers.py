"""Writers of the real raw formats (see shared/docs/formats.md). Each writes atomically."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np

from fashion_pipeline.sources.atomic import atomic_path

REVIEWS_FILE = "reviews_Clothing_Shoes_and_Jewelry_5.json.gz"
METADATA_FILE = "meta_Clothing_Shoes_and_Jewelry.json.gz"
DVBPR_FILE = "AmazonFashion6ImgPartitioned.npy"
INSHOP_DIR = "In-shop_Clothes_Retrieval_Benchmark"

REVIEW_FIELDS = ("reviewerID", "asin", "reviewerName", "helpful", "reviewText", "overall",
                 "summary", "unixReviewTime", "reviewTime")


def _gzip_text(path: Path) -> io.TextIOWrapper:
    """A gzip text writer with a fixed header time, so the same seed gives the same bytes."""
    raw = gzip.GzipFile(filename="", fileobj=open(path, "wb"), mode="wb", compresslevel=5, mtime=0)
    raw.myfileobj = raw.fileobj  # close the underlying file together with the gzip stream
    return io.TextIOWrapper(raw, encoding="utf-8")


def write_reviews(path: Path, columns: dict[str, list]) -> None:
    """2014 review lines: strict JSON in the real field order; reviewerName left out when None."""
    n = len(columns["reviewerID"])
    with atomic_path(path) as tmp, _gzip_text(tmp) as fh:
        for i in range(n):
            record = {k: columns[k][i] for k in REVIEW_FIELDS}
            if record["reviewerName"] is None:
                del record["reviewerName"]
            fh.write(json.dumps(record) + "\n")


def write_metadata(path: Path, records: list[dict]) -> None:
    """2014 metadata lines: Python dict reprs (single quotes), exactly as the real file."""
    with atomic_path(path) as tmp, _gzip_text(tmp) as fh:
        for record in records:
            fh.write(repr(record) + "\n")


def write_dvbpr(path: Path, user_train: dict, user_validation: dict, user_test: dict,
                items: list[dict], usernum: int, itemnum: int) -> None:
    """The DVBPR object array [user_train, user_validation, user_test, Item, usernum, itemnum]."""
    arr = np.empty(6, dtype=object)
    for i, part in enumerate([user_train, user_validation, user_test, items, usernum, itemnum]):
        arr[i] = part  # one by one: numpy would otherwise try to broadcast the lists
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, arr, allow_pickle=True)


def write_listing(path: Path, header: str, rows: list[str]) -> None:
    """A DeepFashion listing: count line, header line, rows."""
    with atomic_path(path) as tmp:
        tmp.write_text(f"{len(rows)}\n{header}\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
