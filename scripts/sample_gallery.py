"""Draw a gallery of sample products: the DVBPR image of each, under its metadata title.

    .venv/bin/python scripts/sample_gallery.py data/sample docs/images/sample_items.png
"""

from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path

import polars as pl
from PIL import Image, ImageDraw

from fashion_pipeline import columns as C
from fashion_pipeline.sample.writers import DVBPR_FILE, METADATA_FILE
from fashion_pipeline.sources.dvbpr import IMAGE_BYTES, load_dvbpr
from fashion_pipeline.sources.metadata import read_metadata


def gallery(sample_dir: Path, out: Path, n: int = 12, cols: int = 6, cell: int = 150) -> None:
    products = read_metadata(sample_dir / METADATA_FILE).rows.sort(C.ITEM_ID)
    images = load_dvbpr(sample_dir / DVBPR_FILE).items  # item i = i-th asin in sorted order
    step = max(len(products) // n, 1)
    rows = (n + cols - 1) // cols
    sheet = Image.new("RGB", (cols * cell, rows * (cell + 48)), "white")
    draw = ImageDraw.Draw(sheet)
    for k in range(n):
        i = k * step
        img = Image.open(io.BytesIO(images[IMAGE_BYTES][i])).convert("RGB").resize((cell - 10, cell - 10))
        x, y = (k % cols) * cell, (k // cols) * (cell + 48)
        sheet.paste(img, (x + 5, y + 5))
        title = products[C.TITLE][i] or products[C.ITEM_ID][i]
        for j, line in enumerate(textwrap.wrap(title, 24)[:3]):
            draw.text((x + 5, y + cell + j * 13), line, fill=(30, 30, 30))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)


if __name__ == "__main__":
    gallery(Path(sys.argv[1]), Path(sys.argv[2]))
