"""A DeepFashion In-shop sample: 256x256 photos with garments exactly where the boxes say."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fashion_pipeline.sample import writers
from fashion_pipeline.sample.catalog import COLOURS, PATTERNS
from fashion_pipeline.sample.images import draw_garment, jpeg_bytes, studio_canvas
from fashion_pipeline.sources.atomic import write_bytes

IMAGE_SIZE = 256
# In-shop folder -> (garment types drawn there, clothes_type: 1 upper, 2 lower, 3 full body)
FOLDERS = {
    "WOMEN/Blouses_Shirts": (("Blouse", "T-Shirt"), 1),
    "WOMEN/Tees_Tanks": (("T-Shirt", "Tank Top"), 1),
    "WOMEN/Sweaters": (("Sweater",), 1),
    "WOMEN/Jackets_Coats": (("Wool Coat", "Puffer Jacket", "Raincoat"), 1),
    "WOMEN/Dresses": (("Sundress", "Cocktail Dress", "Maxi Dress", "Knit Dress"), 3),
    "WOMEN/Skirts": (("Skirt",), 2),
    "WOMEN/Pants": (("Trousers", "Jeans"), 2),
    "WOMEN/Shorts": (("Shorts",), 2),
    "MEN/Shirts_Polos": (("T-Shirt", "Blouse"), 1),
    "MEN/Jackets_Vests": (("Blazer", "Puffer Jacket"), 1),
    "MEN/Pants": (("Trousers",), 2),
    "MEN/Denim": (("Jeans",), 2),
    "MEN/Shorts": (("Shorts",), 2),
}
VIEWS = ((1, "front", 1), (2, "side", 2), (3, "back", 3), (4, "full", 4))  # (k, view name, pose_type)


def write_inshop(root: Path, n_items: int, rng: np.random.Generator) -> int:
    """Write img/, Anno/list_bbox_inshop.txt, Anno/list_item_inshop.txt, Eval/list_eval_partition.txt."""
    folders = list(FOLDERS)
    bbox_rows, partition_rows, item_rows = [], [], []
    for k in range(n_items):
        item_id = f"id_{k + 1:08d}"
        folder = folders[k % len(folders)]
        types, clothes_type = FOLDERS[folder]
        garment = types[rng.integers(len(types))]
        colour = COLOURS[rng.integers(len(COLOURS))]
        pattern = PATTERNS[rng.integers(len(PATTERNS))]
        # Items never straddle partitions: about half train, the rest query/gallery.
        split_of_item = "train" if rng.random() < 0.5 else None
        n_views = int(rng.integers(2, 5))
        outfit = int(rng.integers(1, 5))
        for j, (kk, view, pose) in enumerate(VIEWS[:n_views]):
            name = f"img/{folder}/{item_id}/{outfit:02d}_{kk}_{view}.jpg"
            w = int(rng.integers(90, 200)) if clothes_type != 3 else int(rng.integers(110, 200))
            h = int(rng.integers(110, 236))
            x1 = int(rng.integers(8, IMAGE_SIZE - w - 8))
            y1 = int(rng.integers(8, IMAGE_SIZE - h - 8))
            canvas = studio_canvas(IMAGE_SIZE, rng)
            bx = draw_garment(canvas, garment, colour, pattern, (x1, y1, x1 + w, y1 + h))
            write_bytes(jpeg_bytes(canvas), root / name)
            split = split_of_item or ("query" if j % 2 == 0 else "gallery")
            bbox_rows.append(f"{name}  {clothes_type}  {pose}  {bx[0]}  {bx[1]}  {bx[2]}  {bx[3]}")
            partition_rows.append(f"{name}  {item_id}  {split}")
        item_rows.append(item_id)
    writers.write_listing(root / "Anno/list_bbox_inshop.txt", "image_name  clothes_type  pose_type  x_1  y_1  x_2  y_2", bbox_rows)
    writers.write_listing(root / "Eval/list_eval_partition.txt", "image_name  item_id  evaluation_status", partition_rows)
    (root / "Anno").mkdir(parents=True, exist_ok=True)
    write_bytes((f"{len(item_rows)}\n" + "".join(i + "\n" for i in item_rows)).encode(), root / "Anno/list_item_inshop.txt")
    return len(bbox_rows)
