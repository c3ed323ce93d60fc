"""The feature store: one HDF5 file of item ids and unit-length vectors.

  /ids      (n,) UTF-8 strings, in the order the items were embedded
  /vectors  (n, dim) float32, L2-normalized (inner product = cosine)
  /boxes    (n, 4) int32, the detector box cropped per item (-1s: the whole image)
  attrs     encoder, dim, detector_weights, detector_sha256, created_at, updated_at (ISO 8601, UTC)

A re-run embeds only ids not yet in the file. If the encoder or the detector weights changed,
the old vectors are incomparable with new ones, so everything is embedded again.
Every write goes to a temporary file renamed over the target: readers never see half a file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from fashion_pipeline.sources.atomic import atomic_path
from fashion_pipeline.vision.embedder import ImageEmbedder

FINGERPRINT_KEYS = ("encoder", "dim", "detector_weights", "detector_sha256")


@dataclass
class Features:
    ids: np.ndarray  # (n,) str
    vectors: np.ndarray  # (n, dim) float32
    boxes: np.ndarray  # (n, 4) int32
    attrs: dict

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class UpdateStats:
    embedded: int  # vectors computed in this run
    reused: int  # vectors kept from the file
    total: int
    reembedded_all: bool  # the fingerprint changed, so nothing could be reused
    seconds_embedding: float


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_features(path: str | Path, features: Features) -> Path:
    """Write atomically; attrs get updated_at now and keep created_at if present."""
    attrs = {**features.attrs, "updated_at": _now()}
    attrs.setdefault("created_at", attrs["updated_at"])
    attrs["dim"] = int(features.vectors.shape[1]) if features.vectors.ndim == 2 else int(attrs.get("dim", 0))
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.create_dataset("ids", data=np.asarray(features.ids, dtype=object), dtype=h5py.string_dtype("utf-8"))
            # Chunks of 1024 rows: reading a slice of items does not decompress the whole file.
            chunks = (min(1024, max(1, len(features.ids))), max(1, features.vectors.shape[1]))
            f.create_dataset("vectors", data=features.vectors.astype(np.float32), chunks=chunks)
            f.create_dataset("boxes", data=features.boxes.astype(np.int32))
            for key, value in attrs.items():
                f.attrs[key] = value
    return Path(path)


def read_features(path: str | Path) -> Features:
    with h5py.File(path, "r") as f:
        ids = f["ids"].asstr()[:]
        vectors = f["vectors"][:]
        boxes = f["boxes"][:] if "boxes" in f else np.full((len(ids), 4), -1, np.int32)
        attrs = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in f.attrs.items()}
    return Features(np.asarray(ids, dtype=object), vectors, boxes, attrs)


def read_aligned_vectors(path: str | Path, item_ids) -> np.ndarray:
    """The file's vectors as rows in `item_ids` order; zero rows for items it has no vector for."""
    from fashion_pipeline.recsys.cold_start import align_vectors  # lazily: it brings torch

    features = read_features(path)
    return align_vectors(features.ids, features.vectors, item_ids)[0]


def read_attrs(path: str | Path) -> dict:
    with h5py.File(path, "r") as f:
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in f.attrs.items()}


def _empty(dim: int, attrs: dict) -> Features:
    return Features(np.array([], dtype=object), np.zeros((0, dim), np.float32), np.zeros((0, 4), np.int32), attrs)


def update_features(path: str | Path, ids: Sequence[str], image_paths: Sequence[str | Path],
                    embedder: ImageEmbedder, checkpoint_every: int = 5_000,
                    on_progress: Callable[[int, int], None] | None = None) -> UpdateStats:
    """Embed the items of `ids` missing from the file at `path` and add them.

    `checkpoint_every` new vectors are committed at a time, so an interrupted run over a large
    catalogue keeps what it finished (each commit rewrites the file: keep it in the thousands).
    """
    path = Path(path)
    fingerprint = embedder.fingerprint
    current = read_features(path) if path.exists() else None
    same = current is not None and all(str(current.attrs.get(k)) == str(v) for k, v in fingerprint.items())
    store = current if same else _empty(int(fingerprint["dim"]), dict(fingerprint))
    store.attrs.update(fingerprint)
    ids_arr = np.asarray(list(ids), dtype=object)
    todo = np.flatnonzero(~np.isin(ids_arr, store.ids))
    # The same id twice in the input is embedded once.
    _, first = np.unique(ids_arr[todo], return_index=True)
    todo = todo[np.sort(first)]
    reused = int(np.isin(ids_arr, store.ids).sum()) if same else 0
    seconds = 0.0
    for start in range(0, len(todo), checkpoint_every):
        part = todo[start:start + checkpoint_every]
        t0 = time.perf_counter()
        vectors, boxes = embedder.embed_paths([image_paths[i] for i in part])
        seconds += time.perf_counter() - t0
        store = Features(np.concatenate([store.ids, ids_arr[part]]), np.concatenate([store.vectors, vectors]),
                         np.concatenate([store.boxes, boxes]), store.attrs)
        write_features(path, store)
        store.attrs = read_attrs(path)  # keep created_at from the first commit
        if on_progress:
            on_progress(start + len(part), len(todo))
    if len(todo) == 0 and not path.exists():
        write_features(path, store)  # an empty catalogue still gets its (empty) file
    return UpdateStats(embedded=len(todo), reused=reused, total=len(store), reembedded_all=current is not None and not same,
                       seconds_embedding=seconds)
