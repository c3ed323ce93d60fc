"""`evaluate`: the evaluation protocol on a review file, every registered model or a chosen few."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_MODELS = "popularity,als,gmf,mlp,neumf,sasrec"


def add_commands(sub) -> None:
    p = sub.add_parser("evaluate", help="run the evaluation protocol on a 2014- or 2018-format review file")
    p.add_argument("--reviews", required=True, type=Path)
    p.add_argument("--models", default=DEFAULT_MODELS,
                   help="comma-separated; <model>+rerank (e.g. neumf+rerank) is that model re-ranked (needs --metadata)")
    p.add_argument("--metadata", type=Path, help="product metadata: adds repeat_rate, intra_list_diversity, "
                   "coverage, novelty for every model and allows <model>+rerank")
    p.add_argument("--images", type=Path, help="item images (a DVBPR .npy or a folder of <asin>.jpg): "
                   "colours measured on them fill in where titles name none")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.set_defaults(func=evaluate)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def evaluate(args: argparse.Namespace) -> int:
    from fashion_pipeline.recsys.data import leave_last_out
    from fashion_pipeline.recsys.experiment import run_protocol
    from fashion_pipeline.recsys.interactions import build_interactions
    from fashion_pipeline.recsys.registry import MODEL_NAMES
    from fashion_pipeline.recsys.rerank_evaluation import RERANK_SUFFIX, split_rerank_names
    from fashion_pipeline.sources.reviews import read_reviews

    base, names = split_rerank_names([m.strip() for m in args.models.split(",") if m.strip()])
    unknown = [m for m in base if m not in MODEL_NAMES]
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}: choose from {', '.join(MODEL_NAMES)} "
                         f"(each also as <model>{RERANK_SUFFIX})")
    if args.metadata is None and (args.images is not None or any(n.endswith(RERANK_SUFFIX) for n in names)):
        raise ValueError(f"re-ranking (<model>{RERANK_SUFFIX}) and --images need the product metadata: pass --metadata PATH")
    reviews = read_reviews(args.reviews)
    _progress(f"{args.reviews}: {reviews.stats}")
    interactions = build_interactions(reviews.rows)
    split = leave_last_out(interactions)
    results, fits = run_protocol(split, base, progress=_progress)
    if args.metadata is not None:
        from fashion_pipeline.recsys.attributes import attributes_from_files
        from fashion_pipeline.recsys.rerank import item_sense
        from fashion_pipeline.recsys.rerank_evaluation import add_sense_metrics, item_ids_of

        ids = item_ids_of(interactions)
        sense = item_sense(attributes_from_files(args.metadata, ids, args.images, _progress), ids)
        results = add_sense_metrics(results, fits, names, split, sense, progress=_progress)
    report = {
        "dataset": {"users": split.n_users, "items": split.n_items, "interactions": len(interactions)},
        "protocol": "leave-last-out by time; full ranking unless the key says sampled (99 fixed negatives); "
                    "test metrics from a refit on train + validation",
        "models": {name: results[name] for name in names if name in results},
    }
    text = json.dumps(report, indent=2, default=float)
    if args.out:
        from fashion_pipeline.sources.atomic import write_bytes

        write_bytes(text.encode(), args.out)
        _progress(f"wrote {args.out}")
    print(text)
    return 0
