"""What the `similar` and `image-eval` CLI commands do, so the CLI itself stays a thin parser."""

from __future__ import annotations

from pathlib import Path

from fashion_pipeline.layout import ArtifactLayout


def _detector_or_none(layout: ArtifactLayout, detect: bool, weights: str | Path | None = None) -> str | None:
    if not detect:
        return None
    weights = Path(weights) if weights else layout.detector_weights
    if not weights.is_file():
        raise FileNotFoundError(f"no trained detector at {weights}: materialize clothing_detector (make demo), "
                                "or pass --no-detect to embed whole images")
    return str(weights)


def _titles(products: str | Path | None, asins: list[str]) -> dict[str, str]:
    """asin -> title from the parsed products table; empty when it is absent (titles are extras)."""
    import polars as pl

    from fashion_pipeline import columns as C

    if products is None or not Path(products).is_file():
        return {}
    table = pl.read_parquet(products, columns=[C.ITEM_ID, C.TITLE]).filter(pl.col(C.ITEM_ID).is_in(asins))
    return dict(zip(table[C.ITEM_ID].to_list(), table[C.TITLE].to_list()))


def similar(image: str | Path | None = None, item: str | None = None, k: int = 10,
            data_dir: str | Path | None = None, detect: bool = True, products: str | Path | None = None) -> dict:
    """{"query", "box", "results": [{"rank", "asin", "score", "title"}]} for a photo or a catalogue item.

    `products` is the parsed products Parquet the titles come from (no titles when absent)."""
    from fashion_pipeline.vision.embedder import build_embedder
    from fashion_pipeline.vision.features import read_attrs, read_features
    from fashion_pipeline.vision.index import load_index
    from fashion_pipeline.vision.search import similar_to_item, similar_to_photo

    if (image is None) == (item is None):
        raise ValueError("give exactly one of an image path or an item asin")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    if image is not None:
        from fashion_pipeline.vision.image_guard import check_query_image

        check_query_image(image)  # a non-image or a decompression bomb is refused before decoding
    layout = ArtifactLayout(data_dir)
    for needed in (layout.similarity_index, layout.image_features):
        if not needed.exists():
            raise FileNotFoundError(f"{needed} not found: materialize image_features and similarity_index first")
    index, ids = load_index(layout.similarity_index)
    if image is not None:
        attrs = read_attrs(layout.image_features)  # the photo must be embedded exactly as the catalogue was
        weights = _detector_or_none(layout, detect and attrs.get("detector_weights", "none") != "none")
        embedder = build_embedder(str(attrs["encoder"]), detector_weights=weights)
        matches = similar_to_photo(image, embedder, index, ids, k)
        query = str(image)
    else:
        features = read_features(layout.image_features)
        matches = similar_to_item(item, index, features.ids, features.vectors, k)
        query = item
    titles = _titles(products, matches.asins)
    return {"query": query, "box": matches.box,
            "results": [{"rank": r + 1, "asin": a, "score": round(s, 4), "title": titles.get(a)}
                        for r, (a, s) in enumerate(zip(matches.asins, matches.scores))]}


def image_eval(images: str | Path, detect: bool = True, encoder: str = "efficientnet-lite0",
               data_dir: str | Path | None = None, k: int = 5, detector: str | Path | None = None) -> dict:
    """Leave-one-out kNN precision on a labelled folder, with detection + crop unless detect=False.

    `detector` is a weights file to use instead of the trained clothing_detector's."""
    from fashion_pipeline.vision.embedder import build_embedder
    from fashion_pipeline.vision.image_eval import image_eval as run_eval

    if not Path(images).is_dir():
        raise FileNotFoundError(f"no folder at {images} (it should hold one subfolder of images per class)")
    weights = _detector_or_none(ArtifactLayout(data_dir), detect, detector)
    return run_eval(images, build_embedder(encoder, detector_weights=weights), k=k)
