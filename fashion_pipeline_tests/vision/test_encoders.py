import numpy as np
import pytest
from PIL import Image

from fashion_pipeline.vision.encoders import LITE_PREPROCESS, encoder_names, load_encoder, register_encoder


def test_efficientnet_lite0_loads_offline_and_gives_1280_features(no_network):
    encoder = load_encoder("efficientnet-lite0", threads=1)
    images = [Image.new("RGB", (200, 300), (200, 40, 40)), Image.new("RGB", (64, 64), (20, 40, 200))]
    features = encoder.encode(images)
    assert encoder.dim == 1280 and features.shape == (2, 1280) and features.dtype == np.float32
    assert np.isfinite(features).all() and not np.allclose(features[0], features[1])


def test_preprocess_crops_to_a_square_and_normalizes():
    batch = LITE_PREPROCESS.batch([Image.new("RGB", (300, 200), (127, 255, 0))])
    assert tuple(batch.shape) == (1, 3, 224, 224)
    np.testing.assert_allclose(batch[0, :, 0, 0].numpy(), [0.0, 128 / 128, -127 / 128], atol=1e-6)


def test_colour_histogram_is_a_unit_free_distribution():
    encoder = load_encoder("colour-histogram")
    f = encoder.encode([Image.new("RGB", (10, 10), (255, 0, 0))])
    assert f.shape == (1, 64) and np.isclose((f ** 2).sum(), 1.0) and (f > 0).sum() == 1


def test_unknown_or_weightless_encoders_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="unknown encoder"):
        load_encoder("vit-huge")
    with pytest.raises(FileNotFoundError, match="Nothing is downloaded"):
        load_encoder("resnet50")
    with pytest.raises(FileNotFoundError):
        load_encoder("resnet50", weights_path=str(tmp_path / "absent.pth"))


def test_encoders_plug_in_by_name():
    class Mean:
        name, dim = "mean-rgb", 3

        def encode(self, images):
            return np.stack([np.asarray(im, np.float32).mean(axis=(0, 1)) for im in images])

    register_encoder("mean-rgb", lambda weights_path, threads: Mean())
    assert "mean-rgb" in encoder_names()
    assert load_encoder("mean-rgb").encode([Image.new("RGB", (4, 4), (1, 2, 3))]).tolist() == [[1, 2, 3]]
