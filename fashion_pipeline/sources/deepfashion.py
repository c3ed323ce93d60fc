"""DeepFashion In-shop Clothes Retrieval annotations into one table per image.

Anno/list_bbox_inshop.txt:   count line, header line, then
                             `image_name clothes_type pose_type x_1 y_1 x_2 y_2`
Eval/list_eval_partition.txt: count line, header line, then `image_name item_id train|query|gallery`
Columns are separated by runs of spaces, so lines are split on whitespace.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.rejects import MalformedFileError, ReadResult, empty_rejects, fail_if_mostly_bad, make_rejects

BBOX_FILE = Path("Anno/list_bbox_inshop.txt")
PARTITION_FILE = Path("Eval/list_eval_partition.txt")
ITEM_FILE = Path("Anno/list_item_inshop.txt")
CLOTHES_TYPES = {1: "upper-body", 2: "lower-body", 3: "full-body"}
SPLITS = ("train", "query", "gallery")
# In-shop images are 256 x 256 (high-res up to about 1,100): a coordinate beyond this is corrupt.
MAX_COORDINATE = 100_000


def _read_listing(path: Path, header: list[str]) -> tuple[list[list[str]], pl.DataFrame, int]:
    if not path.exists():
        raise FileNotFoundError(f"DeepFashion annotation file not found: {path}")
    lines = path.read_text(encoding="utf-8-sig").splitlines()  # -sig: a BOM is dropped
    if len(lines) < 2:
        raise MalformedFileError(f"{path}: expected a count line and a header line")
    try:
        declared = int(lines[0].strip())
    except ValueError:
        raise MalformedFileError(f"{path}, line 1: expected the number of entries, got {lines[0][:60]!r}") from None
    if lines[1].split() != header:
        raise MalformedFileError(f"{path}, line 2: expected header {' '.join(header)!r}, got {lines[1][:80]!r}")
    good, bad_n, bad_r, bad_raw = [], [], [], []
    for n, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != len(header):
            bad_n.append(n)
            bad_r.append(f"expected {len(header)} fields, got {len(parts)}")
            bad_raw.append(line)
            continue
        good.append([*parts, n])
    return good, make_rejects(path, bad_n, bad_r, bad_raw), declared


def read_inshop(root: str | Path) -> ReadResult:
    """image_name, item_id, split, clothes_type, pose_type and the box, one row per image."""
    root = Path(root)
    bbox_rows, bbox_rejects, bbox_declared = _read_listing(
        root / BBOX_FILE, ["image_name", "clothes_type", "pose_type", "x_1", "y_1", "x_2", "y_2"]
    )
    part_rows, part_rejects, _ = _read_listing(root / PARTITION_FILE, ["image_name", "item_id", "evaluation_status"])
    boxes = pl.DataFrame(
        bbox_rows, orient="row",
        schema=[C.IMAGE_NAME, C.CLOTHES_TYPE, C.POSE_TYPE, C.BOX_X1, C.BOX_Y1, C.BOX_X2, C.BOX_Y2, C.LINE_NUMBER],
    )
    coords = [C.BOX_X1, C.BOX_Y1, C.BOX_X2, C.BOX_Y2]
    numbers = [C.CLOTHES_TYPE, C.POSE_TYPE, *coords]
    boxes = boxes.with_columns(
        pl.col(numbers).cast(pl.Int64, strict=False),  # null: not an integer, or beyond int64
        _digits=pl.any_horizontal(pl.col(numbers).str.contains(r"^[-+]?\d+$").not_()),
    )
    reason = (
        pl.when(pl.col("_digits")).then(pl.lit("non-numeric field"))
        .when(pl.any_horizontal(pl.col(numbers).is_null())).then(pl.lit("number out of range"))
        .when(pl.any_horizontal(pl.col(*coords).abs() > MAX_COORDINATE)).then(pl.lit(
            f"box coordinate beyond {MAX_COORDINATE:,} pixels"))
        .when(~pl.col(C.CLOTHES_TYPE).is_in(list(CLOTHES_TYPES))).then(pl.lit("unknown clothes_type"))
        .when((pl.col(C.BOX_X2) <= pl.col(C.BOX_X1)) | (pl.col(C.BOX_Y2) <= pl.col(C.BOX_Y1))).then(pl.lit("empty box"))
    )
    boxes = boxes.with_columns(_reason=reason).drop("_digits")
    invalid = pl.col("_reason").is_not_null()
    bad = boxes.filter(invalid)
    rejects = pl.concat([
        bbox_rejects, part_rejects,
        make_rejects(root / BBOX_FILE, bad[C.LINE_NUMBER].to_list(), bad["_reason"].to_list(),
                     bad[C.IMAGE_NAME].to_list()),
    ])
    boxes = boxes.filter(~invalid).drop("_reason").with_columns(pl.col(numbers).cast(pl.Int32))
    fail_if_mostly_bad(root / BBOX_FILE, max(len(bbox_rows) + len(bbox_rejects), 1), rejects)
    partition = pl.DataFrame(part_rows, orient="row", schema=[C.IMAGE_NAME, C.DF_ITEM_ID, C.SPLIT, "_n"]).drop("_n")
    table = (
        boxes
        .join(partition, on=C.IMAGE_NAME, how="left")
        .with_columns(pl.col(C.CLOTHES_TYPE).replace_strict(CLOTHES_TYPES, return_dtype=pl.Utf8).alias("clothes_type_name"))
        .select(C.IMAGE_NAME, C.DF_ITEM_ID, C.SPLIT, C.CLOTHES_TYPE, "clothes_type_name", C.POSE_TYPE, *coords, C.LINE_NUMBER)
    )
    stats = {
        "declared": bbox_declared,
        "rows": len(table),
        "rejected": len(rejects),
        "without_partition": table[C.SPLIT].null_count(),
    }
    return ReadResult(rows=table, rejects=rejects if len(rejects) else empty_rejects(), stats=stats)


def image_path(root: str | Path, image_name: str) -> Path:
    """Where an annotated image lies: <root>/img/..., or mmfashion's <root>/Img/img/...."""
    root = Path(root)
    for candidate in (root / image_name, root / "Img" / image_name):
        if candidate.exists():
            return candidate
    return root / image_name
