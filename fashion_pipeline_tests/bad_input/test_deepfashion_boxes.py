"""DeepFashion boxes that do not fit their image: clipped or skipped, and each listed with why."""

from __future__ import annotations

import json

from PIL import Image

from fashion_pipeline import columns as C

from fashion_pipeline.sources.deepfashion import BBOX_FILE, PARTITION_FILE, read_inshop
from fashion_pipeline.vision.yolo_dataset import SUMMARY_FILE, YoloDatasetConfig, build_yolo_dataset

BOXES = {
    "good_a": "50 49 208 235",
    "good_b": "10 10 120 200",
    "good_c": "30 40 200 250",
    "partly_outside": "200 10 300 240",   # right edge beyond 256: clipped
    "fully_outside": "300 300 400 400",   # nothing inside: a zero-size label if kept
    "huge": "10 10 99999999999 200",      # fits int64, not a real image
    "beyond_int64": f"10 10 {10**20} 200",  # used to vanish in an int32 cast
    "beyond_int32": "10 10 3000000000 200",
}


def _inshop(root):
    names = {k: f"img/WOMEN/Dresses/id_0000000{i}/01_1_front.jpg" for i, k in enumerate(BOXES, start=1)}
    for name in names.values():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (256, 256), (200, 30, 40)).save(root / name)
    (root / BBOX_FILE).parent.mkdir(parents=True)
    (root / BBOX_FILE).write_text(f"{len(BOXES)}\nimage_name clothes_type pose_type x_1 y_1 x_2 y_2\n" + "".join(
        f"{names[k]} 3 1 {b}\n" for k, b in BOXES.items()))
    (root / PARTITION_FILE).parent.mkdir(parents=True)
    (root / PARTITION_FILE).write_text(f"{len(BOXES)}\nimage_name item_id evaluation_status\n" + "".join(
        f"{n} id_{i:08d} {'train' if i % 2 else 'query'}\n" for i, n in enumerate(names.values(), start=1)))
    return names


def test_boxes_outside_the_image_are_clipped_or_skipped_with_reasons(tmp_path):
    root = tmp_path / "inshop"
    names = _inshop(root)
    result = read_inshop(root)  # one bad number rejects its line, with a reason, not the whole file
    reasons = dict(zip(result.rejects[C.RAW_LINE].to_list(), result.rejects[C.REASON].to_list()))
    assert reasons[names["huge"]] == "box coordinate beyond 100,000 pixels"
    assert reasons[names["beyond_int32"]] == "box coordinate beyond 100,000 pixels"
    assert reasons[names["beyond_int64"]] == "number out of range"

    summary = build_yolo_dataset(root, tmp_path / "yolo", YoloDatasetConfig())
    written = json.loads((tmp_path / "yolo" / SUMMARY_FILE).read_text())
    skipped = {s["image_name"]: s["reason"] for s in written["skipped"]}
    clipped = {s["image_name"]: s["reason"] for s in written["clipped"]}
    assert "lies outside the 256x256 image" in skipped[names["fully_outside"]]
    for key in ("huge", "beyond_int64", "beyond_int32"):
        assert skipped[names[key]].startswith("line ")  # listed, not vanished
    assert clipped == {names["partly_outside"]: "box [200, 10, 300, 240] clipped to the 256x256 image"}
    assert summary.train_images + summary.val_images == 4

    for label in (tmp_path / "yolo" / "labels").rglob("*.txt"):
        _, cx, cy, w, h = map(float, label.read_text().split())
        assert w > 0 and h > 0 and 0 <= cx - w / 2 and cx + w / 2 <= 1 + 1e-6 and cy + h / 2 <= 1 + 1e-6
