"""Season-aware vs season-blind training, recency-weighted vs uniform, on the sample and ML-1M.

For each evaluated season S, every variant trains GMF on interactions before S starts and
ranks the items each user then bought during S (items they already had are excluded):
  season-blind:  everything before S
  season-aware:  the same season of earlier years + the 180 days before S (recsys/seasonal.py)
  uniform / recency: equal weights, or weights halving every `--half-life` days before S
Same split, seed, model, epochs and evaluation (evaluation.evaluate_period) for every variant.

    .venv/bin/python benchmarks/seasonal_benchmark.py [--datasets sample,ml-1m]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fashion_pipeline import columns as C  # noqa: E402
from fashion_pipeline.recsys.baselines import Popularity  # noqa: E402
from fashion_pipeline.recsys.data import leave_last_out, user_item_matrix  # noqa: E402
from fashion_pipeline.recsys.evaluation import evaluate_period  # noqa: E402
from fashion_pipeline.recsys.experiment import ModelConfigs, fit  # noqa: E402
from fashion_pipeline.recsys.seasonal import SeasonalConfig, day_start_seconds, seasonal_training_rows  # noqa: E402
from fashion_pipeline.recsys.seasons import next_season, season_expr, season_start  # noqa: E402

# A sample 10x the built-in small one: enough users per season for stable figures.
SAMPLE_SIZE = dict(users=12_000, items=3_000, reviews=84_960)
MIN_USERS = 100  # seasons with fewer users buying are too noisy to compare


def load(dataset: str) -> pl.DataFrame:
    if dataset == "sample":
        import tempfile

        from fashion_pipeline.recsys.interactions import build_interactions
        from fashion_pipeline.sample.generate import generate_sample
        from fashion_pipeline.sample.writers import REVIEWS_FILE
        from fashion_pipeline.sources.reviews import read_reviews

        with tempfile.TemporaryDirectory() as tmp:
            generate_sample(tmp, "small", seed=0, **SAMPLE_SIZE)
            return build_interactions(read_reviews(Path(tmp) / REVIEWS_FILE).rows)
    from ncf_benchmark import load_ml1m

    return load_ml1m().with_columns(season_expr(pl.col(C.TIMESTAMP)).alias(C.SEASON))


def evaluated_seasons(df: pl.DataFrame, n: int) -> list[str]:
    """The last `n` seasons with enough buyers, in calendar order, skipping the data's final
    (usually partial) season and never the first."""
    counts = df.group_by(C.SEASON).agg(pl.col(C.USER_IDX).n_unique().alias("users"))
    ok = sorted(counts.filter(pl.col("users") >= MIN_USERS)[C.SEASON].to_list(), key=season_start)
    return ok[-n - 1:-1] if len(ok) > n else ok[1:]


def run_variant(rows: pl.DataFrame, n_users: int, n_items: int, half_life: float | None, epochs: int,
                negatives: int, seen, future) -> dict:
    split = leave_last_out(rows, n_users=n_users, n_items=n_items)
    configs = ModelConfigs()
    configs.gmf.train.half_life_days = half_life
    configs.gmf.train.negatives = negatives
    fitted = fit("gmf", split, "serve", configs, epochs=epochs)
    return evaluate_period(fitted.scorer, seen, future)


def benchmark(dataset: str, n_seasons: int, half_life: float, epochs: int, negatives: int,
              keys: list[str] | None = None) -> list[dict]:
    df = load(dataset)
    n_users, n_items = int(df[C.USER_IDX].max()) + 1, int(df[C.ITEM_IDX].max()) + 1
    rows_out = []
    for key in keys or evaluated_seasons(df, n_seasons):
        start = day_start_seconds(season_start(key))
        end = day_start_seconds(season_start(next_season(key)))
        before = df.filter(pl.col(C.TIMESTAMP) < start)
        seen = user_item_matrix(before[C.USER_IDX].to_numpy(), before[C.ITEM_IDX].to_numpy(), n_users, n_items)
        during = df.filter(pl.col(C.TIMESTAMP).is_between(start, end, closed="left"))
        known_user = np.zeros(n_users, bool)
        known_user[before[C.USER_IDX].to_numpy()] = True
        during = during.filter(pl.Series(known_user[during[C.USER_IDX].to_numpy()]))
        future = user_item_matrix(during[C.USER_IDX].to_numpy(), during[C.ITEM_IDX].to_numpy(), n_users, n_items)
        future = future - future.multiply(seen > 0)  # only items new to the user
        future.eliminate_zeros()
        aware = seasonal_training_rows(df, key, SeasonalConfig())
        pop = Popularity(n_items).fit(before[C.ITEM_IDX].to_numpy(), before[C.ITEM_IDX].to_numpy(), n_users)
        pop.counts = np.bincount(before[C.ITEM_IDX].to_numpy(), minlength=n_items).astype(np.float32)
        results = {"popularity (blind)": evaluate_period(pop, seen, future)}
        for name, rows, hl in (("blind, uniform", before, None), ("blind, recency", before, half_life),
                               ("aware, uniform", aware, None), ("aware, recency", aware, half_life)):
            t = time.perf_counter()
            results[name] = run_variant(rows, n_users, n_items, hl, epochs, negatives, seen, future)
            print(f"  {dataset} {key} {name}: ndcg@10 {results[name]['ndcg@10']:.4f} "
                  f"({len(rows):,} rows, {time.perf_counter() - t:.0f}s)", file=sys.stderr, flush=True)
        for name, m in results.items():
            rows_out.append({"dataset": dataset, "season": key, "variant": name, **m})
    return rows_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="sample,ml-1m")
    parser.add_argument("--seasons", type=int, default=3, help="last N seasons evaluated per dataset")
    parser.add_argument("--half-life", type=float, default=180.0, help="recency half-life in days")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--negatives", type=int, default=4)
    parser.add_argument("--season-keys", default="",
                        help="explicit seasons per dataset, e.g. 'sample=2013-summer+2014-spring,ml-1m=2002-spring'")
    args = parser.parse_args()
    explicit = dict(part.split("=") for part in args.season_keys.split(",") if part)
    rows = []
    for dataset in args.datasets.split(","):
        keys = explicit[dataset].split("+") if dataset in explicit else None
        rows += benchmark(dataset, args.seasons, args.half_life, args.epochs, args.negatives, keys)
    df = pl.DataFrame(rows)
    summary = df.group_by("dataset", "variant", maintain_order=True).agg(
        pl.col("season").n_unique().alias("seasons"), pl.col("users").sum(),
        pl.col("hr@10").mean(), pl.col("recall@10").mean(), pl.col("ndcg@10").mean())
    print(f"\nNext-season ranking, GMF ({args.epochs} epochs, {args.negatives} negatives), half-life "
          f"{args.half_life:.0f} days; mean over the evaluated seasons\n")
    print("| dataset | variant | seasons | users | HR@10 | Recall@10 | NDCG@10 |\n|---|---|---:|---:|---:|---:|---:|")
    for r in summary.iter_rows(named=True):
        print(f"| {r['dataset']} | {r['variant']} | {r['seasons']} | {r['users']:,} | {r['hr@10']:.4f} | "
              f"{r['recall@10']:.4f} | {r['ndcg@10']:.4f} |")
    print("\nper season: " + ", ".join(sorted(set(df["season"]))))


if __name__ == "__main__":
    main()
