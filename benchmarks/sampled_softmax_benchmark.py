"""SASRec with the full softmax against the sampled softmax, on real Amazon 5-core data, in one run.

The full softmax scores the whole catalogue at every position of every history: its cost grows
with the catalogue (hours an epoch at the 2018 Clothing 5-core's 376,858 items). The sampled
softmax scores each position against `k` negatives shared by the batch, the user's own items
masked (recsys.training). Both run the same protocol (early stopping on validation, refit on
train + validation for the chosen epochs, test reported); the validation column says which one
the validation would choose where both fit.

    .venv/bin/python benchmarks/sampled_softmax_benchmark.py [--dataset beauty|sports]
        [--negatives 256,1024] [--sampling uniform|popularity]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ncf_benchmark import CONFIGS, SEQUENCES, describe, load  # noqa: E402

from fashion_pipeline.recsys.data import leave_last_out  # noqa: E402
from fashion_pipeline.recsys.experiment import run_protocol  # noqa: E402


def variants(base, negatives: list[int], sampling: str) -> dict[str, object]:
    """The dataset's chosen SASRec config with the full softmax, and with each sampled size."""
    out = {"full softmax": replace(base, train=replace(base.train, full_softmax_max_items=sys.maxsize))}
    for k in negatives:
        out[f"sampled, {k} {sampling}"] = replace(base, train=replace(
            base.train, full_softmax_max_items=0, softmax_negatives=k, softmax_sampling=sampling))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="beauty", choices=tuple(SEQUENCES))
    parser.add_argument("--negatives", default="256", help="sampled sizes, comma-separated")
    parser.add_argument("--sampling", default="uniform", choices=("uniform", "popularity"))
    args = parser.parse_args()
    df = load(args.dataset)
    if df is None:
        raise SystemExit(f"{args.dataset}: {SEQUENCES[args.dataset]} is absent")
    split = leave_last_out(df, seed=0)
    configs = CONFIGS[args.dataset]
    rows = []
    for name, sasrec in variants(configs.sasrec, [int(k) for k in args.negatives.split(",")], args.sampling).items():
        start = time.perf_counter()
        print(f"{name} ...", flush=True)
        results, _ = run_protocol(split, ["sasrec"], configs=replace(configs, sasrec=sasrec),
                                  progress=lambda msg: print(f"  {msg}", flush=True))
        r = results["sasrec"]
        rows.append((name, r["validation"]["ndcg@10"], r["ndcg@10"], r["hr@10"], r["best_epoch"],
                     r["fit_seconds"] / max(r["best_epoch"], 1), time.perf_counter() - start))
    full_test = rows[0][2]
    chosen = max(rows, key=lambda row: row[1])[0]
    print(f"\nSASRec, full against sampled softmax, {args.dataset} ({describe(df)}; "
          f"{int((split.test_item >= 0).sum()):,} test users), {time.strftime('%Y-%m-%d')}, "
          f"{os.cpu_count()}-core machine\n")
    print("| softmax | validation NDCG@10 | test NDCG@10 | test / full | test HR@10 | best epoch "
          "| s / epoch (refit) | wall s |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, val, test, hr, epoch, per_epoch, wall in rows:
        mark = " (chosen on validation)" if name == chosen else ""
        print(f"| {name}{mark} | {val:.4f} | {test:.4f} | {test / full_test:.3f} | {hr:.4f} | {epoch} "
              f"| {per_epoch:.1f} | {wall:.0f} |")


if __name__ == "__main__":
    main()
