"""Vision layer at catalogue scale: embedding throughput, FAISS build time, query latency, recall.

One run measures, on this machine with the configured thread count:
  - image embedding (EfficientNet-Lite0, batched; with the detector in front when --detector is given)
    on real photos (../shared/data/clothing-photos) or, where that is absent, the generated sample;
  - FAISS over 23,033 items (the real 5-core catalogue size) of dim 1280: exact IndexFlatIP,
    HNSW and IVF-Flat with the library's default parameters. Build seconds, one-query latency
    (mean over single queries) and recall@10 of each approximate index against exact search.

Vectors: "random" are isotropic Gaussian directions, the worst case for approximate search (no
structure to exploit); "clustered" are a Gaussian mixture (distinct neighbourhoods, as real
image embeddings have). Queries are fresh draws from the same distribution, not indexed items.

    .venv/bin/python benchmarks/vision_benchmark.py [--items 23033] [--dim 1280] [--detector PT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fashion_pipeline.sample.writers import DVBPR_FILE  # noqa: E402
from fashion_pipeline.vision.embedder import ImageEmbedder, l2_normalize  # noqa: E402
from fashion_pipeline.vision.encoders import load_encoder  # noqa: E402
from fashion_pipeline.vision.image_eval import labelled_images  # noqa: E402
from fashion_pipeline.vision.index import IndexConfig, build_index, search  # noqa: E402

REAL_PHOTOS = ROOT.parent / "shared" / "data" / "clothing-photos"


def vectors_for(kind: str, n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "random":
        return l2_normalize(rng.standard_normal((n, dim), dtype=np.float32))
    # 1,000 centres; each point = centre + noise of comparable norm: neighbourhoods that overlap.
    centres = rng.standard_normal((1000, dim), dtype=np.float32)
    which = rng.integers(0, len(centres), n)
    return l2_normalize(centres[which] + 0.8 * rng.standard_normal((n, dim), dtype=np.float32))


def embed_images(n_images: int, detector: str | None, threads: int) -> list[dict]:
    """Images/s of the full embedding path (decode, preprocess, encode), and with detect+crop when given."""
    if REAL_PHOTOS.exists():
        files, _ = labelled_images(REAL_PHOTOS)
        source = "clothing-photos (real)"
    else:
        from fashion_pipeline.sample.generate import generate_sample
        from fashion_pipeline.vision.item_images import images_from_dvbpr

        tmp = Path(tempfile.mkdtemp())
        generate_sample(tmp / "sample", "small", seed=0)
        files = images_from_dvbpr(tmp / "sample" / DVBPR_FILE, tmp / "items").decodable["path"].to_list()
        source = "generated sample (real photos absent)"
    files = files[:n_images]
    encoder = load_encoder("efficientnet-lite0", threads=threads)
    rows = []
    for weights in [None, detector] if detector else [None]:
        model = None
        if weights:
            from fashion_pipeline.vision.detector import load_detector

            model = load_detector(weights, threads=threads)
        embedder = ImageEmbedder(encoder, detector=model, detector_weights=weights)
        embedder.embed_paths(files[:8])  # warm-up: first calls allocate and pick kernels
        start = time.perf_counter()
        embedder.embed_paths(files)
        seconds = time.perf_counter() - start
        rows.append({"source": source, "images": len(files), "images_per_s": len(files) / seconds,
                     "detect": bool(weights)})
    return rows


def one_query_ms(index, queries: np.ndarray, k: int) -> float:
    """Mean latency of single-query searches (the 'photo in' path), not batched throughput."""
    start = time.perf_counter()
    for q in queries:
        index.search(q[None, :], k)
    return (time.perf_counter() - start) * 1000 / len(queries)


def recall_at(k: int, approx: np.ndarray, exact: np.ndarray) -> float:
    hits = (approx[:, :, None] == exact[:, None, :]).any(axis=2).sum(axis=1)
    return float(hits.mean() / k)


def index_rows(kind: str, n: int, dim: int, n_queries: int, config: IndexConfig, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    items = vectors_for(kind, n, dim, rng)
    queries = vectors_for(kind, n_queries, dim, rng) if kind == "random" else l2_normalize(
        items[rng.integers(0, n, n_queries)] + 0.3 * rng.standard_normal((n_queries, dim), dtype=np.float32))
    rows, exact_positions = [], None
    for index_kind in ("exact", "hnsw", "ivf"):
        start = time.perf_counter()
        index = build_index(items, config, kind=index_kind)
        build_s = time.perf_counter() - start
        ms = one_query_ms(index, queries[:200], 10)
        _, positions = search(index, queries, 10)
        if index_kind == "exact":
            exact_positions = positions
        rows.append({"data": kind, "index": index_kind, "items": n, "build_s": build_s, "query_ms": ms,
                     "recall@10": recall_at(10, positions, exact_positions)})
    return rows


def markdown(embedding: list[dict], rows: list[dict], threads: int) -> str:
    lines = [
        "| component | variant | items | build s | query ms (1 query, k=10) | recall@10 vs exact | images/s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in embedding:
        lines.append(f"| embedding | efficientnet-lite0{' + YOLO detect/crop' if e['detect'] else ''}, batch 32, "
                     f"{e['source']} | {e['images']} | | | | {e['images_per_s']:.1f} |")
    for r in rows:
        lines.append(f"| faiss {r['index']} | {r['data']} 1280-d | {r['items']:,} | {r['build_s']:.2f} | "
                     f"{r['query_ms']:.3f} | {r['recall@10']:.3f} | |")
    lines.append(f"\n{threads} torch/FAISS threads; defaults: {IndexConfig()}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=23_033)
    parser.add_argument("--dim", type=int, default=1280)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--embed-images", type=int, default=128)
    parser.add_argument("--detector", help="trained detector weights (.pt) to time detection + crop too")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default="random,clustered")
    parser.add_argument("--json", help="also write the measurements here")
    args = parser.parse_args()
    config = IndexConfig(threads=args.threads)
    embedding = embed_images(args.embed_images, args.detector, args.threads)
    rows = [r for kind in args.data.split(",") for r in index_rows(kind, args.items, args.dim, args.queries, config, 0)]
    print(markdown(embedding, rows, args.threads))
    if args.json:
        Path(args.json).write_text(json.dumps({"embedding": embedding, "index": rows}, indent=2))


if __name__ == "__main__":
    main()
