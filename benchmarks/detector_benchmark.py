"""The clothing detector on the sample's DeepFashion folder: validation mAP and the CPU it cost.

Builds the YOLO dataset from the small sample (200 DeepFashion items: 300 train photos from the
train partition, 313 validation photos from query/gallery) and trains with the detector's
default config (yolo11n.yaml from scratch, 128 px, 15 epochs, batch 16). The target is
mAP50 >= 0.8; the CPU budget is stated as process CPU-seconds and wall seconds.

    .venv/bin/python benchmarks/detector_benchmark.py [--epochs 15] [--threads 2] [--sample DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fashion_pipeline.layout import ArtifactLayout, sample_dir  # noqa: E402
from fashion_pipeline.sample.writers import INSHOP_DIR  # noqa: E402
from fashion_pipeline.vision.detector import DetectorConfig, train_detector  # noqa: E402
from fashion_pipeline.vision.yolo_dataset import YoloDatasetConfig, build_yolo_dataset  # noqa: E402


def main() -> int:
    defaults = DetectorConfig()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, help="a small sample folder (default: data/sample, made if stale)")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--imgsz", type=int, default=defaults.imgsz)
    parser.add_argument("--threads", type=int, default=defaults.threads)
    args = parser.parse_args()

    from fashion_pipeline.sample.generate import generate_sample, sample_is_current

    sample = args.sample or sample_dir()
    if args.sample is None and not sample_is_current(sample):
        generate_sample(sample, "small", seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        data = build_yolo_dataset(sample / INSHOP_DIR, Path(tmp) / "yolo", YoloDatasetConfig())
        config = DetectorConfig(epochs=args.epochs, imgsz=args.imgsz, threads=args.threads)
        cpu, wall = time.process_time(), time.perf_counter()
        result = train_detector(data.data_yaml, ArtifactLayout(tmp).detector_weights, config, yolo_config_dir=Path(tmp) / "cfg")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    report = {"train_images": data.train_images, "val_images": data.val_images, "epochs": config.epochs,
              "imgsz": config.imgsz, "threads": config.threads, "mAP50": round(result.map50, 4),
              "mAP50-95": round(result.map50_95, 4), "cpu_seconds": round(cpu, 1), "wall_seconds": round(wall, 1),
              "target_mAP50": 0.8, "met": result.map50 >= 0.8}
    print(json.dumps(report, indent=2))
    return 0 if report["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
