"""Photo in, detected garment, similar catalogue items out; and neighbours of a catalogue item."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from fashion_pipeline.vision.embedder import ImageEmbedder
from fashion_pipeline.vision.index import drop_self, search
from fashion_pipeline.vision.item_images import open_image


@dataclass
class Matches:
    asins: list[str]  # most similar first
    scores: list[float]  # cosine similarity
    box: tuple[int, int, int, int] | None  # the garment box cropped from the photo; None = whole photo


def similar_to_photo(photo: str | Path | Image.Image, embedder: ImageEmbedder, index, ids, k: int = 10) -> Matches:
    """Detect the garment (whole photo if none), embed the crop, return the k nearest items."""
    image = photo if isinstance(photo, Image.Image) else open_image(photo)
    vectors, boxes = embedder.embed([image])
    scores, positions = search(index, vectors, k)
    found = positions[0] >= 0
    box = tuple(int(v) for v in boxes[0]) if boxes[0][0] >= 0 else None
    ids = np.asarray(ids, dtype=object)
    return Matches([str(a) for a in ids[positions[0][found]]], scores[0][found].astype(float).tolist(), box)


def similar_to_item(asin: str, index, ids, vectors: np.ndarray, k: int = 10) -> Matches:
    """The k items nearest to catalogue item `asin` (itself excluded), from its stored vector."""
    ids = np.asarray(ids, dtype=object)
    where = np.flatnonzero(ids == asin)
    if len(where) == 0:
        raise ValueError(f"item {asin!r} has no image features (not in the index)")
    pos = int(where[0])
    scores, positions = search(index, vectors[pos:pos + 1], k + 1)
    scores, positions = drop_self(scores, positions, np.array([pos]), k)
    found = positions[0] >= 0
    return Matches([str(a) for a in ids[positions[0][found]]], scores[0][found].astype(float).tolist(), None)
