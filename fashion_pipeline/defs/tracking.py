"""MLflow through a small resource: a SQLite tracking store and file artifacts in mlruns/."""

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from fashion_pipeline import layout as project

EXPERIMENT = "fashion_pipeline"
REGISTERED_MODEL = "fashion_recommender"
CHAMPION_ALIAS = "champion"


class MLflowTracking(dg.ConfigurableResource):
    """Where runs are tracked: `sqlite:///<mlruns>/mlflow.db`, artifacts in `<mlruns>/artifacts`."""

    mlruns_dir: str
    experiment: str = EXPERIMENT
    registered_model: str = REGISTERED_MODEL

    @classmethod
    def for_project(cls) -> "MLflowTracking":
        return cls(mlruns_dir=str(project.mlruns_dir()))

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{Path(self.mlruns_dir).resolve()}/mlflow.db"

    def _client(self):
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        import mlflow

        Path(self.mlruns_dir).mkdir(parents=True, exist_ok=True)
        mlflow.set_tracking_uri(self.tracking_uri)
        return mlflow

    def experiment_id(self) -> str:
        mlflow = self._client()
        found = mlflow.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        artifacts = (Path(self.mlruns_dir).resolve() / "artifacts").as_uri()
        return mlflow.create_experiment(self.experiment, artifact_location=artifacts)

    @contextlib.contextmanager
    def run(self, run_name: str, tags: dict | None = None) -> Iterator[object]:
        """An active MLflow run; yields the mlflow module for logging."""
        mlflow = self._client()
        with mlflow.start_run(experiment_id=self.experiment_id(), run_name=run_name, tags=tags or {}):
            yield mlflow

    def promote(self, run_id: str, artifact_path: str, alias: str = CHAMPION_ALIAS) -> str:
        """Register the run's model artifacts as a new version and point `alias` at it."""
        mlflow = self._client()
        client = mlflow.MlflowClient()
        try:
            client.get_registered_model(self.registered_model)
        except mlflow.exceptions.MlflowException:
            client.create_registered_model(self.registered_model)
        source = f"{client.get_run(run_id).info.artifact_uri}/{artifact_path}"
        version = client.create_model_version(self.registered_model, source=source, run_id=run_id)
        client.set_registered_model_alias(self.registered_model, alias, version.version)
        return str(version.version)

    def alias_version(self, alias: str = CHAMPION_ALIAS) -> str | None:
        mlflow = self._client()
        try:
            return str(mlflow.MlflowClient().get_model_version_by_alias(self.registered_model, alias).version)
        except mlflow.exceptions.MlflowException:
            return None
