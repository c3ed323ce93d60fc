"""Detector + crop + encoder: image in, L2-normalized vector (and the box used) out, batched."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from fashion_pipeline.sources.digest import file_sha256
from fashion_pipeline.vision.crops import CropConfig, crop_garment
from fashion_pipeline.vision.detector import DetectorOptions, detect
from fashion_pipeline.vision.encoders import Encoder
from fashion_pipeline.vision.item_images import open_image

NO_BOX = (-1, -1, -1, -1)  # the box recorded when the whole image was embedded


@dataclass
class EmbedConfig:
    batch_size: int = 32  # images per encoder call: large enough to amortize, small enough for RAM
    crop: CropConfig = field(default_factory=CropConfig)
    detector: DetectorOptions = field(default_factory=DetectorOptions)


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero), so inner product = cosine."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


class ImageEmbedder:
    """Embeds images with an optional detector in front: the crop of the best box, else the whole image."""

    def __init__(self, encoder: Encoder, detector=None, detector_weights: str | None = None,
                 config: EmbedConfig | None = None):
        self.encoder, self.detector, self.config = encoder, detector, config or EmbedConfig()
        self.detector_weights = str(detector_weights) if detector_weights else ""
        self._detector_sha = file_sha256(detector_weights) if detector_weights and Path(detector_weights).is_file() else ""

    @property
    def fingerprint(self) -> dict[str, str | int]:
        """What the vectors depend on: a file embedded under another fingerprint must be redone."""
        return {"encoder": self.encoder.name, "dim": int(self.encoder.dim),
                "detector_weights": self.detector_weights if self.detector is not None else "none",
                "detector_sha256": self._detector_sha if self.detector is not None else ""}

    def crops(self, images: Sequence[Image.Image]) -> tuple[list[Image.Image], np.ndarray]:
        """The regions to embed and the boxes used ((n, 4) int, NO_BOX for the whole image)."""
        if self.detector is None:
            return list(images), np.tile(np.array(NO_BOX, dtype=np.int32), (len(images), 1))
        found = detect(self.detector, list(images), self.config.detector)
        regions, boxes = [], np.tile(np.array(NO_BOX, dtype=np.int32), (len(images), 1))
        for i, (image, (xyxy, conf, _cls)) in enumerate(zip(images, found)):
            region, used = crop_garment(image, xyxy, conf, self.config.crop)
            regions.append(region)
            if used is not None:
                boxes[i] = used
        return regions, boxes

    def embed(self, images: Sequence[Image.Image]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors (n, dim) unit length, boxes (n, 4)) for one batch of images."""
        if len(images) == 0:
            return np.zeros((0, self.encoder.dim), np.float32), np.zeros((0, 4), np.int32)
        regions, boxes = self.crops(images)
        return l2_normalize(self.encoder.encode(regions)), boxes

    def embed_paths(self, paths: Sequence[str | Path],
                    on_batch: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Embed image files in batches; only one batch of pixels is in memory at a time."""
        vectors, boxes = [], []
        for start in range(0, len(paths), self.config.batch_size):
            batch = [open_image(p) for p in paths[start:start + self.config.batch_size]]
            v, b = self.embed(batch)
            vectors.append(v)
            boxes.append(b)
            if on_batch:
                on_batch(start + len(batch), len(paths))
        if not vectors:
            return np.zeros((0, self.encoder.dim), np.float32), np.zeros((0, 4), np.int32)
        return np.concatenate(vectors), np.concatenate(boxes)


def build_embedder(encoder: str = "efficientnet-lite0", encoder_weights: str | None = None,
                   detector_weights: str | Path | None = None, threads: int = 2,
                   config: EmbedConfig | None = None) -> ImageEmbedder:
    """The usual wiring: a named encoder, and the detector when a weights file is given."""
    from fashion_pipeline.vision.detector import load_detector
    from fashion_pipeline.vision.encoders import load_encoder

    detector = load_detector(detector_weights, threads=threads) if detector_weights else None
    return ImageEmbedder(load_encoder(encoder, encoder_weights, threads), detector=detector,
                         detector_weights=str(detector_weights) if detector_weights else None, config=config)
