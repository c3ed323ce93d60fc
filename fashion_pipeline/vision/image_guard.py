"""Checks on a photo a user hands us, made from its header before any pixel is decoded.

A text file renamed .jpg, or a small PNG that declares 20000 x 20000 pixels (1.2 GB once
decoded), must be refused with a message naming the file, not a traceback or an exhausted
machine. PIL reads only the header in Image.open; decoding happens in load()/convert().
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_QUERY_PIXELS = 40_000_000  # 40 megapixels: beyond any camera photo a person would search with


def check_query_image(path: str | Path, max_pixels: int = MAX_QUERY_PIXELS) -> tuple[int, int]:
    """(width, height) of the image at `path`, read from its header only.

    Raises FileNotFoundError when there is no file, and ValueError naming the file when it is not
    an image PIL can read or declares more than `max_pixels` pixels.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:  # parses the header; no pixel data is decoded here
                width, height, fmt = im.width, im.height, im.format
    except Image.DecompressionBombError as exc:
        raise ValueError(f"{path}: the image is too large to search with ({exc}); "
                         f"use one under {max_pixels / 1e6:.0f} megapixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValueError(f"{path}: not an image file PIL can read ({type(exc).__name__})") from None
    if width * height > max_pixels:
        raise ValueError(f"{path}: the {fmt} image is {width} x {height} = {width * height / 1e6:.0f} megapixels, "
                         f"more than the {max_pixels / 1e6:.0f} allowed for a query photo; resize it first")
    if width < 1 or height < 1:
        raise ValueError(f"{path}: the image has no pixels ({width} x {height})")
    return width, height
