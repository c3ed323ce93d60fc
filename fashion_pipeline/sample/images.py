"""Garment pictures: a silhouette per category, filled with the item's colour and pattern.

Drawn on a light studio background like catalogue photos, so a detector can learn where the
garment is and a colour reader can measure its colour. Masks and textures are drawn once per
shape/colour/pattern and composited per image, which keeps full-scale generation fast.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from fashion_pipeline.sample.catalog import GARMENT_TYPES
from fashion_pipeline.sources.attributes import COLOUR_RGB

BACKGROUND = (236, 236, 232)
OUTLINE = (150, 150, 150)
MASK_SIZE = 256  # silhouettes are drawn at this size and resized to the target box

# Silhouettes as polygons in a unit square (x, y in 0..1), by garment category; some garment
# types have a shape of their own.
_SHAPES: dict[str, list[list[tuple[float, float]]]] = {
    "tops": [[(0.3, 0.05), (0.7, 0.05), (1.0, 0.3), (0.85, 0.45), (0.78, 0.38), (0.78, 1.0),
              (0.22, 1.0), (0.22, 0.38), (0.15, 0.45), (0.0, 0.3)]],
    "outerwear": [[(0.3, 0.0), (0.7, 0.0), (0.95, 0.15), (1.0, 0.9), (0.85, 0.9), (0.8, 0.35),
                   (0.8, 1.0), (0.2, 1.0), (0.2, 0.35), (0.15, 0.9), (0.0, 0.9), (0.05, 0.15)]],
    "bottoms": [[(0.1, 0.0), (0.9, 0.0), (1.0, 1.0), (0.58, 1.0), (0.5, 0.3), (0.42, 1.0), (0.0, 1.0)]],
    "Shorts": [[(0.05, 0.0), (0.95, 0.0), (1.0, 0.75), (0.56, 0.75), (0.5, 0.35), (0.44, 0.75), (0.0, 0.75)]],
    "Skirt": [[(0.25, 0.0), (0.75, 0.0), (1.0, 0.85), (0.0, 0.85)]],
    "dresses": [[(0.33, 0.0), (0.45, 0.0), (0.5, 0.08), (0.55, 0.0), (0.67, 0.0), (0.7, 0.3),
                 (1.0, 1.0), (0.0, 1.0), (0.3, 0.3)]],
    "shoes": [[(0.0, 0.55), (0.45, 0.55), (0.55, 0.3), (0.75, 0.3), (0.8, 0.6), (1.0, 0.75),
               (1.0, 0.95), (0.0, 0.95)]],
    "Boots": [[(0.1, 0.0), (0.5, 0.0), (0.55, 0.6), (1.0, 0.75), (1.0, 1.0), (0.1, 1.0)]],
    "accessories": [[(0.1, 0.3), (0.9, 0.3), (1.0, 1.0), (0.0, 1.0)],
                    [(0.3, 0.3), (0.35, 0.05), (0.65, 0.05), (0.7, 0.3), (0.62, 0.3), (0.58, 0.13),
                     (0.42, 0.13), (0.38, 0.3)]],
    "Sun Hat": [[(0.0, 0.7), (0.2, 0.6), (0.3, 0.25), (0.7, 0.25), (0.8, 0.6), (1.0, 0.7), (0.8, 0.85),
                 (0.2, 0.85)]],
    "Beanie": [[(0.1, 1.0), (0.1, 0.5), (0.3, 0.15), (0.7, 0.15), (0.9, 0.5), (0.9, 1.0)]],
    "Scarf": [[(0.35, 0.0), (0.65, 0.0), (0.65, 1.0), (0.35, 1.0)]],
}


def shape_name(garment_type: str) -> str:
    return garment_type if garment_type in _SHAPES else GARMENT_TYPES[garment_type][0]


@lru_cache(maxsize=64)
def silhouette(garment_type: str) -> Image.Image:
    """An 'L' mask of the garment filling a MASK_SIZE square."""
    mask = Image.new("L", (MASK_SIZE, MASK_SIZE), 0)
    draw = ImageDraw.Draw(mask)
    s = MASK_SIZE - 1
    for poly in _SHAPES[shape_name(garment_type)]:
        draw.polygon([(x * s, y * s) for x, y in poly], fill=255)
    return mask


def _accent(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """A pattern colour that stays close in hue: darker for light fills, lighter for dark ones,
    so the garment's measured dominant colour stays its own."""
    lum = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    f = 0.55 if lum > 110 else 1.9
    return tuple(int(min(255, max(0, c * f + (0 if f < 1 else 25)))) for c in rgb)


