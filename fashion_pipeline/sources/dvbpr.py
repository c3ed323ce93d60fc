"""The DVBPR image dataset (AmazonFashion6ImgPartitioned.npy from kang205/DVBPR).

The file is a pickled numpy object array [user_train, user_validation, user_test, Item,
usernum, itemnum]. Item[i]['imgs'] holds the raw encoded image bytes and Item[i]['c'] a 6-way
one-hot category. Pickles written by Python 2 load with bytes keys (b'imgs'), files written by
Python 3 with str keys; both are accepted.

SECURITY: a pickle can name any Python callable, and plain unpickling calls it. The file is read
with a restricted unpickler that resolves only what the real file needs (numpy's array, dtype
and scalar reconstruction, and bytes, str, int, float, list, tuple, dict); any other global is
refused with UnsafeFileError naming the file and the global, before anything of it runs.
"""

from __future__ import annotations

import codecs
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from numpy.lib import format as npy_format

from fashion_pipeline.sources.errors import UnsafeFileError
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


def _reconstruct(subtype, shape, dtype):
    """numpy's ndarray reconstruction, for plain ndarrays only (no subclass constructors)."""
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(f"array subtype {subtype!r} is not numpy.ndarray")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


def _frombuffer(buf, dtype, shape, order):
    """numpy's protocol-5 array reconstruction: an array over a bytes buffer, nothing more."""
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise pickle.UnpicklingError("_frombuffer of an object dtype")
    return np.frombuffer(bytes(buf), dtype=dtype).reshape(shape, order=order).copy()


def _latin1_encode(text, encoding="latin1"):
    """_codecs.encode as protocol-2 pickles use it for bytes: latin-1 only."""
    if codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r}")
    return codecs.encode(text, "latin1")


_SCALAR = np.float64(0).__reduce__()[0]  # numpy's scalar reconstruction (multiarray.scalar)
# (module, name) -> the object a DVBPR .npy may reference; numpy.core is numpy 1's name for numpy._core.
SAFE_GLOBALS = {
    **{(m, "_reconstruct"): _reconstruct for m in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(m, "scalar"): _SCALAR for m in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(m, "_frombuffer"): _frombuffer for m in ("numpy.core.numeric", "numpy._core.numeric")},
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
    **{("builtins", t.__name__): t for t in (bytes, str, int, float, list, tuple, dict)},
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only SAFE_GLOBALS; anything else raises UnsafeFileError."""

    def __init__(self, file, source: Path, **kwargs):
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module, name):
        if module == "__builtin__":  # Python 2's name (fix_imports maps most, not all, cases)
            module = "builtins"
        obj = SAFE_GLOBALS.get((module, name))
        if obj is None:
            raise UnsafeFileError(
                f"{self.source}: refused to unpickle the global {module}.{name}: a DVBPR .npy needs only "
                "numpy arrays, bytes, str, numbers, lists, tuples and dicts (the file may be crafted to run code)"
            )
        return obj


def load_npy_restricted(path: str | Path) -> np.ndarray:
    """A .npy file, object arrays included, without ever running code a pickle names."""
    path = Path(path)
    with open(path, "rb") as fh:
        try:
            version = npy_format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = npy_format.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = npy_format.read_array_header_2_0(fh)
        except ValueError as exc:
            raise MalformedFileError(f"{path}: not a .npy file ({exc})") from None
        if not dtype.hasobject:
            fh.seek(0)
            return np.load(fh, allow_pickle=False)
        try:
            arr = RestrictedUnpickler(fh, path, encoding="bytes").load()
        except UnsafeFileError:
            raise
        except Exception as exc:  # truncated or corrupt pickle data
            raise MalformedFileError(f"{path}: unreadable object array ({type(exc).__name__}: {exc})") from None
    if not isinstance(arr, np.ndarray):
        raise MalformedFileError(f"{path}: the pickle holds a {type(arr).__name__}, not an array")
    return arr


def load_dvbpr(path: str | Path) -> DvbprData:
    """Load the .npy (see the module's security note) into item and interaction tables.

    Raises UnsafeFileError for a pickle naming any callable outside SAFE_GLOBALS.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"DVBPR file not found: {path}")
    arr = load_npy_restricted(path)
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
