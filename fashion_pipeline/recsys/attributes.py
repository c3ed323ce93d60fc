"""The item attributes table: what the text says and what the picture shows, reconciled.

Which colour wins when they disagree (AttributeConfig.colour_rule):
- "text" (default): the colour the title names wins; the measured image colour fills in only
  where the text names none and the measurement is confident. Why: the title is the seller's
  statement about the very product sold (photos often show one variant, a print's ground colour,
  or a model wearing other garments), and a dominant-pixel colour is the noisier witness on real
  catalogue photos. On the sample both agree on >= 99% of items (the item_attributes asset's
  text_image_colour_agreement metadata), so the rule rarely matters there.
- "image": the confident image colour wins, the text fills in (for catalogues with unreliable titles).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from fashion_pipeline import columns as C

ATTRIBUTES = (C.CATEGORY, C.COLOUR, C.PATTERN, C.OCCASION)


@dataclass(frozen=True)
class AttributeConfig:
    colour_rule: str = "text"  # "text" or "image": see the module docstring
    # An image colour below this confidence (share of garment pixels) is not used: two-tone
    # garments and busy photos split their votes. Sample images score ~0.84 on average.
    min_image_confidence: float = 0.4


def item_attributes(products: pl.DataFrame, image_colours: pl.DataFrame | None,
                    config: AttributeConfig = AttributeConfig()) -> pl.DataFrame:
    """One row per product: asin, title, category, colour, pattern, occasion, text_colour,
    image_colour, image_colour_confidence, colour_source."""
    if config.colour_rule not in ("text", "image"):
        raise ValueError(f"colour_rule must be 'text' or 'image', not {config.colour_rule!r}")
    table = products.select(C.ITEM_ID, C.TITLE, *ATTRIBUTES).rename({C.COLOUR: C.TEXT_COLOUR})
    if image_colours is None:
        image_colours = pl.DataFrame(schema={C.ITEM_ID: pl.Utf8, C.IMAGE_COLOUR: pl.Utf8,
                                             C.IMAGE_COLOUR_CONFIDENCE: pl.Float64})
    table = table.join(image_colours.select(C.ITEM_ID, C.IMAGE_COLOUR, C.IMAGE_COLOUR_CONFIDENCE),
                       on=C.ITEM_ID, how="left")
    image = pl.when(pl.col(C.IMAGE_COLOUR_CONFIDENCE) >= config.min_image_confidence).then(pl.col(C.IMAGE_COLOUR))
    first, second = (pl.col(C.TEXT_COLOUR), image) if config.colour_rule == "text" else (image, pl.col(C.TEXT_COLOUR))
    first_name, second_name = ("text", "image") if config.colour_rule == "text" else ("image", "text")
    return table.with_columns(
        pl.coalesce(first, second).alias(C.COLOUR),
        pl.when(first.is_not_null()).then(pl.lit(first_name))
        .when(second.is_not_null()).then(pl.lit(second_name)).otherwise(None).alias(C.COLOUR_SOURCE),
    ).select(C.ITEM_ID, C.TITLE, *ATTRIBUTES, C.TEXT_COLOUR, C.IMAGE_COLOUR, C.IMAGE_COLOUR_CONFIDENCE, C.COLOUR_SOURCE)


def aligned_attributes(attributes: pl.DataFrame, item_ids: np.ndarray) -> pl.DataFrame:
    """The attribute columns in the order of `item_ids` (nulls for ids absent from `attributes`)."""
    return pl.DataFrame({C.ITEM_ID: np.asarray(item_ids, dtype=object).astype(str)}).join(
        attributes.select(C.ITEM_ID, *ATTRIBUTES).unique(C.ITEM_ID, keep="first"), on=C.ITEM_ID, how="left",
        maintain_order="left")


def attribute_codes(attributes: pl.DataFrame, item_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Per attribute, an int code per item index (position in `item_ids`); -1 where unknown.

    Codes index the sorted distinct values, so equal codes mean equal values.
    """
    frame = aligned_attributes(attributes, item_ids)
    out = {}
    for name in ATTRIBUTES:
        values = frame[name]
        vocab = values.drop_nulls().unique().sort()
        codes = values.replace_strict(vocab.to_list(), list(range(len(vocab))), default=-1, return_dtype=pl.Int64)
        out[name] = codes.fill_null(-1).to_numpy()
        out[f"{name}_values"] = np.asarray(vocab.to_list(), dtype=object)
    return out


def attributes_from_files(metadata_path: str | Path, item_ids: np.ndarray, images: str | Path | None = None,
                          progress=None) -> pl.DataFrame:
    """The item_attributes table from a metadata file and, optionally, an image source (a DVBPR
    .npy or a folder of <asin>.<ext> images) whose measured colours fill gaps in the text."""
    from fashion_pipeline.sources.metadata import read_metadata

    say = progress or (lambda msg: None)
    products = read_metadata(metadata_path, keep_asins=list(item_ids)).rows
    colours = None
    if images is not None:
        from fashion_pipeline.vision.item_colours import colours_from_dvbpr, colours_from_manifest
        from fashion_pipeline.vision.item_images import images_from_folder

        images = Path(images)
        if not images.exists():
            raise FileNotFoundError(f"image source {images} does not exist")
        say(f"measuring item colours from {images} ...")
        if images.is_dir():
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                colours = colours_from_manifest(images_from_folder(images, tmp).manifest)
        else:
            colours = colours_from_dvbpr(images, products[C.ITEM_ID].to_list())
    return item_attributes(products, colours)
