"""The DVBPR image dataset (AmazonFashion6ImgPartitioned.npy from kang205/DVBPR).

The file is a pickled numpy object array [user_train, user_validation, user_test, Item,
usernum, itemnum]. Item[i]['imgs'] holds the raw encoded image bytes and Item[i]['c'] a 6-way
one-hot category. Pickles written by Python 2 load with bytes keys (b'imgs'), files written by
Python 3 with str keys; both are accepted.

SECURITY: unpickling runs code embedded in the file. Only call this on a path the user
configured themselves (the pipeline never fetches one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from fashion_pipeline.sources.rejects import MalformedFileError

ITEM_INDEX = "item_index"
IMAGE_BYTES = "image_bytes"
CATEGORY_INDEX = "category_index"
USER_INDEX = "user_index"
PARTITION = "partition"


@dataclass
class DvbprData:
    items: pl.DataFrame  # item_index, image_bytes, category_index (argmax of 'c', null if absent)
    interactions: pl.DataFrame  # user_index, item_index, partition (train/validation/test)
    usernum: int
    itemnum: int


def _get(entry, key: str):
    """entry[key] for str or bytes keys (Python 3 vs Python 2 pickles)."""
    if key in entry:
        return entry[key]
    return entry.get(key.encode()) if hasattr(entry, "get") else None


def load_dvbpr(path: str | Path) -> DvbprData:
    """Load the .npy (see the module's security note) into item and interaction tables."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"DVBPR file not found: {path}")
    try:
        arr = np.load(path, encoding="bytes", allow_pickle=True)
    except Exception as exc:  # numpy raises many types for a non-npy file
        raise MalformedFileError(f"{path}: not a readable .npy pickle ({type(exc).__name__}: {exc})") from exc
    if arr.dtype != object or len(arr) != 6:
        raise MalformedFileError(
            f"{path}: expected an object array of 6 elements [user_train, user_validation, "
            f"user_test, Item, usernum, itemnum], got dtype={arr.dtype} shape={arr.shape}"
        )
    user_train, user_val, user_test, items, usernum, itemnum = arr
    item_rows = {ITEM_INDEX: [], IMAGE_BYTES: [], CATEGORY_INDEX: []}
    indices = range(len(items)) if not isinstance(items, dict) else sorted(items)
    for i in indices:
        entry = items[i]
        img = _get(entry, "imgs")
        if isinstance(img, str):  # loaded with encoding='latin1'
            img = img.encode("latin1")
        onehot = _get(entry, "c")
        item_rows[ITEM_INDEX].append(int(i))
        item_rows[IMAGE_BYTES].append(bytes(img) if img is not None else None)
        item_rows[CATEGORY_INDEX].append(int(np.argmax(onehot)) if onehot is not None else None)
    inter = {USER_INDEX: [], ITEM_INDEX: [], PARTITION: []}
    for name, part in (("train", user_train), ("validation", user_val), ("test", user_test)):
        for u in sorted(part):
            for rec in part[u]:
                inter[USER_INDEX].append(int(u))
                inter[ITEM_INDEX].append(int(_get(rec, "productid")))
                inter[PARTITION].append(name)
    return DvbprData(
        items=pl.DataFrame(item_rows, schema={ITEM_INDEX: pl.Int64, IMAGE_BYTES: pl.Binary, CATEGORY_INDEX: pl.Int64}),
        interactions=pl.DataFrame(inter, schema={USER_INDEX: pl.Int64, ITEM_INDEX: pl.Int64, PARTITION: pl.Utf8}),
        usernum=int(usernum),
        itemnum=int(itemnum),
    )
