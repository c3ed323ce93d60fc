"""Fashion sense in the pipeline: the item_attributes asset, re-ranked recommendation lists for
the recommendation assets, and the picture report of a user's recommendations.

Thin: the logic is in recsys.attributes / recsys.rerank / vision.colour / vision.report.
"""


import base64
import io
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
from PIL import Image

from fashion_pipeline import columns as C
from fashion_pipeline.defs.ingestion import products
from fashion_pipeline.defs.raw import raw_dvbpr
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.recsys.attributes import AttributeConfig, item_attributes as build_item_attributes
from fashion_pipeline.recsys.rerank import RerankConfig, UserHistory, item_sense, reasons, recommend
from fashion_pipeline.sources.atomic import write_parquet
from fashion_pipeline.vision.layout import VisionPaths

GROUP = "sense"


def attributes_path(fashion_data: FashionData) -> Path:
    return fashion_data.parsed("item_attributes")


def reports_dir(fashion_data: FashionData) -> Path:
    return Path(fashion_data.data_dir) / "reports"


class ItemAttributesConfig(dg.Config):
    colour_rule: str = "text"  # "text" or "image": which colour wins when they disagree (recsys.attributes)
    min_image_confidence: float = 0.4  # image colours below this share of garment pixels are not used


@dg.asset(deps=[products, raw_dvbpr, "item_images", "image_features"], group_name=GROUP, kinds={"polars", "parquet"})
def item_attributes(context: dg.AssetExecutionContext, config: ItemAttributesConfig,
                    fashion_data: FashionData) -> dg.MaterializeResult:
    """Category, colour, pattern, occasion per item: words from the metadata, colour also
    measured on the garment crop of the item photo (the detector's box from image_features when
    present, else the whole photo). Text wins where both exist (see recsys.attributes)."""
    from fashion_pipeline.vision.item_colours import boxes_from_features, colours_from_dvbpr, colours_from_manifest
    from fashion_pipeline.vision.item_images import MANIFEST

    table = pl.read_parquet(fashion_data.parsed("products"))
    vision = VisionPaths(fashion_data.data_dir)
    boxes = boxes_from_features(vision.features) if vision.features.exists() else None
    if (vision.images / MANIFEST).exists():
        source, colours = "item_images", colours_from_manifest(pl.read_parquet(vision.images / MANIFEST), boxes)
    elif Path(fashion_data.dvbpr_path).exists():
        source, colours = "dvbpr", colours_from_dvbpr(fashion_data.dvbpr_path, table[C.ITEM_ID].to_list(), boxes)
    else:
        context.log.warning(f"no item images ({fashion_data.dvbpr_path} absent): colours from text only")
        source, colours = "none", None
    attrs = build_item_attributes(table, colours, AttributeConfig(config.colour_rule, config.min_image_confidence))
    path = write_parquet(attrs, attributes_path(fashion_data))
    both = attrs.filter(pl.col(C.TEXT_COLOUR).is_not_null() & pl.col(C.IMAGE_COLOUR).is_not_null())
    agree = float((both[C.TEXT_COLOUR] == both[C.IMAGE_COLOUR]).mean()) if both.height else None
    return dg.MaterializeResult(metadata={
        "dagster/row_count": attrs.height, "path": dg.MetadataValue.path(str(path)), "image_source": source,
        "items_with_image_colour": int(attrs[C.IMAGE_COLOUR].is_not_null().sum()),
        "detector_boxes_used": boxes is not None,
        "text_image_colour_agreement": round(agree, 4) if agree is not None else "n/a",
        "colour_source": dg.MetadataValue.json(dict(attrs[C.COLOUR_SOURCE].fill_null("none").value_counts().iter_rows())),
    })


