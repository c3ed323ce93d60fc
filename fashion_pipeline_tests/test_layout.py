"""Every artifact path is named in fashion_pipeline/layout.py and nowhere else."""

import re
from pathlib import Path

from fashion_pipeline.layout import ArtifactLayout

PACKAGE = Path(__file__).resolve().parents[1] / "fashion_pipeline"
# the data folder's own folders, joined onto a path, and the artifacts' file names
# (names inside a folder whose format one writer owns, like YOLO's images/, are not artifacts)
ARTIFACT_NAMES = re.compile(r'/\s*["\'](data|parsed|rejects|models|recommendations|seasonal|features|index|reports|'
                            r'detector|dataset|mlruns)["\']'
                            r'|["\'](warehouse\.duckdb|split\.npz|champion\.json|metrics\.json|[a-z_]+\.h5|'
                            r'[a-z_]+\.faiss|clothing_detector\.pt|\.dagster_home|[a-z_]+_ids\.parquet|'
                            r'user_recommendations\.parquet|training_set\.parquet|model\.json)["\']')


def test_no_artifact_path_literal_outside_layout():
    found = [f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
             for path in PACKAGE.rglob("*.py") if path.name != "layout.py"
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if ARTIFACT_NAMES.search(line) and not line.lstrip().startswith("#")]
    assert not found, "\n".join(found)


def test_every_artifact_sits_under_the_data_folder(tmp_path):
    layout = ArtifactLayout(tmp_path)
    paths = [layout.warehouse, layout.split, layout.champion, layout.image_features, layout.similarity_index,
             layout.detector_weights, layout.user_recommendations, layout.similar_items,
             layout.parsed("reviews"), layout.rejects("reviews"), layout.model_dir("gmf"),
             layout.season_training_set("2013-winter"), *layout.user_report("U1")]
    assert all(tmp_path in p.parents for p in paths)
    assert len(set(paths)) == len(paths)