@lru_cache(maxsize=256)
def texture(colour: str, pattern: str) -> Image.Image:
    """A MASK_SIZE square of the colour with the pattern drawn over about a fifth of it."""
    rgb = COLOUR_RGB[colour]
    img = Image.new("RGB", (MASK_SIZE, MASK_SIZE), rgb)
    draw = ImageDraw.Draw(img)
    accent = _accent(rgb)
    step = MASK_SIZE // 8
    if pattern == "striped":
        for y in range(0, MASK_SIZE, step):
            draw.rectangle([0, y, MASK_SIZE, y + step // 4], fill=accent)
    elif pattern == "plaid":
        for k in range(0, MASK_SIZE, step):
            draw.rectangle([k, 0, k + step // 8 + 1, MASK_SIZE], fill=accent)
            draw.rectangle([0, k, MASK_SIZE, k + step // 8 + 1], fill=accent)
    elif pattern == "polka-dot":
        r = step // 5
        for y in range(step // 2, MASK_SIZE, step):
            for x in range(step // 2 + (y // step % 2) * step // 2, MASK_SIZE, step):
                draw.ellipse([x - r, y - r, x + r, y + r], fill=accent)
    elif pattern == "floral":
        r = step // 6
        for y in range(step // 2, MASK_SIZE, step):
            for x in range(step // 2 + (y // step % 2) * step // 2, MASK_SIZE, step):
                for dx, dy in ((-r, 0), (r, 0), (0, -r), (0, r)):
                    draw.ellipse([x + dx - r // 2, y + dy - r // 2, x + dx + r // 2, y + dy + r // 2], fill=accent)
    return img


def draw_garment(canvas: Image.Image, garment_type: str, colour: str, pattern: str,
                 box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Paint the garment into `box` (x1, y1, x2, y2) of `canvas`; return its exact bounding box."""
    x1, y1, x2, y2 = box
    size = (max(x2 - x1, 2), max(y2 - y1, 2))
    mask = silhouette(garment_type).resize(size, Image.BILINEAR)
    tex = texture(colour, pattern).resize(size, Image.NEAREST)
    # a thin seam outline, so white garments stand out from the light background
    outline = mask.filter(ImageFilter.MaxFilter(3))
    canvas.paste(OUTLINE, (x1, y1, x1 + size[0], y1 + size[1]), outline)
    canvas.paste(tex, (x1, y1), mask)
    bx = mask.point(lambda v: 255 if v > 127 else 0).getbbox()
    if bx is None:
        return box
    return (x1 + bx[0], y1 + bx[1], x1 + bx[2] - 1, y1 + bx[3] - 1)


def studio_canvas(size: int, rng: np.random.Generator) -> Image.Image:
    """A light background with a little noise, like a catalogue photo."""
    noise = rng.integers(-6, 7, (size, size, 1))
    arr = np.clip(np.array(BACKGROUND)[None, None, :] + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def product_photo(garment_type: str, colour: str, pattern: str, size: int, rng: np.random.Generator) -> Image.Image:
    """A catalogue photo: the garment centred, filling most of the frame."""
    canvas = studio_canvas(size, rng)
    margin = int(size * rng.uniform(0.06, 0.14))
    jitter = rng.integers(-size // 20, size // 20 + 1, 2)
    box = (margin + jitter[0], margin + jitter[1], size - margin + jitter[0], size - margin + jitter[1])
    draw_garment(canvas, garment_type, colour, pattern, tuple(int(v) for v in box))
    return canvas


def jpeg_bytes(img: Image.Image, quality: int = 88) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
