"""Resources: where raw inputs come from (layout.RawInputs: environment variables) and where
artifacts go (layout.ArtifactLayout)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from fashion_pipeline import layout as project
from fashion_pipeline.layout import ArtifactLayout, RawInputs


class FashionData(dg.ConfigurableResource):
    """Raw input paths and the artifact folder."""

    reviews_path: str
    metadata_path: str
    dvbpr_path: str
    deepfashion_root: str
    data_dir: str

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "FashionData":
        raw = RawInputs.from_env(environ)
        return cls(reviews_path=raw.reviews, metadata_path=raw.metadata, dvbpr_path=raw.dvbpr,
                   deepfashion_root=raw.deepfashion, data_dir=raw.data_dir)

    @classmethod
    def for_folders(cls, raw_dir: str | Path, data_dir: str | Path) -> "FashionData":
        return cls.from_env({"FASHION_RAW_DIR": str(raw_dir), "FASHION_DATA_DIR": str(data_dir)})

    @property
    def layout(self) -> ArtifactLayout:
        """Every artifact path under this resource's data folder."""
        return ArtifactLayout(self.data_dir)

    def require(self, path: str | Path, what: str, env_var: str) -> Path:
        """The path, or an error that says how to provide it."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"{what} not found at {path}. Generate the sample with `fashion-pipeline sample "
                f"--out {project.sample_dir()}`, or point {env_var} (or FASHION_RAW_DIR) at the real file."
            )
        return path


def build_resources(data: FashionData | None = None, mlruns_dir: str | Path | None = None) -> dict:
    from fashion_pipeline.defs.tracking import MLflowTracking

    data = data or FashionData.from_env()
    tracking = MLflowTracking(mlruns_dir=str(mlruns_dir)) if mlruns_dir else MLflowTracking.for_project()
    return {"fashion_data": data, "warehouse": DuckDBResource(database=str(data.layout.warehouse)),
            "mlflow_tracking": tracking}
