"""How well do embeddings group garments? Leave-one-out cosine kNN on labelled photos.

The folder holds one subfolder per class (nested splits such as validation/<class>/ and
test/<class>/ are fine: an image's class is the name of the folder it sits in). Each image is
a query against all the others; precision@k is the share of its k nearest neighbours that
share its class, averaged over images.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from fashion_pipeline.vision.embedder import ImageEmbedder
from fashion_pipeline.vision.item_images import IMAGE_SUFFIXES


def labelled_images(folder: str | Path) -> tuple[list[Path], np.ndarray]:
    """Every image under `folder`, sorted, and its class (its parent folder's name)."""
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"no images under {folder}")
    return files, np.array([p.parent.name for p in files])


def leave_one_out_precision(vectors: np.ndarray, labels: np.ndarray, k: int = 5, block: int = 2048) -> tuple[float, float]:
    """(mean precision@k over all queries, mean milliseconds per query), exact cosine on unit vectors."""
    n = len(vectors)
    k = min(k, n - 1)
    hits = np.zeros(n)
    start = time.perf_counter()
    for s in range(0, n, block):  # blocks bound the n x n similarity matrix
        sims = vectors[s:s + block] @ vectors.T
        sims[np.arange(len(sims)), np.arange(s, s + len(sims))] = -np.inf  # leave the query itself out
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]  # order within the top k does not matter here
        hits[s:s + block] = (labels[top] == labels[s:s + block, None]).mean(axis=1)
    ms = (time.perf_counter() - start) * 1000 / max(n, 1)
    return float(hits.mean()), ms


def image_eval(folder: str | Path, embedder: ImageEmbedder, k: int = 5) -> dict:
    """{"images", "encoder", "precision@5", "embed_images_per_s", "query_ms"} (+ "detect", "boxes_found").

    Detection and cropping happen when `embedder` has a detector; build one without for the
    whole-image number.
    """
    files, labels = labelled_images(folder)
    start = time.perf_counter()
    vectors, boxes = embedder.embed_paths(files)
    seconds = time.perf_counter() - start
    precision, query_ms = leave_one_out_precision(vectors, labels, k)
    return {
        "images": len(files),
        "encoder": embedder.encoder.name,
        f"precision@{k}": round(precision, 4),
        "embed_images_per_s": round(len(files) / seconds, 2),
        "query_ms": round(query_ms, 4),
        "detect": embedder.detector is not None,
        "boxes_found": int((boxes[:, 0] >= 0).sum()),
        "classes": int(len(np.unique(labels))),
    }
