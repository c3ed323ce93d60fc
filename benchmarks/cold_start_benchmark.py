"""Cold start from images: HR@10 / NDCG@10 on items held out of training entirely.

10% of the items (seeded) never appear in training. Every user who bought one of them and also
some other item is evaluated: all held-out items are ranked for that user (only them), and a
hit is one of the user's held-out purchases in the top 10 (evaluation.evaluate_period).

Orderings:
  image-mlp          the image-based MLP (recsys.models.image_mlp), trained on the other 90%
  image-similarity   the user's mean purchase image vector . the item's image vector
  random             a seeded random order
  popularity (held-out counts, oracle)  how many other users bought the item among the held-out
                     interactions: not available in practice (a cold item has no sales yet),
                     shown as the best a popularity ordering could do

Image vectors: EfficientNet-Lite0 (or --encoder colour-histogram) on the sample's DVBPR item
images (whole images), or the vectors in an image_features.h5 made by the pipeline (--features).

    .venv/bin/python benchmarks/cold_start_benchmark.py [--sample DIR] [--features H5] [--seeds 3]
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

from fashion_pipeline.layout import sample_dir  # noqa: E402
from fashion_pipeline import columns as C  # noqa: E402
from fashion_pipeline.recsys.cold_start import ColdStartConfig, align_vectors, evaluate_cold_start, hold_out_items  # noqa: E402
from fashion_pipeline.recsys.interactions import build_interactions  # noqa: E402
from fashion_pipeline.sample.writers import DVBPR_FILE, REVIEWS_FILE  # noqa: E402
from fashion_pipeline.sources.reviews import read_reviews  # noqa: E402


def sample_dir(path: Path | None) -> Path:
    from fashion_pipeline.sample.generate import generate_sample, sample_is_current

    path = path or sample_dir()
    if not sample_is_current(path):
        generate_sample(path, "small", seed=0)
    return path


def image_vectors(sample: Path, features: Path | None, encoder: str, threads: int) -> tuple[np.ndarray, np.ndarray, str, float]:
    """(ids, unit vectors, what made them, seconds spent embedding)."""
    if features is not None:
        from fashion_pipeline.vision.features import read_features

        f = read_features(features)
        return np.asarray(f.ids, dtype=object), f.vectors, f"{features} ({f.attrs.get('encoder')})", 0.0
    from fashion_pipeline.vision.embedder import ImageEmbedder
    from fashion_pipeline.vision.encoders import load_encoder
    from fashion_pipeline.vision.item_images import PATH, images_from_dvbpr

    asins = sorted(read_reviews(sample / REVIEWS_FILE).rows[C.ITEM_ID].unique().to_list())
    with tempfile.TemporaryDirectory() as tmp:
        images = images_from_dvbpr(sample / DVBPR_FILE, Path(tmp), catalogue_asins=asins).decodable
        start = time.perf_counter()
        vectors, _ = ImageEmbedder(load_encoder(encoder, threads=threads)).embed_paths(images[PATH].to_list())
        seconds = time.perf_counter() - start
    return np.asarray(images[C.ITEM_ID].to_list(), dtype=object), vectors, f"{encoder}, whole images", seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, help="a generated sample folder (default: data/sample, made if absent)")
    parser.add_argument("--features", type=Path, help="an image_features.h5 to use instead of embedding")
    parser.add_argument("--encoder", default="efficientnet-lite0", help="encoder of the item images (see vision.encoders)")
    parser.add_argument("--share", type=float, default=0.1, help="share of items held out")
    parser.add_argument("--seeds", type=int, default=3, help="hold-out draws to average over")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    sample = sample_dir(args.sample)
    interactions = build_interactions(read_reviews(sample / REVIEWS_FILE).rows)
    item_ids = interactions.select(C.ITEM_ID, C.ITEM_IDX).unique().sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy()
    ids, vectors, made_by, embed_seconds = image_vectors(sample, args.features, args.encoder, args.threads)
    aligned, has_image = align_vectors(ids, vectors, item_ids)
    users = interactions[C.USER_IDX].to_numpy().astype(np.int64)
    items = interactions[C.ITEM_IDX].to_numpy().astype(np.int64)
    n_users, n_items = int(users.max()) + 1, len(item_ids)

    per_seed = []
    for seed in range(args.seeds):
        config = ColdStartConfig(held_out_share=args.share, seed=seed)
        data = hold_out_items(users, items, n_users, n_items, has_image, config)
        results = evaluate_cold_start(data, aligned, config)
        per_seed.append(results)
        print(f"seed {seed}: {len(data.cold_items)} held-out items, {results['random']['users']} users, "
              + ", ".join(f"{name} HR@10 {m['hr@10']:.3f}" for name, m in results.items()), file=sys.stderr, flush=True)

    names = list(per_seed[0])
    table = {name: {metric: round(float(np.mean([r[name][metric] for r in per_seed])), 4)
                    for metric in ("hr@10", "ndcg@10", "recall@10")} for name in names}
    report = {
        "sample": str(sample), "users": n_users, "items": n_items, "interactions": len(users),
        "items_with_image": int(has_image.sum()), "vectors": made_by, "embed_seconds": round(embed_seconds, 1),
        "held_out_share": args.share, "seeds": args.seeds,
        "evaluated_users_per_seed": [r["random"]["users"] for r in per_seed],
        "image_mlp_fit_seconds": [r["image-mlp"]["fit_seconds"] for r in per_seed],
        "image_mlp_epochs": [r["image-mlp"]["epochs"] for r in per_seed],
        "mean_over_seeds": table,
    }
    print(json.dumps(report, indent=2))
    print("\n| ordering of the held-out items | HR@10 | NDCG@10 | Recall@10 |\n|---|---|---|---|")
    for name, m in table.items():
        print(f"| {name} | {m['hr@10']:.3f} | {m['ndcg@10']:.3f} | {m['recall@10']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
