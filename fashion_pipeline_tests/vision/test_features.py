import h5py
import numpy as np

from fashion_pipeline.vision.embedder import ImageEmbedder
from fashion_pipeline.vision.features import Features, read_features, update_features, write_features
from fashion_pipeline_tests.vision.conftest import CountingEncoder


def test_hdf5_round_trip_keeps_ids_in_order(tmp_path):
    ids = np.array(["B00Z", "B00A", "B00M", "ünïcode"], dtype=object)  # deliberately unsorted
    vectors = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    boxes = np.array([[1, 2, 3, 4], [-1, -1, -1, -1], [0, 0, 5, 5], [2, 2, 9, 9]], dtype=np.int32)
    path = write_features(tmp_path / "f.h5", Features(ids, vectors, boxes, {"encoder": "x", "detector_weights": "none"}))
    back = read_features(path)
    assert back.ids.tolist() == ids.tolist()
    np.testing.assert_array_equal(back.vectors, vectors)
    np.testing.assert_array_equal(back.boxes, boxes)
    assert back.attrs["encoder"] == "x" and back.attrs["dim"] == 8 and back.attrs["created_at"]
    with h5py.File(path) as f:  # what a person opening the file sees
        assert set(f) == {"ids", "vectors", "boxes"}
        assert {"encoder", "dim", "detector_weights", "created_at"} <= set(f.attrs)
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed away


def test_incremental_embedding_skips_known_items(colour_images, tmp_path):
    paths, ids, _ = colour_images
    path = tmp_path / "features.h5"
    encoder = CountingEncoder()
    first = update_features(path, ids[:5], paths[:5], ImageEmbedder(encoder))
    assert (first.embedded, first.reused, first.total, encoder.calls) == (5, 0, 5, 5)
    before = read_features(path)

    second = update_features(path, ids, paths, ImageEmbedder(encoder), checkpoint_every=2)
    assert (second.embedded, second.reused, second.total) == (3, 5, 8)
    assert encoder.calls == 8  # only the three new images went through the encoder
    after = read_features(path)
    assert after.ids.tolist() == ids  # old items first, new ones appended in input order
    np.testing.assert_array_equal(after.vectors[:5], before.vectors)
    assert after.attrs["created_at"] == before.attrs["created_at"]
    np.testing.assert_allclose(np.linalg.norm(after.vectors, axis=1), 1.0, rtol=1e-6)

    third = update_features(path, ids, paths, ImageEmbedder(encoder))
    assert third.embedded == 0 and encoder.calls == 8


def test_a_different_encoder_reembeds_everything(colour_images, tmp_path):
    paths, ids, _ = colour_images
    path = tmp_path / "features.h5"
    update_features(path, ids, paths, ImageEmbedder(CountingEncoder("enc-a")))
    other = CountingEncoder("enc-b")
    stats = update_features(path, ids[:3], paths[:3], ImageEmbedder(other))
    assert stats.reembedded_all and stats.embedded == 3 and other.calls == 3
    assert read_features(path).attrs["encoder"] == "enc-b" and len(read_features(path)) == 3
