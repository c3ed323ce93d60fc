"""Catalogue images, decoded and checked: from the DVBPR .npy or from a folder of `<asin>.jpg`.

The artifact is a folder: one file per decodable image (the original bytes, named
`<item id>.<format>`) and `manifest.parquet` with one row per item, decodable or not:
item_id, path, format, width, height, error. An image that does not decode is listed with its
error, never replaced by a blank picture that would embed as a plausible vector.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from PIL import Image

from fashion_pipeline import columns as C
from fashion_pipeline.sources.atomic import write_bytes, write_parquet
from fashion_pipeline.sources.errors import InconsistentDataError

MANIFEST = "manifest.parquet"
PATH, FORMAT, WIDTH, HEIGHT, ERROR = "path", "format", "width", "height", "error"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")
_EXT = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}
MANIFEST_SCHEMA = {C.ITEM_ID: pl.Utf8, PATH: pl.Utf8, FORMAT: pl.Utf8, WIDTH: pl.Int64, HEIGHT: pl.Int64, ERROR: pl.Utf8}


@dataclass
class ItemImages:
    manifest: pl.DataFrame  # item_id, path, format, width, height, error (null = decodable)

    @property
    def decodable(self) -> pl.DataFrame:
        return self.manifest.filter(pl.col(ERROR).is_null())

    @property
    def failed(self) -> pl.DataFrame:
        return self.manifest.filter(pl.col(ERROR).is_not_null())


def decode(data: bytes | None) -> tuple[Image.Image | None, str | None]:
    """(the fully decoded RGB image, None) or (None, why it could not be decoded)."""
    if data is None or len(data) == 0:
        return None, "no image bytes"
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt = im.format
            im.load()  # decode every pixel: a truncated file fails here, not later in a batch
            rgb = im.convert("RGB")
        rgb.info["source_format"] = fmt
        return rgb, None
    except Exception as exc:  # PIL raises many types for corrupt data
        return None, f"{type(exc).__name__}: {exc}"[:200]


def open_image(path: str | Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


def dvbpr_item_ids(n_items: int, catalogue_asins: Sequence[str] | None, source: str | Path | None = None) -> list[str]:
    """Ids for the .npy's items: item i is the i-th asin in sorted order of the catalogue.

    The .npy carries no asins, so that mapping is only right when the catalogue has exactly as
    many products: a different count raises InconsistentDataError naming both counts (mapping by
    index anyway would attach every image to the wrong product). Without a catalogue the ids
    are the item indices as strings.
    """
    if catalogue_asins is None:
        return [str(i) for i in range(n_items)]
    if len(catalogue_asins) != n_items:
        where = f"{source}" if source is not None else "the DVBPR .npy"
        raise InconsistentDataError(
            f"{where} holds {n_items:,} items but the product catalogue has {len(catalogue_asins):,}: "
            "the .npy's items cannot be matched to asins. Use the .npy written for this catalogue, "
            "or a folder of <asin>.jpg images instead"
        )
    return sorted(catalogue_asins)


def write_item_images(ids: Sequence[str], blobs: Sequence[bytes | None], out_dir: str | Path) -> ItemImages:
    """Decode every blob; write the decodable ones and the manifest under `out_dir`."""
    out = Path(out_dir)
    rows = {k: [] for k in MANIFEST_SCHEMA}
    for item_id, data in zip(ids, blobs, strict=True):
        image, error = decode(data)
        path = fmt = None
        if image is not None:
            fmt = image.info["source_format"]
            path = out / f"{item_id}.{_EXT.get(fmt, 'img')}"
            if not (path.exists() and path.stat().st_size == len(data)):  # re-runs skip unchanged files
                write_bytes(bytes(data), path)
        for key, value in zip(MANIFEST_SCHEMA, (item_id, str(path) if path else None, fmt,
                                                image.width if image else None, image.height if image else None, error)):
            rows[key].append(value)
    manifest = pl.DataFrame(rows, schema=MANIFEST_SCHEMA)
    write_parquet(manifest, out / MANIFEST)
    return ItemImages(manifest)


def images_from_dvbpr(npy_path: str | Path, out_dir: str | Path, catalogue_asins: Sequence[str] | None = None) -> ItemImages:
    """Decode the DVBPR .npy's item images into `out_dir` (see sources.dvbpr's security note)."""
    from fashion_pipeline.sources.dvbpr import IMAGE_BYTES, ITEM_INDEX, load_dvbpr

    items = load_dvbpr(npy_path).items.sort(ITEM_INDEX)
    ids = dvbpr_item_ids(len(items), catalogue_asins, npy_path)
    return write_item_images(ids, items[IMAGE_BYTES].to_list(), out_dir)


def images_from_folder(folder: str | Path, out_dir: str | Path) -> ItemImages:
    """Check every `<item id>.<image suffix>` in `folder`; the manifest points at the originals."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    rows = {k: [] for k in MANIFEST_SCHEMA}
    for p in files:
        image, error = decode(p.read_bytes())
        values = (p.stem, str(p.resolve()), image.info["source_format"] if image else None,
                  image.width if image else None, image.height if image else None, error)
        for key, value in zip(MANIFEST_SCHEMA, values):
            rows[key].append(value)
    manifest = pl.DataFrame(rows, schema=MANIFEST_SCHEMA)
    write_parquet(manifest, Path(out_dir) / MANIFEST)
    return ItemImages(manifest)


def read_item_images(out_dir: str | Path) -> ItemImages:
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"no item image manifest at {path}: materialize item_images first")
    return ItemImages(pl.read_parquet(path))

