"""What the `similar` and `image-eval` CLI commands do, so the CLI itself stays a thin parser."""

from __future__ import annotations

from pathlib import Path

from fashion_pipeline.vision.layout import VisionPaths


def _detector_or_none(paths: VisionPaths, detect: bool) -> str | None:
    if not detect:
        return None
    if not paths.weights.is_file():
        raise FileNotFoundError(f"no trained detector at {paths.weights}: materialize clothing_detector, "
                                "or pass --no-detect to embed whole images")
    return str(paths.weights)


def similar(image: str | Path | None = None, item: str | None = None, k: int = 10,
            data_dir: str | Path | None = None, detect: bool = True) -> dict:
    """{"query", "box", "results": [{"rank", "asin", "score"}]} for a photo or a catalogue item."""
    from fashion_pipeline.vision.embedder import build_embedder
    from fashion_pipeline.vision.features import read_attrs, read_features
    from fashion_pipeline.vision.index import load_index
    from fashion_pipeline.vision.search import similar_to_item, similar_to_photo

    if (image is None) == (item is None):
        raise ValueError("give exactly one of an image path or an item asin")
    paths = VisionPaths(data_dir)
    for needed in (paths.index, paths.features):
        if not needed.exists():
            raise FileNotFoundError(f"{needed} not found: materialize image_features and similarity_index first")
    index, ids = load_index(paths.index)
    if image is not None:
        attrs = read_attrs(paths.features)  # the photo must be embedded exactly as the catalogue was
        weights = _detector_or_none(paths, detect and attrs.get("detector_weights", "none") != "none")
        embedder = build_embedder(str(attrs["encoder"]), detector_weights=weights)
        matches = similar_to_photo(image, embedder, index, ids, k)
        query = str(image)
    else:
        features = read_features(paths.features)
        matches = similar_to_item(item, index, features.ids, features.vectors, k)
        query = item
    return {"query": query, "box": matches.box,
            "results": [{"rank": r + 1, "asin": a, "score": round(s, 4)}
                        for r, (a, s) in enumerate(zip(matches.asins, matches.scores))]}


def image_eval(images: str | Path, detect: bool = True, encoder: str = "efficientnet-lite0",
               data_dir: str | Path | None = None, k: int = 5) -> dict:
    """Leave-one-out kNN precision on a labelled folder, with detection + crop unless detect=False."""
    from fashion_pipeline.vision.embedder import build_embedder
    from fashion_pipeline.vision.image_eval import image_eval as run_eval

    weights = _detector_or_none(VisionPaths(data_dir), detect)
    return run_eval(images, build_embedder(encoder, detector_weights=weights), k=k)
