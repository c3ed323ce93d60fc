"""DeepFashion In-shop -> an ultralytics detection dataset.

Layout written (ultralytics finds each label by replacing /images/ with /labels/ in the path):

  <out>/images/{train,val}/<flattened image name>.jpg   hard links to the originals (copies across filesystems)
  <out>/labels/{train,val}/<flattened image name>.txt   `class cx cy w h`, normalized to 0..1
  <out>/data.yaml                                       absolute path, splits, class names
  <out>/summary.json                                    counts, and every image that was skipped and why

The whole folder is built beside the target and renamed into place, so a crash never leaves
a half-written dataset that training would silently accept.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from PIL import Image

from fashion_pipeline import columns as C
from fashion_pipeline.sources.deepfashion import CLOTHES_TYPES, image_path, read_inshop

# YOLO class id = clothes_type - 1: 0 upper-body, 1 lower-body, 2 full-body.
CLASS_NAMES = [CLOTHES_TYPES[k] for k in sorted(CLOTHES_TYPES)]
DATA_YAML = "data.yaml"
SUMMARY_FILE = "summary.json"


@dataclass(frozen=True)
class YoloDatasetConfig:
    # Partitions that become YOLO's train and val: items never straddle partitions, so
    # validating on query/gallery measures boxes on garments the detector never saw.
    train_splits: tuple[str, ...] = ("train",)
    val_splits: tuple[str, ...] = ("query", "gallery")
    # Cap per YOLO split (None = all). The real val side has 26,830 images; validating all of
    # them every epoch on a CPU costs more than the training itself.
    max_train_images: int | None = None
    max_val_images: int | None = None
    seed: int = 0  # which images the caps keep


@dataclass
class YoloDatasetSummary:
    data_yaml: str
    train_images: int
    val_images: int
    per_class: dict[str, int]  # images per class name, both splits
    # {"image_name", "reason"}: bad annotation line, no partition, file missing or unreadable,
    # box entirely outside its image
    skipped: list[dict]
    clipped: list[dict] = field(default_factory=list)  # {"image_name", "reason"}: box cut to the image


def yolo_labels(boxes: np.ndarray, width: np.ndarray, height: np.ndarray) -> np.ndarray:
    """Pixel corner boxes (n, 4: x1 y1 x2 y2) -> normalized (n, 4: cx cy w h), clipped to the image."""
    boxes = np.asarray(boxes, dtype=np.float64)
    size = np.stack([width, height, width, height], axis=1).astype(np.float64)
    corners = np.clip(boxes, 0.0, size) / size
    x1, y1, x2, y2 = corners.T
    return np.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], axis=1)


def check_boxes(boxes: np.ndarray, width: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, list, list]:
    """(keep mask, clip reason or None, skip reason or None) per pixel box against its image size.

    A box partly outside its image is clipped to it (and listed); one with less than a pixel
    left inside (entirely outside, or a sliver) is skipped: as a label it would be zero-size.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    w, h = np.asarray(width, dtype=np.float64), np.asarray(height, dtype=np.float64)
    cx1, cx2 = np.clip(boxes[:, 0], 0, w), np.clip(boxes[:, 2], 0, w)
    cy1, cy2 = np.clip(boxes[:, 1], 0, h), np.clip(boxes[:, 3], 0, h)
    inside = (cx2 - cx1 >= 1) & (cy2 - cy1 >= 1)
    changed = (cx1 != boxes[:, 0]) | (cx2 != boxes[:, 2]) | (cy1 != boxes[:, 1]) | (cy2 != boxes[:, 3])
    clip, skip = [], []
    for i, box in enumerate(boxes.astype(np.int64).tolist()):
        size = f"{int(w[i])}x{int(h[i])}"
        skip.append(None if inside[i] else f"box {box} lies outside the {size} image")
        clip.append(f"box {box} clipped to the {size} image" if inside[i] and changed[i] else None)
    return inside, clip, skip


def label_lines(classes: np.ndarray, xywh: np.ndarray) -> list[str]:
    """One `class cx cy w h` line per box, 6 decimals (sub-pixel at any realistic image size)."""
    return [f"{c} {x:.6f} {y:.6f} {w:.6f} {h:.6f}" for c, (x, y, w, h) in zip(classes.tolist(), xywh.tolist())]


def flat_name(image_name: str) -> str:
    """img/WOMEN/Dresses/id_00000002/02_1_front.jpg -> WOMEN__Dresses__id_00000002__02_1_front.jpg.

    Flattened so the label name is unique and the folder browsable; `img/` carries no information.
    """
    parts = Path(image_name).parts
    return "__".join(parts[1:] if parts and parts[0] == "img" else parts)


def _cap(table: pl.DataFrame, limit: int | None, seed: int) -> pl.DataFrame:
    if limit is None or len(table) <= limit:
        return table
    return table.sample(n=limit, seed=seed).sort(C.IMAGE_NAME)


