"""The dominant colour of a garment photo, named with the project's colour vocabulary.

1. Region: the detected garment box (as stored with the image features), else the whole image.
2. Background: the colour of the image's outer border (median). Pixels close to it that are
   connected (4-neighbourhood) to the region's edge are background and dropped; a garment of the
   background's colour (white on a white studio floor) survives when its outline encloses it.
3. Naming: every remaining pixel votes for the nearest reference colour (COLOUR_RGB) in CIELAB,
   where distance tracks perceived difference better than in RGB. The most voted name wins;
   its confidence is its share of the votes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from fashion_pipeline.sources.attributes import COLOUR_NAMES, COLOUR_RGB



@dataclass(frozen=True)
class ColourConfig:
    # Images are shrunk to this side first: colour needs no detail, and 64 px keeps a 23k-item
    # catalogue in seconds.
    side: int = 64
    # Width in pixels of the image border whose median is taken as the background colour.
    border: int = 2
    # RGB distance under which a pixel counts as background-coloured (studio noise and JPEG
    # ringing stay under ~25; beige, the reference colour closest to a light floor, is ~90 away).
    background_tolerance: float = 40.0
    # When less than this share of the region is left after removing background, the garment
    # is background-coloured with no enclosing outline: every pixel of the region votes.
    min_garment_share: float = 0.02


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8/float sRGB -> (..., 3) CIELAB (D65)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


_REFERENCE_LAB = _srgb_to_lab(np.array([COLOUR_RGB[n] for n in COLOUR_NAMES]))


def nearest_colour_index(pixels: np.ndarray) -> np.ndarray:
    """Index into COLOUR_NAMES of the nearest reference colour of each (n, 3) RGB pixel."""
    lab = _srgb_to_lab(pixels.reshape(-1, 3))
    d = ((lab[:, None, :] - _REFERENCE_LAB[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def garment_mask(arr: np.ndarray, region: tuple[int, int, int, int], background: np.ndarray,
                 config: ColourConfig) -> np.ndarray:
    """Boolean mask over the region's pixels: True where the garment is."""
    x1, y1, x2, y2 = region
    sub = arr[y1:y2, x1:x2].astype(np.float64)
    near_bg = np.sqrt(((sub - background) ** 2).sum(axis=2)) < config.background_tolerance
    labels, _ = ndimage.label(near_bg)  # 4-connectivity by default
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge = edge[edge > 0]
    return ~np.isin(labels, edge)


def dominant_colour(image: Image.Image, box: tuple[int, int, int, int] | None = None,
                    config: ColourConfig = ColourConfig()) -> tuple[str, float]:
    """(colour name, confidence in 0..1) of the garment in `box` (pixels x1 y1 x2 y2), or of the
    whole image when `box` is None."""
    w, h = image.size
    scale = config.side / max(w, h)
    small = image.convert("RGB").resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BILINEAR)
    arr = np.asarray(small)
    sh, sw = arr.shape[:2]
    b = config.border
    ring = np.concatenate([arr[:b].reshape(-1, 3), arr[-b:].reshape(-1, 3), arr[:, :b].reshape(-1, 3),
                           arr[:, -b:].reshape(-1, 3)])
    background = np.median(ring, axis=0)
    if box is None:
        region = (0, 0, sw, sh)
    else:
        x1, y1, x2, y2 = (np.asarray(box, dtype=np.float64) * scale)
        region = (int(np.clip(np.floor(x1), 0, sw - 1)), int(np.clip(np.floor(y1), 0, sh - 1)),
                  int(np.clip(np.ceil(x2), 1, sw)), int(np.clip(np.ceil(y2), 1, sh)))
        region = (region[0], region[1], max(region[2], region[0] + 1), max(region[3], region[1] + 1))
    mask = garment_mask(arr, region, background, config)
    pixels = arr[region[1]:region[3], region[0]:region[2]]
    chosen = pixels[mask] if mask.mean() >= config.min_garment_share else pixels.reshape(-1, 3)
    votes = np.bincount(nearest_colour_index(chosen), minlength=len(COLOUR_NAMES))
    best = int(votes.argmax())
    return COLOUR_NAMES[best], float(votes[best] / max(1, votes.sum()))
