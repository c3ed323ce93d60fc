"""Pictures a person can judge by eye: a user's purchases and recommendations, a photo's
similar items. The drawing is vision.report's; this module gathers what goes on them."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import polars as pl
from PIL import Image

from fashion_pipeline import columns as C
from fashion_pipeline.layout import ArtifactLayout
from fashion_pipeline.serving import queries


def item_photos(layout: ArtifactLayout, dvbpr_path: str | Path, asins: list[str]) -> dict[str, Image.Image]:
    """Photos of some items: from the decoded item_images folder, else straight from the DVBPR .npy."""
    from fashion_pipeline.vision.item_images import ERROR, MANIFEST, PATH, decode, dvbpr_item_ids, open_image

    manifest = layout.item_images / MANIFEST
    if manifest.exists():
        m = pl.read_parquet(manifest).filter(pl.col(C.ITEM_ID).is_in(asins) & pl.col(ERROR).is_null())
        return {a: open_image(p) for a, p in zip(m[C.ITEM_ID], m[PATH])}
    if not Path(dvbpr_path).exists():
        return {}
    from fashion_pipeline.sources.dvbpr import IMAGE_BYTES, ITEM_INDEX, load_dvbpr

    items = load_dvbpr(dvbpr_path).items.sort(ITEM_INDEX)
    catalogue = pl.read_parquet(layout.parsed("products"), columns=[C.ITEM_ID])[C.ITEM_ID].to_list()
    ids = dvbpr_item_ids(len(items), catalogue)
    pos = {a: i for i, a in enumerate(ids)}
    blobs = items[IMAGE_BYTES]
    out = {}
    for a in asins:
        if a in pos:
            image, _ = decode(blobs[pos[a]])
            if image is not None:
                out[a] = image
    return out


def write_user_report_files(layout: ArtifactLayout, dvbpr_path: str | Path, user: str,
                            out_dir: str | Path | None = None, k: int = 10,
                            history_items: int = 5) -> tuple[Path, Path]:
    """PNG + HTML of `user`'s recent purchases and their recommendations (from the warehouse)."""
    from fashion_pipeline.vision.report import Card, write_user_report

    recs = queries.stored_recommendations(layout.warehouse, user, k)
    bought = queries.recent_purchases(layout.warehouse, user, history_items)
    if not recs:
        raise ValueError(f"user {user!r} has no recommendations in {layout.warehouse}")
    photos = item_photos(layout, dvbpr_path, [r.asin for r in recs] + [b[0] for b in bought])
    history = [Card(photos.get(a), title or a, [a]) for a, title, _ in bought]
    cards = [Card(photos.get(r.asin), f"{r.rank}. {r.title or r.asin}", [f"{r.asin}  score {r.score:.3f}", r.reason])
             for r in recs]
    png, page = layout.user_report(user, out_dir)
    subtitle = recs[0].model + (", re-ranked" if recs[0].reranked else "")
    write_user_report(user, history, cards, png, page, subtitle=subtitle)
    return png, page


def write_items_report_files(layout: ArtifactLayout, dvbpr_path: str | Path, asins: list[str],
                             out_dir: str | Path | None = None, k: int = 10) -> tuple[Path, Path]:
    """PNG + HTML of a new user's items (asins, oldest first) and what serving.unseen recommends."""
    import hashlib

    from fashion_pipeline.serving.unseen import recommend_for_items
    from fashion_pipeline.vision.report import Card, write_user_report

    found = recommend_for_items(layout, asins, k)
    titles = dict(_item_titles(layout, asins))
    photos = item_photos(layout, dvbpr_path, [r[1] for r in found.rows] + list(asins))
    history = [Card(photos.get(a), titles.get(a) or a, [a]) for a in reversed(asins)]  # latest first
    cards = [Card(photos.get(asin), f"{rank}. {title or asin}", [f"{asin}  score {score:.3f}", found.why])
             for rank, asin, score, title in found.rows]
    name = "items_" + hashlib.sha1(",".join(asins).encode()).hexdigest()[:10]
    png, page = layout.user_report(name, out_dir)
    write_user_report("a new user", history, cards, png, page, subtitle=found.model)
    return png, page


def _item_titles(layout: ArtifactLayout, asins: list[str]) -> list[tuple[str, str | None]]:
    """(asin, title) of `asins` from the parsed products (no title where absent)."""
    path = layout.parsed("products")
    if not path.exists():
        return [(a, None) for a in asins]
    table = pl.read_parquet(path, columns=[C.ITEM_ID, C.TITLE]).filter(pl.col(C.ITEM_ID).is_in(asins))
    return list(table.iter_rows())


def write_similar_report_file(layout: ArtifactLayout, dvbpr_path: str | Path, found: dict,
                              image: Path | None) -> Path:
    """PNG of the query (photo with its box, or the query item's own photo) and its matches;
    `found` is what vision.commands.similar returned."""
    from fashion_pipeline.vision.report import write_similar_report

    asins = [r["asin"] for r in found["results"]] + ([] if image else [found["query"]])
    photos = item_photos(layout, dvbpr_path, asins)
    results = [{**r, "image": photos.get(r["asin"])} for r in found["results"]]
    query = image if image is not None else photos.get(found["query"])
    if query is None:
        raise FileNotFoundError(f"no photo of {found['query']} to draw the report with")
    name = Path(image).stem if image is not None else found["query"]
    return write_similar_report(query, found["box"], results, layout.similar_report(name))


def thumbnail_markdown(png: Path, width: int = 900) -> str:
    """A report PNG as an inline JPEG in Markdown (the Dagster UI shows it in the asset's metadata)."""
    with Image.open(png) as im:
        im = im.convert("RGB")
        im.thumbnail((width, 10_000))
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=80)
    return f"![report](data:image/jpeg;base64,{base64.b64encode(buf.getvalue()).decode()})\n\n`{png}`"
