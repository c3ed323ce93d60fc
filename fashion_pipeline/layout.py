"""Where every artifact lives: the one place that names a path.

`ArtifactLayout(data_dir)` names each file or folder the pipeline writes under its data folder;
assets, the CLI, serving and the benchmarks take their paths from it, so moving the data to a
shared volume means changing one folder, not finding paths in seven modules.

Two kinds of name stay outside on purpose: names inside a folder whose format one writer owns
(the YOLO dataset's data.yaml and summary.json, the image manifest, the FAISS index's sidecar
files, ultralytics' weights/best.pt, a model folder's <stage>.pt/.npz files written by
recsys.persistence), and temporary staging files.

The project folders around the data (MLflow's mlruns/, Dagster's home) come from
`project_root()`: $FASHION_PIPELINE_HOME, else the source checkout, else the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "FASHION_PIPELINE_HOME"


def project_root() -> Path:
    """The project folder: $FASHION_PIPELINE_HOME, else the source checkout, else the cwd."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").exists() and (checkout / "fashion_pipeline").is_dir():
        return checkout
    return Path.cwd().resolve()


def default_data_dir() -> Path:
    return project_root() / "data"


def sample_dir() -> Path:
    """The built-in sample, in exactly the raw formats (written by `fashion-pipeline sample`)."""
    return default_data_dir() / "sample"


def dagster_home() -> Path:
    return project_root() / ".dagster_home"


def mlruns_dir() -> Path:
    return project_root() / "mlruns"


@dataclass(frozen=True)
class ArtifactLayout:
    """Every artifact path under one data folder."""

    data_dir: Path

    def __init__(self, data_dir: str | Path | None = None):
        object.__setattr__(self, "data_dir", Path(data_dir) if data_dir else default_data_dir())

    # --- parsed tables (ingestion) --------------------------------------------------------------
    def parsed(self, name: str) -> Path:
        """data/parsed/<name>.parquet: reviews, products, interactions, item_attributes."""
        return self.data_dir / "parsed" / f"{name}.parquet"

    def rejects(self, name: str) -> Path:
        """The lines a reader refused, with the reason and the raw line."""
        return self.data_dir / "parsed" / "rejects" / f"{name}_rejects.parquet"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    # --- models ---------------------------------------------------------------------------------
    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def split(self) -> Path:
        return self.models_dir / "split.npz"

    @property
    def user_ids(self) -> Path:
        """user index -> reviewer id"""
        return self.models_dir / "user_ids.parquet"

    @property
    def item_ids(self) -> Path:
        """item index -> asin"""
        return self.models_dir / "item_ids.parquet"

    def model_dir(self, name: str) -> Path:
        """A model's weights per stage (recsys.persistence names the files inside)."""
        return self.models_dir / name

    def model_metrics(self, name: str) -> Path:
        return self.model_dir(name) / "metrics.json"

    @property
    def champion(self) -> Path:
        return self.models_dir / "champion.json"

    # --- recommendations ------------------------------------------------------------------------
    @property
    def user_recommendations(self) -> Path:
        return self.data_dir / "recommendations" / "user_recommendations.parquet"

    @property
    def similar_items(self) -> Path:
        return self.data_dir / "recommendations" / "similar_items.parquet"

    # --- seasons --------------------------------------------------------------------------------
    def season_dir(self, key: str) -> Path:
        return self.data_dir / "seasonal" / key

    def season_training_set(self, key: str) -> Path:
        return self.season_dir(key) / "training_set.parquet"

    def season_model_dir(self, key: str) -> Path:
        return self.season_dir(key) / "model"

    def season_model_info(self, key: str) -> Path:
        return self.season_dir(key) / "model.json"

    def season_prior(self, key: str) -> Path:
        """The season's seasonal prior (per-item arrays) and the weights chosen for it."""
        return self.season_dir(key) / "prior.npz"

    def season_recommendations(self, key: str) -> Path:
        return self.season_dir(key) / "recommendations.parquet"

    # --- vision ---------------------------------------------------------------------------------
    @property
    def detector_dir(self) -> Path:
        """ultralytics' training runs go under here"""
        return self.data_dir / "detector"

    @property
    def detector_dataset(self) -> Path:
        """the ultralytics dataset: data.yaml, images/, labels/"""
        return self.detector_dir / "dataset"

    @property
    def detector_weights(self) -> Path:
        return self.detector_dir / "clothing_detector.pt"

    @property
    def item_images(self) -> Path:
        """decodable item images + their manifest"""
        return self.data_dir / "images"

    @property
    def image_features(self) -> Path:
        return self.data_dir / "features" / "image_features.h5"

    @property
    def similarity_index(self) -> Path:
        """the FAISS index; its id map and description sit beside it"""
        return self.data_dir / "index" / "items.faiss"

    # --- reports --------------------------------------------------------------------------------
    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    def user_report(self, user: str, out_dir: Path | None = None) -> tuple[Path, Path]:
        """(PNG, HTML) of one user's purchases and recommendations."""
        folder = Path(out_dir) if out_dir else self.reports_dir
        return folder / f"user_{user}.png", folder / f"user_{user}.html"

    def similar_report(self, name: str) -> Path:
        return self.reports_dir / f"similar_{name}.png"


@dataclass(frozen=True)
class RawInputs:
    """Where the raw files are, from the environment, so the same code runs on the built-in
    sample and on the real downloads:

      FASHION_RAW_DIR        a folder holding the raw files under their real names (default: data/sample)
      FASHION_REVIEWS        the reviews file (2014, 2018 or 2023 format), overriding FASHION_RAW_DIR
      FASHION_METADATA       the metadata file
      FASHION_DVBPR          AmazonFashion6ImgPartitioned.npy
      FASHION_DEEPFASHION    the In-shop_Clothes_Retrieval_Benchmark folder
      FASHION_DATA_DIR       where artifacts are written (default: data/)
    """

    reviews: str
    metadata: str
    dvbpr: str
    deepfashion: str
    data_dir: str

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "RawInputs":
        from fashion_pipeline.sample import writers

        env = os.environ if environ is None else environ
        raw = Path(env.get("FASHION_RAW_DIR") or sample_dir())
        return cls(
            reviews=env.get("FASHION_REVIEWS") or str(raw / writers.REVIEWS_FILE),
            metadata=env.get("FASHION_METADATA") or str(raw / writers.METADATA_FILE),
            dvbpr=env.get("FASHION_DVBPR") or str(raw / writers.DVBPR_FILE),
            deepfashion=env.get("FASHION_DEEPFASHION") or str(raw / writers.INSHOP_DIR),
            data_dir=str(env.get("FASHION_DATA_DIR") or default_data_dir()),
        )

    @property
    def uses_sample(self) -> bool:
        """True unless the environment points at real raw files."""
        return Path(self.reviews).parent == sample_dir()
