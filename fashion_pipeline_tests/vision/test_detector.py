"""A tiny detector training run, offline: the network is blocked for the whole test."""

import pytest
from PIL import Image

from fashion_pipeline.sample.writers import INSHOP_DIR
from fashion_pipeline.vision.detector import DetectorConfig, DetectorOptions, detect, load_detector, train_detector
from fashion_pipeline.vision.embedder import ImageEmbedder
from fashion_pipeline.vision.encoders import load_encoder
from fashion_pipeline.vision.offline import check_offline_model
from fashion_pipeline.vision.yolo_dataset import YoloDatasetConfig, build_yolo_dataset


def test_bare_model_names_are_refused():
    assert check_offline_model("yolo11n.yaml") == "yolo11n.yaml"
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        check_offline_model("yolo11n.pt")  # ultralytics would fetch this from the internet


@pytest.mark.slow
def test_tiny_training_run_works_offline(small_sample, tmp_path, no_network, monkeypatch):
    monkeypatch.delenv("YOLO_CONFIG_DIR", raising=False)
    data = build_yolo_dataset(small_sample / INSHOP_DIR, tmp_path / "yolo",
                              YoloDatasetConfig(max_train_images=16, max_val_images=8))
    config = DetectorConfig(epochs=1, imgsz=64, batch=8)
    result = train_detector(data.data_yaml, tmp_path / "detector" / "clothing_detector.pt", config, yolo_config_dir=tmp_path / "yolo_cfg")
    assert (tmp_path / "detector" / "clothing_detector.pt").is_file()
    assert 0.0 <= result.map50 <= 1.0 and 0.0 <= result.map50_95 <= result.map50 + 1e-9
    assert (tmp_path / "yolo_cfg" / "Arial.ttf").is_file()
    assert not list((tmp_path / "detector").glob(".yolo-run-*"))  # the ultralytics run folder is cleaned up

    model = load_detector(result.weights)
    blank = Image.new("RGB", (256, 256), (236, 236, 232))
    boxes, conf, cls = detect(model, [blank], DetectorOptions(imgsz=64))[0]
    assert boxes.shape[1] == 4 and len(conf) == len(cls)
    vectors, used = ImageEmbedder(load_encoder("colour-histogram"), detector=model,
                                  detector_weights=result.weights).embed([blank])
    assert vectors.shape == (1, 64)
    assert used[0].tolist() == [-1, -1, -1, -1] or (used[0] >= 0).all()
