import numpy as np
import pytest

from fashion_pipeline.vision.crops import CropConfig
from fashion_pipeline.vision.embedder import EmbedConfig, ImageEmbedder
from fashion_pipeline.vision.encoders import load_encoder
from fashion_pipeline.vision.image_eval import image_eval, leave_one_out_precision
from fashion_pipeline.vision.index import build_index
from fashion_pipeline.vision.search import similar_to_item, similar_to_photo
from fashion_pipeline_tests.conftest import shared_path
from fashion_pipeline_tests.vision.conftest import StubDetector


def test_leave_one_out_precision_by_hand():
    # Two tight pairs far apart: each point's single nearest neighbour is its partner.
    v = np.array([[1, 0], [0.99, 0.14], [0, 1], [0.14, 0.99]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert leave_one_out_precision(v, np.array(["a", "a", "b", "b"]), k=1)[0] == 1.0
    assert leave_one_out_precision(v, np.array(["a", "b", "a", "b"]), k=1)[0] == 0.0
    # k=2: the partner (same class) and one of the other pair (other class) -> 0.5
    assert leave_one_out_precision(v, np.array(["a", "a", "b", "b"]), k=2)[0] == 0.5


def test_image_eval_on_a_labelled_folder(colour_images):
    paths, _, _ = colour_images
    result = image_eval(paths[0].parents[1], ImageEmbedder(load_encoder("colour-histogram")), k=1)
    assert result["images"] == 8 and result["classes"] == 4 and result["encoder"] == "colour-histogram"
    assert result["precision@1"] == 1.0 and result["embed_images_per_s"] > 0 and not result["detect"]


def test_photo_in_similar_items_out(colour_images):
    paths, ids, _ = colour_images
    embedder = ImageEmbedder(load_encoder("colour-histogram"))
    vectors, _ = embedder.embed_paths(paths)
    index = build_index(vectors, kind="exact")
    matches = similar_to_photo(paths[2], embedder, index, ids, k=3)
    # The photo itself and its same-colour sibling first (a coarse histogram may tie them).
    assert set(matches.asins[:2]) == {ids[2], ids[3]} and matches.scores[0] == pytest.approx(1.0, abs=1e-5)
    assert matches.scores == sorted(matches.scores, reverse=True) and matches.box is None  # no detector
    by_item = similar_to_item(ids[2], index, ids, vectors, k=3)
    assert ids[2] not in by_item.asins and by_item.asins[0] == ids[3]
    with pytest.raises(ValueError, match="no image features"):
        similar_to_item("absent", index, ids, vectors)


def test_photo_search_reports_the_detected_box(colour_images):
    paths, ids, _ = colour_images
    detector = StubDetector(lambda im: ([[4, 4, 60, 44]], [0.8]))
    embedder = ImageEmbedder(load_encoder("colour-histogram"), detector=detector,
                             config=EmbedConfig(crop=CropConfig(margin=0.05)))
    vectors, _ = embedder.embed_paths(paths)
    matches = similar_to_photo(paths[0], embedder, build_index(vectors, kind="exact"), ids, k=2)
    assert matches.box == (1, 2, 63, 46)  # the stub's box plus the 5% margin, clipped to the 64x48 photo
    assert set(matches.asins) == {ids[0], ids[1]}


@pytest.mark.slow
def test_real_photos_precision_at_5_without_detection():
    folder = shared_path("clothing-photos")
    result = image_eval(folder, ImageEmbedder(load_encoder("efficientnet-lite0")))
    assert result["images"] == 713 and result["precision@5"] >= 0.70


def test_cli_commands_on_saved_artifacts(colour_images, tmp_path):
    from fashion_pipeline.vision import commands
    from fashion_pipeline.vision.features import read_features, update_features
    from fashion_pipeline.vision.index import save_index
    from fashion_pipeline.layout import ArtifactLayout

    paths, ids, _ = colour_images
    layout = ArtifactLayout(tmp_path / "data")
    update_features(layout.image_features, ids, paths, ImageEmbedder(load_encoder("colour-histogram")))
    features = read_features(layout.image_features)
    save_index(build_index(features.vectors, kind="exact"), features.ids, layout.similarity_index)
    by_item = commands.similar(item="blue0", k=3, data_dir=tmp_path / "data")
    assert by_item["results"][0] == {"rank": 1, "asin": "blue1", "score": pytest.approx(1.0, abs=1e-4), "title": None}
    by_photo = commands.similar(image=paths[4], k=2, data_dir=tmp_path / "data")
    assert {r["asin"] for r in by_photo["results"]} == {"blue0", "blue1"} and by_photo["box"] is None
    with pytest.raises(FileNotFoundError, match="no trained detector"):
        commands.image_eval(paths[0].parents[1], detect=True, data_dir=tmp_path / "data")
    with pytest.raises(ValueError, match="exactly one"):
        commands.similar(data_dir=tmp_path / "data")