def load_item_sense(fashion_data: FashionData, item_ids: np.ndarray):
    """ItemSense for `item_ids` from item_attributes (and image features, when embedded)."""
    from fashion_pipeline.vision.features import read_aligned_vectors as load_image_vectors

    path = attributes_path(fashion_data)
    if path.exists():
        attrs = pl.read_parquet(path)
    else:  # item_attributes not materialized (yet): the words of the product text still serve
        attrs = build_item_attributes(pl.read_parquet(fashion_data.parsed("products")), None)
    features = VisionPaths(fashion_data.data_dir).features
    vectors = load_image_vectors(features, item_ids) if features.exists() else None
    return item_sense(attrs, item_ids, vectors)


@dataclass
class Lists:
    items: np.ndarray  # (n_users, k) item indices; -1 = empty slot
    scores: np.ndarray
    reranked: bool
    reasons: np.ndarray  # (n_users * k,) strings, row-major


def ranked_lists(fashion_data: FashionData, model, users: np.ndarray, history: tuple[np.ndarray, np.ndarray, np.ndarray],
                 n_users: int, item_ids: np.ndarray, k: int, rerank: bool = True,
                 config: RerankConfig = RerankConfig()) -> Lists:
    """Top-k per user, re-ranked unless `rerank` is False; `history` = (users, items, times)
    of what they already bought (never recommended again)."""
    sense = load_item_sense(fashion_data, item_ids)
    if not rerank:
        config = config.scaled(0.0)  # the model's own order (an occasion filter still applies)
    user_history = UserHistory.build(*history, n_users, sense, config.recent)
    result = recommend(model, users, user_history, sense, config, k=k)
    return Lists(result.items, result.scores, config.active, reasons(result, config))


def live_recommendations(fashion_data: FashionData, user: str, k: int = 10, occasion: str | None = None,
                         rerank: bool = True) -> tuple[str, list[tuple]]:
    """(model name, [(rank, asin, score, title, reason)]) for one user, computed now from the
    champion (for options the stored table does not hold: an occasion, or no re-ranking)."""
    import json

    from fashion_pipeline.defs.champion import champion_path
    from fashion_pipeline.defs.models import id_map_paths, model_dir, split_path
    from fashion_pipeline.recsys.persistence import load_fitted, load_split

    if not champion_path(fashion_data).exists():
        raise FileNotFoundError(f"no champion model at {champion_path(fashion_data)}: run `fashion-pipeline demo` first")
    champion = json.loads(champion_path(fashion_data).read_text())
    split = load_split(split_path(fashion_data))
    maps = id_map_paths(fashion_data)
    users = pl.read_parquet(maps["users"])
    item_ids = pl.read_parquet(maps["items"]).sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy()
    found = users.filter(pl.col(C.USER_ID) == user)
    if found.is_empty():
        return champion["name"], []
    fitted = load_fitted(champion["name"], "serve", model_dir(fashion_data, champion["name"]), split.n_users, split.n_items)
    config = RerankConfig(occasion=occasion) if rerank else RerankConfig(occasion=occasion).scaled(0.0)
    lists = ranked_lists(fashion_data, fitted.scorer, np.array([int(found[C.USER_IDX][0])]), split.fit_data("serve"),
                         split.n_users, item_ids, k, True, config)
    titles = dict(pl.read_parquet(fashion_data.parsed("products"), columns=[C.ITEM_ID, C.TITLE]).iter_rows())
    rows = [(r + 1, item_ids[i], float(s), titles.get(item_ids[i]), why)
            for r, (i, s, why) in enumerate(zip(lists.items[0], lists.scores[0], lists.reasons)) if i >= 0]
    return champion["name"], rows


def _thumbnail_md(png: Path, width: int = 900) -> str:
    with Image.open(png) as im:
        im = im.convert("RGB")
        im.thumbnail((width, 10_000))
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=80)
    return f"![report](data:image/jpeg;base64,{base64.b64encode(buf.getvalue()).decode()})\n\n`{png}`"


