"""Fashion-sense re-ranking on the sample: from no re-ranking to full re-ranking.

Fits the champion-type model (NeuMF, the sample demo's champion, by default; --model) under the protocol (selected on
validation, refit on train + validation), then scales every re-ranking weight by t = 0 .. 1 and
reports on the test split: full-ranking HR@10 / NDCG@10 and repeat_rate, intra_list_diversity,
coverage, novelty of the top-10 lists.

    python benchmarks/rerank_benchmark.py [--model gmf] [--steps 0,0.25,0.5,0.75,1] [--grid] [--out rerank.json]

--grid also prints the validation-split grid the RerankConfig defaults were chosen from.

Done-when (issue 6): at t = 1 the repeat rate is at most half of t = 0's while NDCG@10 drops by
no more than 5%.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="neumf", help="the sample demo's champion is NeuMF")
    parser.add_argument("--steps", default="0,0.25,0.5,0.75,1")
    parser.add_argument("--sample", type=Path, help="a generated sample folder (default: generate one)")
    parser.add_argument("--grid", action="store_true", help="print the validation grid of weights too")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    from fashion_pipeline.recsys.attributes import item_attributes
    from fashion_pipeline.recsys.data import leave_last_out
    from fashion_pipeline.recsys.experiment import ModelConfigs, fit_and_evaluate
    from fashion_pipeline.recsys.interactions import build_interactions
    from fashion_pipeline.recsys.rerank import RerankConfig, item_sense
    from fashion_pipeline.recsys.rerank_evaluation import item_ids_of, reranked, sense_report
    from fashion_pipeline.sample import writers
    from fashion_pipeline.sample.generate import generate_sample
    from fashion_pipeline.sources.metadata import read_metadata
    from fashion_pipeline.sources.reviews import read_reviews
    from fashion_pipeline.vision.item_colours import colours_from_dvbpr

    with tempfile.TemporaryDirectory() as tmp:
        sample = args.sample
        if sample is None:
            sample = Path(tmp)
            generate_sample(sample, scale="small", seed=0)
        interactions = build_interactions(read_reviews(sample / writers.REVIEWS_FILE).rows)
        products = read_metadata(sample / writers.METADATA_FILE).rows
        colours = colours_from_dvbpr(sample / writers.DVBPR_FILE, products["asin"].to_list())
    split = leave_last_out(interactions)
    ids = item_ids_of(interactions)
    attrs = item_attributes(products, colours)
    sense = item_sense(attrs, ids)
    start = time.perf_counter()
    # the protocol: select epochs on validation, refit on train + validation for test
    configs = ModelConfigs()
    fitted = {"validation": {}, "test": {}}
    for name in (["gmf", "mlp"] if args.model == "neumf" else []) + [args.model]:  # NeuMF starts from both
        _, fits = fit_and_evaluate(name, split, configs, fitted)
        for stage, f in fits.items():
            fitted[stage][name] = f
    fitted = {stage: fitted[stage][args.model] for stage in fitted}
    print(f"fitted {args.model} in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    if args.grid:
        print(f"\nValidation grid (harmony_bonus {RerankConfig().harmony_bonus}):")
        print("| repeat_penalty | diversity | NDCG@10 | change | repeat_rate |\n|---:|---:|---:|---:|---:|")
        base_val = None
        for p in (0.0, 0.1, 0.15, 0.2, 0.3):
            for d in ((0.0,) if p == 0 else (0.0, 0.1, 0.2)):
                cfg = RerankConfig(repeat_penalty=p, diversity=d) if p else RerankConfig().scaled(0)
                m = sense_report(reranked(fitted["validation"].scorer, split, "validation", sense, cfg), split,
                                 "validation", sense)
                base_val = base_val or m["ndcg@10"]
                print(f"| {p} | {d} | {m['ndcg@10']:.4f} | {(m['ndcg@10'] / base_val - 1) * 100:+.1f}% | "
                      f"{m['repeat_rate']:.4f} |", flush=True)
    model = fitted["test"].scorer
    rows = []
    for t in [float(s) for s in args.steps.split(",")]:
        config = RerankConfig().scaled(t)
        start = time.perf_counter()
        m = sense_report(reranked(model, split, "test", sense, config), split, "test", sense)
        rows.append({"t": t, **{k: m[k] for k in ("hr@10", "ndcg@10", "repeat_rate", "intra_list_diversity",
                                                 "coverage", "novelty")}, "seconds": time.perf_counter() - start})
    base = rows[0]
    print(f"\nRe-ranking {args.model} on the sample ({split.n_users} users, {split.n_items} items), test split, "
          f"weights x t (RerankConfig defaults at t=1):")
    print("| t | HR@10 | NDCG@10 | NDCG@10 change | repeat_rate | intra_list_diversity | coverage | novelty |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        change = (r["ndcg@10"] / base["ndcg@10"] - 1) * 100 if base["ndcg@10"] else 0.0
        print(f"| {r['t']:.2f} | {r['hr@10']:.4f} | {r['ndcg@10']:.4f} | {change:+.1f}% | {r['repeat_rate']:.4f} | "
              f"{r['intra_list_diversity']:.4f} | {r['coverage']:.4f} | {r['novelty']:.3f} |")
    full = rows[-1]
    halved = full["repeat_rate"] <= base["repeat_rate"] / 2
    kept = full["ndcg@10"] >= 0.95 * base["ndcg@10"]
    print(f"\nrepeat rate {base['repeat_rate']:.4f} -> {full['repeat_rate']:.4f} (halved: {halved}); "
          f"NDCG@10 {base['ndcg@10']:.4f} -> {full['ndcg@10']:.4f} (within 5%: {kept})")
    if args.out:
        args.out.write_text(json.dumps({"model": args.model, "rows": rows}, indent=2))
    return 0 if halved and kept else 1


if __name__ == "__main__":
    sys.exit(main())
