"""Measured colour of every catalogue image: the dominant colour of its garment crop."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import polars as pl
from PIL import Image

from fashion_pipeline import columns as C
from fashion_pipeline.vision.colour import ColourConfig, dominant_colour


def measure_colours(ids: Sequence[str], load: Callable[[int], Image.Image | None],
                    boxes: dict[str, Sequence[int]] | None = None,
                    config: ColourConfig = ColourConfig()) -> pl.DataFrame:
    """asin, image_colour, image_colour_confidence for each id whose image `load(i)` returns.

    `boxes` maps an id to the garment box the detector chose for it (x1 y1 x2 y2 pixels, as
    stored with the image features); ids without one (or with -1s) use the whole image.
    """
    boxes = boxes or {}
    out_ids, names, confs = [], [], []
    for i, item in enumerate(ids):
        image = load(i)
        if image is None:
            continue
        box = boxes.get(item)
        box = None if box is None or np.asarray(box)[0] < 0 else tuple(int(v) for v in box)
        name, conf = dominant_colour(image, box, config)
        out_ids.append(item)
        names.append(name)
        confs.append(conf)
    return pl.DataFrame({C.ITEM_ID: out_ids, C.IMAGE_COLOUR: names, C.IMAGE_COLOUR_CONFIDENCE: confs},
                        schema={C.ITEM_ID: pl.Utf8, C.IMAGE_COLOUR: pl.Utf8, C.IMAGE_COLOUR_CONFIDENCE: pl.Float64})


def colours_from_dvbpr(npy_path, catalogue_asins: Sequence[str] | None = None,
                       boxes: dict | None = None, config: ColourConfig = ColourConfig()) -> pl.DataFrame:
    """Measure straight from the DVBPR .npy (no decoded image folder needed)."""
    from fashion_pipeline.sources.dvbpr import IMAGE_BYTES, ITEM_INDEX, load_dvbpr
    from fashion_pipeline.vision.item_images import decode, dvbpr_item_ids

    items = load_dvbpr(npy_path).items.sort(ITEM_INDEX)
    blobs = items[IMAGE_BYTES].to_list()
    return measure_colours(dvbpr_item_ids(len(items), catalogue_asins, npy_path), lambda i: decode(blobs[i])[0], boxes, config)


def colours_from_manifest(manifest: pl.DataFrame, boxes: dict | None = None,
                          config: ColourConfig = ColourConfig()) -> pl.DataFrame:
    """Measure from the decoded item_images folder (its manifest's decodable rows)."""
    from fashion_pipeline.vision.item_images import ERROR, PATH, open_image

    ok = manifest.filter(pl.col(ERROR).is_null())
    paths = ok[PATH].to_list()
    return measure_colours(ok[C.ITEM_ID].to_list(), lambda i: open_image(paths[i]), boxes, config)


def boxes_from_features(path) -> dict[str, np.ndarray]:
    """id -> garment box from the HDF5 feature store (the crop each embedding used)."""
    from fashion_pipeline.vision.features import read_features

    features = read_features(path)
    return dict(zip(features.ids.tolist(), features.boxes))
