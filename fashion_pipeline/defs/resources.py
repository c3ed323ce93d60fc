"""Resources: where raw inputs come from and where artifacts go.

Raw paths come from environment variables so the same Definitions run on the built-in sample
and on the real downloads:

  FASHION_RAW_DIR        a folder holding the raw files under their real names (default: data/sample)
  FASHION_REVIEWS        the reviews file (2014 or 2018 format), overriding FASHION_RAW_DIR
  FASHION_METADATA       the metadata file
  FASHION_DVBPR          AmazonFashion6ImgPartitioned.npy (a pickle: only point this at a file you trust)
  FASHION_DEEPFASHION    the In-shop_Clothes_Retrieval_Benchmark folder
  FASHION_DATA_DIR       where artifacts are written (default: data/)
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from fashion_pipeline import paths
from fashion_pipeline.sample import writers

WAREHOUSE_FILE = "warehouse.duckdb"


class FashionData(dg.ConfigurableResource):
    """Raw input paths and the artifact folder."""

    reviews_path: str
    metadata_path: str
    dvbpr_path: str
    deepfashion_root: str
    data_dir: str

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "FashionData":
        env = os.environ if environ is None else environ
        raw = Path(env.get("FASHION_RAW_DIR") or paths.sample_dir())
        data = Path(env.get("FASHION_DATA_DIR") or paths.data_dir())
        return cls(
            reviews_path=env.get("FASHION_REVIEWS") or str(raw / writers.REVIEWS_FILE),
            metadata_path=env.get("FASHION_METADATA") or str(raw / writers.METADATA_FILE),
            dvbpr_path=env.get("FASHION_DVBPR") or str(raw / writers.DVBPR_FILE),
            deepfashion_root=env.get("FASHION_DEEPFASHION") or str(raw / writers.INSHOP_DIR),
            data_dir=str(data),
        )

    @classmethod
    def for_folders(cls, raw_dir: str | Path, data_dir: str | Path) -> "FashionData":
        return cls.from_env({"FASHION_RAW_DIR": str(raw_dir), "FASHION_DATA_DIR": str(data_dir)})

    def parsed(self, name: str) -> Path:
        return Path(self.data_dir) / "parsed" / f"{name}.parquet"

    def rejects(self, name: str) -> Path:
        return Path(self.data_dir) / "parsed" / "rejects" / f"{name}_rejects.parquet"

    @property
    def warehouse_path(self) -> Path:
        return Path(self.data_dir) / WAREHOUSE_FILE

    def require(self, path: str | Path, what: str, env_var: str) -> Path:
        """The path, or an error that says how to provide it."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"{what} not found at {path}. Generate the sample with `fashion-pipeline sample "
                f"--out {paths.sample_dir()}`, or point {env_var} (or FASHION_RAW_DIR) at the real file."
            )
        return path


def build_resources(data: FashionData | None = None, mlruns_dir: str | Path | None = None) -> dict:
    from fashion_pipeline.defs.tracking import MLflowTracking

    data = data or FashionData.from_env()
    tracking = MLflowTracking(mlruns_dir=str(mlruns_dir)) if mlruns_dir else MLflowTracking.for_project()
    return {"fashion_data": data, "warehouse": DuckDBResource(database=str(data.warehouse_path)),
            "mlflow_tracking": tracking}
