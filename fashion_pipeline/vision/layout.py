"""Where the vision artifacts live under the data folder (one place, for assets and CLI alike)."""

from __future__ import annotations

from pathlib import Path

from fashion_pipeline import paths as project_paths

WEIGHTS_FILE = "clothing_detector.pt"


class VisionPaths:
    def __init__(self, data_dir: str | Path | None = None):
        data = Path(data_dir) if data_dir else project_paths.data_dir()
        self.dataset = data / "detector" / "dataset"  # ultralytics dataset: data.yaml, images/, labels/
        self.detector_dir = data / "detector"
        self.weights = self.detector_dir / WEIGHTS_FILE  # the trained detector
        self.images = data / "images"  # decodable item images + manifest.parquet
        self.features = data / "features" / "image_features.h5"
        self.index = data / "index" / "items.faiss"  # + items_ids.parquet + items.faiss.json
        self.similar = data / "recommendations" / "similar_items.parquet"