def select_images(rows: pl.DataFrame, config: YoloDatasetConfig) -> tuple[pl.DataFrame, list[dict]]:
    """Annotation rows with a `yolo_split` column (train/val); rows in no configured partition are skipped."""
    split = (pl.when(pl.col(C.SPLIT).is_in(list(config.train_splits))).then(pl.lit("train"))
             .when(pl.col(C.SPLIT).is_in(list(config.val_splits))).then(pl.lit("val")))
    tagged = rows.with_columns(split.alias("yolo_split"))
    skipped = [{"image_name": n, "reason": f"partition {s!r} not used"}
               for n, s in tagged.filter(pl.col("yolo_split").is_null()).select(C.IMAGE_NAME, C.SPLIT).iter_rows()]
    train = _cap(tagged.filter(pl.col("yolo_split") == "train"), config.max_train_images, config.seed)
    val = _cap(tagged.filter(pl.col("yolo_split") == "val"), config.max_val_images, config.seed)
    return pl.concat([train, val]), skipped


def _image_sizes(paths: list[Path]) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Width, height and an error per image, from the file header only (no pixel decoding)."""
    w = np.zeros(len(paths), dtype=np.int64)
    h = np.zeros(len(paths), dtype=np.int64)
    errors: list[str | None] = [None] * len(paths)
    for i, p in enumerate(paths):
        try:
            with Image.open(p) as im:
                w[i], h[i] = im.size
        except FileNotFoundError:
            errors[i] = "image file missing"
        except Exception as exc:  # PIL raises several types for a corrupt file
            errors[i] = f"unreadable image ({type(exc).__name__})"
    return w, h, errors


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)  # no extra disk for 52k images on the same filesystem
    except OSError:
        shutil.copyfile(src, dst)


def _replace_dir(tmp: Path, target: Path) -> None:
    """Swap a finished folder into place: the old one stays until the new one is there."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_yolo_dataset(deepfashion_root: str | Path, out_dir: str | Path,
                       config: YoloDatasetConfig = YoloDatasetConfig()) -> YoloDatasetSummary:
    """Write the ultralytics dataset for the In-shop folder at `deepfashion_root` into `out_dir`."""
    root, out = Path(deepfashion_root), Path(out_dir).resolve()
    annotations = read_inshop(root)
    rows, skipped = select_images(annotations.rows, config)
    skipped = [{"image_name": raw.split()[0] if raw.split() else f"line {n}", "reason": f"line {n}: {reason}"}
               for n, reason, raw in annotations.rejects.select(C.LINE_NUMBER, C.REASON, C.RAW_LINE).iter_rows()
               ] + skipped
    files = [image_path(root, n) for n in rows[C.IMAGE_NAME].to_list()]
    width, height, errors = _image_sizes(files)
    ok = np.array([e is None for e in errors], dtype=bool)
    skipped += [{"image_name": n, "reason": e} for n, e in zip(rows[C.IMAGE_NAME].to_list(), errors) if e]
    rows = rows.filter(pl.Series(ok))
    files = [f for f, good in zip(files, ok) if good]
    boxes = rows.select(C.BOX_X1, C.BOX_Y1, C.BOX_X2, C.BOX_Y2).to_numpy()
    fits, clipped_reasons, outside_reasons = check_boxes(boxes, width[ok], height[ok])
    names = rows[C.IMAGE_NAME].to_list()
    skipped += [{"image_name": n, "reason": r} for n, r in zip(names, outside_reasons) if r]
    clipped = [{"image_name": n, "reason": r} for n, r in zip(names, clipped_reasons) if r]
    rows, boxes = rows.filter(pl.Series(fits)), boxes[fits]
    files = [f for f, good in zip(files, fits) if good]
    xywh = yolo_labels(boxes, width[ok][fits], height[ok][fits])
    lines = label_lines(rows[C.CLOTHES_TYPE].to_numpy() - 1, xywh)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for split in ("train", "val"):
            (tmp / "images" / split).mkdir(parents=True)
            (tmp / "labels" / split).mkdir(parents=True)
        for src, name, split, line in zip(files, rows[C.IMAGE_NAME].to_list(), rows["yolo_split"].to_list(), lines):
            flat = flat_name(name)
            _link_or_copy(src, tmp / "images" / split / flat)
            (tmp / "labels" / split / Path(flat).with_suffix(".txt")).write_text(line + "\n")
        (tmp / DATA_YAML).write_text(data_yaml_text(out))
        counts = rows.group_by("yolo_split").len()
        n = dict(counts.iter_rows())
        per_class = dict(rows.group_by("clothes_type_name").len().sort("clothes_type_name").iter_rows())
        summary = YoloDatasetSummary(str(out / DATA_YAML), n.get("train", 0), n.get("val", 0), per_class, skipped, clipped)
        (tmp / SUMMARY_FILE).write_text(json.dumps(asdict(summary), indent=2))
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700; the dataset is for everyone to read
        _replace_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return summary


def data_yaml_text(root: Path) -> str:
    """ultralytics' data.yaml with an absolute path, so it never resolves against its datasets_dir."""
    names = "".join(f"  {i}: {n}\n" for i, n in enumerate(CLASS_NAMES))
    return f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n{names}"


def validation_images(dataset_dir: str | Path) -> list[Path]:
    """The dataset's validation photos (DeepFashion query + gallery), sorted by name."""
    return sorted((Path(dataset_dir) / "images" / "val").glob("*.jpg"))
