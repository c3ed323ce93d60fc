"""Recommender speed at the full-scale sample: one GMF epoch, top-10 for every user, ALS fit.

All measured in one run on the same split (leave-last-out of the full sample, fitted on the
validation-stage data): one GMF epoch with 4 negatives per positive (train_pointwise,
epochs=1), top-10 for all users with seen items filtered (top_k over the GMF model wrapped by
TorchScorer), one SASRec epoch and its top-10 (peers, no aim), and an ALS fit with the
default ALSConfig. Aims: epoch < 3 s, top-10 < 5 s.
Indented rows break each timing down into its parts, timed separately on the same data.

    .venv/bin/python benchmarks/recsys_speed_benchmark.py [--repeat 2] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import os
import pstats
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from fashion_pipeline.recsys.baselines import ALS, ALSConfig
from fashion_pipeline.recsys.data import PairSet, leave_last_out
from fashion_pipeline.recsys.interactions import build_interactions
from fashion_pipeline.recsys.models.gmf import GMF, GMFConfig
from fashion_pipeline.recsys.recommend import top_k
from fashion_pipeline.recsys.sampling import sample_training_negatives
from fashion_pipeline.recsys.experiment import ModelConfigs, build_module
from fashion_pipeline.recsys.models.sasrec import SASRecConfig
from fashion_pipeline.recsys.train_config import TrainConfig
from fashion_pipeline.recsys.training import TorchScorer, train_pointwise, train_sequential
from fashion_pipeline.sample.generate import generate_sample, sample_is_current
from fashion_pipeline.sources.reviews import read_reviews

# implicit warns about OpenBLAS threads at every fit; ALS.fit already limits them (threadpoolctl)
warnings.filterwarnings("ignore", message="OpenBLAS is configured")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "benchmarks" / ".cache" / "sample-full"
REVIEWS = "reviews_Clothing_Shoes_and_Jewelry_5.json.gz"
AIMS = {"gmf epoch": 3.0, "top-10 all users": 5.0}


def full_sample_split():
    if not sample_is_current(SAMPLE, "full", 0):
        print(f"generating the full-scale sample into {SAMPLE} ...", flush=True)
        generate_sample(SAMPLE, scale="full", seed=0)
    return leave_last_out(build_interactions(read_reviews(SAMPLE / REVIEWS).rows), seed=0)


def best_of(fn, repeat):
    """min wall seconds over `repeat` calls, and the last call's result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def profile(fn, top=12) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs per timing")
    parser.add_argument("--profile", action="store_true", help="also print cProfile of epoch and top-10")
    args = parser.parse_args()

    split = full_sample_split()
    users, items, times = split.fit_data("validation")
    seen = split.seen_matrix("validation")
    all_users = np.arange(split.n_users)
    factors = GMFConfig().factors
    cfg = TrainConfig(negatives=4, device="cpu")  # library defaults otherwise (batch, lr, threads)
    threads = getattr(cfg, "threads", torch.get_num_threads())
    rows = []  # (what, seconds, throughput, note)

    def new_gmf():
        torch.manual_seed(0)
        return GMF(split.n_users, split.n_items, factors)

    # --- one GMF epoch -------------------------------------------------------------------------
    samples = len(users) * (1 + cfg.negatives)
    epoch_s, _ = best_of(lambda: train_pointwise(new_gmf(), users, items, split.n_items, cfg, epochs=1), args.repeat)
    rows.append(("gmf epoch", epoch_s, f"{samples / epoch_s:,.0f} samples/s",
                 f"{len(users):,} positives x (1 + {cfg.negatives}), batch {cfg.batch_size}, {threads} torch thread(s)"))
    positives = PairSet(users, items, split.n_items)
    rng = np.random.default_rng(0)
    neg_s, _ = best_of(lambda: sample_training_negatives(users, positives, split.n_items, cfg.negatives, rng),
                       args.repeat)
    rows.append(("  of which: negative sampling", neg_s, "", "sample_training_negatives"))
    model = new_gmf()
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, fused=True)  # as train_pointwise
    loss_fn = torch.nn.BCEWithLogitsLoss()
    u = torch.as_tensor(rng.integers(0, split.n_users, cfg.batch_size))
    i = torch.as_tensor(rng.integers(0, split.n_items, cfg.batch_size))
    y = torch.as_tensor(rng.integers(0, 2, cfg.batch_size), dtype=torch.float32)
    torch.set_num_threads(threads)
    steps = -(-samples // cfg.batch_size)
    parts = {"forward + loss": 0.0, "backward": 0.0, "Adam step": 0.0}
    n = 200
    for _ in range(n):
        a = time.perf_counter()
        loss = loss_fn(model(u, i), y)
        b = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        c = time.perf_counter()
        opt.step()
        d = time.perf_counter()
        parts["forward + loss"] += b - a
        parts["backward"] += c - b
        parts["Adam step"] += d - c
    for part, secs in parts.items():
        rows.append((f"  of which: {part}", secs / n * steps, "",
                     f"{secs / n * 1e3:.2f} ms/step x {steps:,} steps (timed on {n} steps)"))

    # --- top-10 for every user -----------------------------------------------------------------
    gmf = new_gmf()  # timing does not depend on the weights
    scorer = TorchScorer(gmf, torch.device("cpu"))
    cores = os.cpu_count() or 1
    topk_s, (top_items, _) = best_of(lambda: top_k(scorer, all_users, seen, k=10, threads=cores), args.repeat)
    assert not seen[all_users[:, None].repeat(10, 1).ravel(), top_items.ravel()].any(), "a seen item was recommended"
    rows.append(("top-10 all users", topk_s, f"{len(all_users) / topk_s:,.0f} users/s",
                 f"{len(all_users):,} users x {split.n_items:,} items, seen filtered, GMF {factors} factors, "
                 f"{cores} torch threads"))
    one_s, _ = best_of(lambda: top_k(scorer, all_users, seen, k=10, threads=1), args.repeat)
    rows.append(("  same, 1 torch thread", one_s, f"{len(all_users) / one_s:,.0f} users/s", "as while training"))
    torch.set_num_threads(1)
    score_s, _ = best_of(lambda: sum(len(scorer.score(all_users[s:s + 2048])) for s in range(0, len(all_users), 2048)),
                         args.repeat)
    rows.append(("  parts, 1 thread: scoring to numpy", score_s, "", "TorchScorer.score in batches of 2048 users"))
    batch = all_users[:2048]
    scores = scorer.score(batch)
    n_batches = -(-len(all_users) // 2048)

    def mask():
        s = np.array(scores, dtype=np.float32)
        sub = seen[batch]
        s[np.repeat(np.arange(len(batch)), np.diff(sub.indptr)), sub.indices] = -np.inf
        return s

    copy_s, _ = best_of(lambda: np.array(scores, dtype=np.float32), args.repeat)
    mask_s, masked = best_of(mask, args.repeat)
    part_s, _ = best_of(lambda: np.argpartition(-masked, 9, axis=1)[:, :10], args.repeat)
    rows.append(("  parts, 1 thread: numpy copy + seen mask", mask_s * n_batches, "", f"copy alone {copy_s * n_batches:.2f} s"))
    rows.append(("  peer: np.argpartition instead of torch.topk", part_s * n_batches, "", "np.argpartition(-scores) per batch"))

    # --- SASRec: the sequence model (no aim; a peer of GMF on the same data) -------------------
    sas_cfg = SASRecConfig()
    sas_configs = ModelConfigs(sasrec=sas_cfg)
    sas_train = dataclasses.replace(sas_cfg.train, device="cpu", threads=threads)

    def new_sasrec():
        torch.manual_seed(0)
        return build_module("sasrec", split.n_users, split.n_items, sas_configs)

    sas = new_sasrec()
    sas_s, _ = best_of(lambda: train_sequential(sas, users, items, times, sas_train, epochs=1), args.repeat)
    rows.append(("sasrec epoch", sas_s, f"{len(users) / sas_s:,.0f} interactions/s",
                 f"full softmax over {split.n_items:,} items at every position, batch {sas_train.batch_size} users, "
                 f"{threads} torch thread(s)"))
    sas_scorer = TorchScorer(sas, torch.device("cpu"))
    sas_top_s, _ = best_of(lambda: top_k(sas_scorer, all_users, seen, k=10, threads=cores), args.repeat)
    rows.append(("top-10 all users, SASRec", sas_top_s, f"{len(all_users) / sas_top_s:,.0f} users/s",
                 f"encodes each user's latest {sas_cfg.max_len} items, then as GMF; {cores} torch threads"))
    torch.set_num_threads(1)

    # --- ALS fit -------------------------------------------------------------------------------
    als_cfg = ALSConfig()
    als_s, _ = best_of(lambda: ALS(als_cfg).fit(users, items, split.n_users, split.n_items), args.repeat)
    rows.append(("ALS fit", als_s, f"{len(users) / als_s:,.0f} interactions/s",
                 f"default ALSConfig: {als_cfg.factors} factors, {als_cfg.iterations} iterations"))

    load = os.getloadavg()[0]
    print(f"\nRecommender speed, full sample ({split.n_users:,} users, {split.n_items:,} items, "
          f"{len(users):,} training interactions), {time.strftime('%Y-%m-%d')}, {os.cpu_count()}-core machine, "
          f"best of {args.repeat}, load average {load:.1f}\n")
    print("| what | seconds | throughput | aim | notes |\n|---|---:|---:|---:|---|")
    for what, secs, thr, note in rows:
        aim = AIMS.get(what)
        verdict = "" if aim is None else f"< {aim:.0f} s {'met' if secs < aim else f'MISSED x{secs / aim:.1f}'}"
        print(f"| {what} | {secs:.2f} | {thr} | {verdict} | {note} |")

    if args.profile:
        print("\n### cProfile: one GMF epoch\n```")
        print(profile(lambda: train_pointwise(new_gmf(), users, items, split.n_items, cfg, epochs=1)))
        print("```\n### cProfile: top-10 for all users\n```")
        print(profile(lambda: top_k(scorer, all_users, seen, k=10)))
        print("```")


if __name__ == "__main__":
    main()
