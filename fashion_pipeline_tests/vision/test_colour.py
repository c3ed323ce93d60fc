"""Image-measured colour: known-colour garment pictures, the sample's truth, text-vs-image rule."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from PIL import Image

from fashion_pipeline import columns as C
from fashion_pipeline.sample.images import product_photo
from fashion_pipeline.sources.attributes import COLOUR_RGB
from fashion_pipeline.vision.colour import dominant_colour


@pytest.mark.parametrize("colour", list(COLOUR_RGB))
def test_known_colour_garment_on_studio_background(colour):
    rng = np.random.default_rng(1)
    for garment, pattern in (("T-Shirt", "solid"), ("Jeans", "striped"), ("Handbag", "polka-dot")):
        name, conf = dominant_colour(product_photo(garment, colour, pattern, 96, rng))
        assert name == colour, (garment, pattern)
        assert 0.3 < conf <= 1.0


def test_box_restricts_the_region():
    img = Image.new("RGB", (100, 100), (236, 236, 232))
    img.paste(COLOUR_RGB["red"], (5, 5, 45, 95))
    img.paste(COLOUR_RGB["green"], (55, 5, 95, 95))
    assert dominant_colour(img, (50, 0, 100, 100))[0] == "green"
    assert dominant_colour(img, (0, 0, 50, 100))[0] == "red"


def test_image_colour_agrees_with_sample_truth_on_90_percent(small_sample):
    from fashion_pipeline.sample.generate import TRUTH_FILE
    from fashion_pipeline.sample.writers import DVBPR_FILE
    from fashion_pipeline.vision.item_colours import colours_from_dvbpr

    truth = pl.read_parquet(small_sample / TRUTH_FILE)
    measured = colours_from_dvbpr(small_sample / DVBPR_FILE, truth[C.ITEM_ID].to_list())
    joined = truth.join(measured, on=C.ITEM_ID)
    assert joined.height == truth.height
    agreement = float((joined[C.COLOUR] == joined[C.IMAGE_COLOUR]).mean())
    assert agreement >= 0.9, agreement


def test_text_colour_wins_and_image_fills_gaps():
    from fashion_pipeline.recsys.attributes import AttributeConfig, item_attributes

    products = pl.DataFrame({C.ITEM_ID: ["a", "b", "c", "d"], C.TITLE: ["x"] * 4,
                             C.CATEGORY: ["tops"] * 4, C.COLOUR: ["red", None, None, "blue"],
                             C.PATTERN: [None] * 4, C.OCCASION: ["formal"] * 4})
    image = pl.DataFrame({C.ITEM_ID: ["a", "b", "c", "d"], C.IMAGE_COLOUR: ["green", "pink", "grey", "navy"],
                          C.IMAGE_COLOUR_CONFIDENCE: [0.9, 0.8, 0.1, 0.9]})
    out = item_attributes(products, image).sort(C.ITEM_ID)
    assert out[C.COLOUR].to_list() == ["red", "pink", None, "blue"]
    assert out[C.COLOUR_SOURCE].to_list() == ["text", "image", None, "text"]
    by_image = item_attributes(products, image, AttributeConfig(colour_rule="image")).sort(C.ITEM_ID)
    assert by_image[C.COLOUR].to_list() == ["green", "pink", None, "navy"]