def item_photos(fashion_data: FashionData, asins: list[str]) -> dict[str, Image.Image]:
    """Photos of some items: from the decoded item_images folder, else straight from the DVBPR .npy."""
    from fashion_pipeline.vision.item_images import ERROR, MANIFEST, PATH, decode, dvbpr_item_ids, open_image

    vision = VisionPaths(fashion_data.data_dir)
    if (vision.images / MANIFEST).exists():
        m = pl.read_parquet(vision.images / MANIFEST).filter(pl.col(C.ITEM_ID).is_in(asins) & pl.col(ERROR).is_null())
        return {a: open_image(p) for a, p in zip(m[C.ITEM_ID], m[PATH])}
    if not Path(fashion_data.dvbpr_path).exists():
        return {}
    from fashion_pipeline.sources.dvbpr import IMAGE_BYTES, ITEM_INDEX, load_dvbpr

    items = load_dvbpr(fashion_data.dvbpr_path).items.sort(ITEM_INDEX)
    catalogue = pl.read_parquet(fashion_data.parsed("products"), columns=[C.ITEM_ID])[C.ITEM_ID].to_list()
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


def write_user_report_files(fashion_data: FashionData, user: str, out_dir: str | Path | None = None,
                            k: int = 10, history_items: int = 5) -> tuple[Path, Path]:
    """PNG + HTML of `user`'s recent purchases and their recommendations (from the warehouse)."""
    import duckdb

    from fashion_pipeline.vision.report import Card, write_user_report

    warehouse = fashion_data.warehouse_path
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `fashion-pipeline demo` first")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        recs = conn.execute(
            f"SELECT r.asin, r.{C.RANK}, r.{C.SCORE}, r.{C.MODEL}, p.title, p.colour, p.occasion, "
            f"r.{C.RERANKED}, r.{C.RERANK_REASON} FROM user_recommendations r LEFT JOIN products p USING (asin) "
            f"WHERE r.reviewer_id = ? AND r.{C.RANK} <= ? ORDER BY r.{C.RANK}", [user, k]).fetchall()
        bought = conn.execute(
            "SELECT asin, title, colour FROM interaction_details WHERE reviewer_id = ? "
            "ORDER BY unix_review_time DESC, line_number DESC LIMIT ?", [user, history_items]).fetchall()
    if not recs:
        raise ValueError(f"user {user!r} has no recommendations in {warehouse}")
    photos = item_photos(fashion_data, [r[0] for r in recs] + [b[0] for b in bought])
    history = [Card(photos.get(a), title or a, [a]) for a, title, _ in bought]
    cards = [Card(photos.get(a), f"{rank}. {title or a}", [f"{a}  score {score:.3f}", reason or ""])
             for a, rank, score, _, title, _, _, _, reason in recs]
    out = Path(out_dir) if out_dir else reports_dir(fashion_data)
    png, page = out / f"user_{user}.png", out / f"user_{user}.html"
    subtitle = f"{recs[0][3]}" + (", re-ranked" if recs[0][7] else "")
    write_user_report(user, history, cards, png, page, subtitle=subtitle)
    return png, page


def busiest_user(fashion_data: FashionData) -> str:
    import duckdb

    with duckdb.connect(str(fashion_data.warehouse_path), read_only=True) as conn:
        return conn.execute("SELECT reviewer_id FROM interactions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]


def write_demo_report(fashion_data: FashionData) -> Path:
    """The demo's picture: the busiest sample user's report; returns the PNG path."""
    png, _ = write_user_report_files(fashion_data, busiest_user(fashion_data))
    return png


@dg.asset(deps=["user_recommendations"], group_name=GROUP, kinds={"png", "html"})
def recommendation_report(fashion_data: FashionData) -> dg.MaterializeResult:
    """A picture of one user's purchases and recommendations (the user with the most purchases)."""
    user = busiest_user(fashion_data)
    png, page = write_user_report_files(fashion_data, user)
    return dg.MaterializeResult(metadata={
        "user": user, "path": dg.MetadataValue.path(str(png)), "html": dg.MetadataValue.path(str(page)),
        "report": dg.MetadataValue.md(_thumbnail_md(png)),
    })


SENSE_ASSETS = [item_attributes, recommendation_report]
