import shutil

import numpy as np
import polars as pl
import yaml

from fashion_pipeline.sample.writers import INSHOP_DIR
from fashion_pipeline.sources.deepfashion import read_inshop
from fashion_pipeline.vision.yolo_dataset import (
    CLASS_NAMES, YoloDatasetConfig, build_yolo_dataset, flat_name, label_lines, yolo_labels,
)


def test_labels_match_hand_computed_boxes():
    # The first real In-shop row: 50 49 208 235 in a 256x256 image.
    # cx = (50+208)/2/256, cy = (49+235)/2/256, w = 158/256, h = 186/256
    got = yolo_labels(np.array([[50, 49, 208, 235], [0, 0, 128, 64]]), np.array([256, 256]), np.array([256, 256]))
    np.testing.assert_allclose(got, [[0.50390625, 0.5546875, 0.6171875, 0.7265625], [0.25, 0.125, 0.5, 0.25]])
    assert label_lines(np.array([0]), got[:1]) == ["0 0.503906 0.554688 0.617188 0.726562"]


def test_labels_use_each_image_size_and_clip_to_it():
    # A 200x100 image; the box spills over the right and bottom edges: clipped to 200 x 100.
    got = yolo_labels(np.array([[100, 50, 260, 130]]), np.array([200]), np.array([100]))
    np.testing.assert_allclose(got, [[0.75, 0.75, 0.5, 0.5]])


def test_flat_name():
    assert flat_name("img/WOMEN/Dresses/id_00000002/02_1_front.jpg") == "WOMEN__Dresses__id_00000002__02_1_front.jpg"


def test_dataset_from_the_sample(small_sample, tmp_path):
    root = small_sample / INSHOP_DIR
    summary = build_yolo_dataset(root, tmp_path / "yolo")
    rows = read_inshop(root).rows
    n_train = rows.filter(pl.col("split") == "train").height
    assert summary.train_images == n_train
    assert summary.val_images == rows.height - n_train
    assert summary.skipped == []
    data = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    assert data["names"] == dict(enumerate(CLASS_NAMES)) and data["train"] == "images/train"
    # One image end to end: its label file holds its own box, normalized, with class type-1.
    row = rows.row(0, named=True)
    split = "train" if row["split"] == "train" else "val"
    label = (tmp_path / "yolo" / "labels" / split / flat_name(row["image_name"])).with_suffix(".txt").read_text().split()
    x1, y1, x2, y2 = row["x_1"], row["y_1"], row["x_2"], row["y_2"]
    assert int(label[0]) == row["clothes_type"] - 1
    np.testing.assert_allclose([float(v) for v in label[1:]],
                               [(x1 + x2) / 512, (y1 + y2) / 512, (x2 - x1) / 256, (y2 - y1) / 256], atol=1e-6)
    assert (tmp_path / "yolo" / "images" / split / flat_name(row["image_name"])).exists()
    assert len(list((tmp_path / "yolo" / "labels").rglob("*.txt"))) == rows.height


def test_missing_images_are_listed_and_caps_apply(small_sample, tmp_path):
    root = tmp_path / "inshop"
    shutil.copytree(small_sample / INSHOP_DIR, root)
    rows = read_inshop(root).rows
    gone = rows.filter(pl.col("split") == "train")["image_name"][0]  # train: never capped away below
    (root / gone).unlink()
    summary = build_yolo_dataset(root, tmp_path / "yolo", YoloDatasetConfig(max_val_images=10))
    assert summary.skipped == [{"image_name": gone, "reason": "image file missing"}]
    assert summary.val_images == 10
    # Rebuilding replaces the folder whole: no stale labels from the first build.
    summary2 = build_yolo_dataset(root, tmp_path / "yolo", YoloDatasetConfig(max_val_images=5))
    assert len(list((tmp_path / "yolo" / "labels" / "val").iterdir())) == summary2.val_images == 5
