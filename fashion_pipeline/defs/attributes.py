"""item_attributes: what each item is in words a stylist uses (category, colour, pattern,
occasion), the input of fashion-sense re-ranking. Thin: the logic is in recsys.attributes and
vision.item_colours."""

from pathlib import Path

import dagster as dg
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.defs.ingestion import products
from fashion_pipeline.defs.raw import raw_dvbpr
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.vision import image_features, item_images
from fashion_pipeline.recsys.attributes import AttributeConfig, item_attributes as build_item_attributes
from fashion_pipeline.sources.atomic import write_parquet

GROUP = "sense"


class ItemAttributesConfig(dg.Config):
    colour_rule: str = "text"  # "text" or "image": which colour wins when they disagree (recsys.attributes)
    min_image_confidence: float = 0.4  # image colours below this share of garment pixels are not used


# image_features is a declared dependency: in one run of every asset ("Materialize all", the demo)
# the garment boxes exist before the colours are measured. Materialized without the vision path,
# the asset measures colours on the whole photo, or takes them from the text alone.
@dg.asset(deps=[products, raw_dvbpr, item_images, image_features], group_name=GROUP, kinds={"polars", "parquet"})
def item_attributes(context: dg.AssetExecutionContext, config: ItemAttributesConfig,
                    fashion_data: FashionData) -> dg.MaterializeResult:
    """Category, colour, pattern, occasion per item: words from the metadata, colour also
    measured on the garment crop of the item photo (the detector's box from image_features when
    present, else the whole photo). Text wins where both exist (see recsys.attributes)."""
    from fashion_pipeline.vision.item_colours import boxes_from_features, colours_from_dvbpr, colours_from_manifest
    from fashion_pipeline.vision.item_images import MANIFEST

    layout = fashion_data.layout
    table = pl.read_parquet(layout.parsed("products"))
    boxes = boxes_from_features(layout.image_features) if layout.image_features.exists() else None
    if (layout.item_images / MANIFEST).exists():
        source, colours = "item_images", colours_from_manifest(pl.read_parquet(layout.item_images / MANIFEST), boxes)
    elif Path(fashion_data.dvbpr_path).exists():
        source, colours = "dvbpr", colours_from_dvbpr(fashion_data.dvbpr_path, table[C.ITEM_ID].to_list(), boxes)
    else:
        context.log.warning(f"no item images ({fashion_data.dvbpr_path} absent): colours from text only")
        source, colours = "none", None
    attrs = build_item_attributes(table, colours, AttributeConfig(config.colour_rule, config.min_image_confidence))
    path = write_parquet(attrs, layout.parsed("item_attributes"))
    both = attrs.filter(pl.col(C.TEXT_COLOUR).is_not_null() & pl.col(C.IMAGE_COLOUR).is_not_null())
    agree = float((both[C.TEXT_COLOUR] == both[C.IMAGE_COLOUR]).mean()) if both.height else None
    return dg.MaterializeResult(metadata={
        "dagster/row_count": attrs.height, "path": dg.MetadataValue.path(str(path)), "image_source": source,
        "items_with_image_colour": int(attrs[C.IMAGE_COLOUR].is_not_null().sum()),
        "detector_boxes_used": boxes is not None,
        "text_image_colour_agreement": round(agree, 4) if agree is not None else "n/a",
        "colour_source": dg.MetadataValue.json(dict(attrs[C.COLOUR_SOURCE].fill_null("none").value_counts().iter_rows())),
    })
