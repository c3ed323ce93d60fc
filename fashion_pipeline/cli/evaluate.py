"""`evaluate`: the evaluation protocol on a review file, every registered model or a chosen few;
hyperparameters from a TOML or YAML file; the JSON names the champion the champion rule picks."""

from __future__ import annotations

import argparse
from pathlib import Path

from fashion_pipeline.cli.common import print_report, progress

DEFAULT_MODELS = "popularity,als,gmf,mlp,neumf,sasrec"
ALL = "all"  # --models all: every model of the registry, the blends included


def add_commands(sub) -> None:
    p = sub.add_parser("evaluate", help="run the evaluation protocol on a 2014-, 2018- or 2023-format review file (or a 2023 benchmark CSV)")
    p.add_argument("--reviews", required=True, type=Path)
    p.add_argument("--models", default=DEFAULT_MODELS,
                   help="comma-separated, or 'all' (every registered model and blend); <model>+rerank "
                        "(e.g. neumf+rerank) is that model re-ranked (needs --metadata)")
    p.add_argument("--config", type=Path, help="model hyperparameters, a TOML or YAML file: one table per model "
                   "(als, ease, sasrec, ..., blend), a torch model's training settings in <model>.train")
    p.add_argument("--metadata", type=Path, help="product metadata: adds repeat_rate, intra_list_diversity, "
                   "coverage, novelty for every model and allows <model>+rerank")
    p.add_argument("--images", type=Path, help="item images (a DVBPR .npy or a folder of <asin>.jpg): "
                   "colours measured on them fill in where titles name none")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.set_defaults(func=evaluate)


def evaluate(args: argparse.Namespace) -> int:
    from fashion_pipeline.recsys.data import leave_last_out
    from fashion_pipeline.recsys.experiment import run_protocol
    from fashion_pipeline.recsys.interactions import build_interactions
    from fashion_pipeline.recsys.config_file import read_model_configs
    from fashion_pipeline.recsys.registry import MODEL_NAMES, ModelConfigs
    from fashion_pipeline.recsys.rerank_evaluation import RERANK_SUFFIX, split_rerank_names
    from fashion_pipeline.serving.champion import choose_champion
    from fashion_pipeline.sources.reviews import read_reviews

    asked = [m.strip() for m in args.models.split(",") if m.strip()]
    base, names = split_rerank_names([n for m in asked for n in (MODEL_NAMES if m == ALL else (m,))])
    unknown = [m for m in base if m not in MODEL_NAMES]
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}: choose from {', '.join(MODEL_NAMES)} "
                         f"(each also as <model>{RERANK_SUFFIX}), or {ALL}")
    if args.metadata is None and (args.images is not None or any(n.endswith(RERANK_SUFFIX) for n in names)):
        raise ValueError(f"re-ranking (<model>{RERANK_SUFFIX}) and --images need the product metadata: pass --metadata PATH")
    configs = read_model_configs(args.config) if args.config is not None else ModelConfigs()
    reviews = read_reviews(args.reviews, progress=progress)  # a line per chunk, then the counts
    interactions = build_interactions(reviews.rows)
    split = leave_last_out(interactions)
    results, fits = run_protocol(split, base, configs=configs, progress=progress)
    # the champion rule on validation, among the models asked for (popularity the floor)
    champion = choose_champion({name: results[name] for name in base})
    if args.metadata is not None:
        from fashion_pipeline.recsys.attributes import attributes_from_files
        from fashion_pipeline.recsys.rerank import item_sense
        from fashion_pipeline.recsys.rerank_evaluation import add_sense_metrics, item_ids_of

        ids = item_ids_of(interactions)
        sense = item_sense(attributes_from_files(args.metadata, ids, args.images, progress), ids)
        results = add_sense_metrics(results, fits, names, split, sense, progress=progress)
    report = {
        "dataset": {"users": split.n_users, "items": split.n_items, "interactions": len(interactions)},
        "protocol": "leave-last-out by time; full ranking unless the key says sampled (99 fixed negatives); "
                    "test metrics from a refit on train + validation",
        "models": {name: results[name] for name in names if name in results},
        "champion": champion and {k: v for k, v in champion.items() if k != "mlflow_run_id"},
    }
    print_report(report, args.out)
    return 0
