"""The NCF protocol of run_protocol, split into jobs that run as parallel processes (a GPU box).

run_protocol fits GMF, MLP and NeuMF one after another; here each (model, stage) is its own
process, started once the jobs it needs are done:

    gmf/validation ─┬─> gmf/test (epochs = gmf/validation's best epoch) ─┐
    mlp/validation ─┼─> mlp/test                                        ─┼─> neumf/test
                    └─> neumf/validation (from the two validation fits) ─┘   (its best epoch)

which is exactly what run_protocol computes (same fit(), same seeds, same evaluate()), only
faster in wall time. Several variants (plans) of the settings can run side by side; the one
reported is chosen by VALIDATION metrics of NeuMF only (see `selection_score`).

The split comes from an .npz written by `ncf_benchmark.py --export-split`, so the machine that
runs this needs torch and numpy but not polars or implicit (no ALS here: ncf_benchmark.py runs
the baselines and merges this script's summary.json with --neural-results).

    python benchmarks/ncf_parallel.py PLAN.json SPLIT.npz OUTDIR [--parallel 12] [--budget-s 480]

PLAN.json: {"variants": {"name": {"gmf": {...GMFConfig, "train": {...TrainConfig}}, "mlp": ...,
"neumf": ...}}}. OUTDIR gets one JSON per job, progress.log and summary.json (rewritten after
every job, so a run cut short still reports what finished).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
# a copy of the package beside this script (how it travels to another machine) wins over the repo's
sys.path.insert(0, str(HERE if (HERE / "fashion_pipeline").is_dir() else HERE.parent))
try:
    import polars  # noqa: F401
except ImportError:  # only leave_last_out needs polars; the split comes from an npz file
    sys.modules["polars"] = types.ModuleType("polars")

STAGES = ("validation", "test")


def split_fingerprint(split) -> str:
    """sha256 of the split's arrays: ties results computed elsewhere to the split they used."""
    import hashlib
    from dataclasses import fields

    import numpy as np
    h = hashlib.sha256()
    for f in fields(split):
        h.update(np.ascontiguousarray(np.asarray(getattr(split, f.name), dtype=np.int64)).tobytes())
    return h.hexdigest()[:16]


def configs_from(spec: dict):
    from fashion_pipeline.recsys.registry import ModelConfigs, get_model
    from fashion_pipeline.recsys.train_config import TrainConfig
    c = ModelConfigs()
    for name in ("gmf", "mlp", "neumf"):
        cls = get_model(name).config_cls
        if name in spec:
            s = dict(spec[name])
            train = TrainConfig(**s.pop("train", {}))
            if "layers" in s:
                s["layers"] = tuple(s["layers"])
            setattr(c, name, cls(**s, train=train))
    return c


def jobs_for(variant: str, spec: dict) -> list[dict]:
    """The six jobs of one variant, each naming the jobs it needs."""
    jobs = []
    for stage in STAGES:
        for model in ("gmf", "mlp", "neumf"):
            job = {"name": f"{variant}.{model}.{stage}", "variant": variant, "model": model, "stage": stage,
                   "spec": spec, "needs": {}}
            if stage == "test":
                job["needs"]["epochs"] = f"{variant}.{model}.validation"
            if model == "neumf":
                job["needs"].update({"gmf": f"{variant}.gmf.{stage}", "mlp": f"{variant}.mlp.{stage}"})
            jobs.append(job)
    return jobs


def run_job(job: dict, split_path: str, out: Path, models: Path) -> None:
    import torch

    from fashion_pipeline.recsys.evaluation import evaluate
    from fashion_pipeline.recsys.experiment import Fitted, fit
    from fashion_pipeline.recsys.models.gmf import GMF
    from fashion_pipeline.recsys.models.mlp import MLP
    from fashion_pipeline.recsys.persistence import load_split

    torch.set_num_threads(1)
    split = load_split(split_path)
    configs = configs_from(job["spec"])
    done = {k: json.loads((out / "jobs" / f"{v}.json").read_text()) for k, v in job["needs"].items()}
    epochs = done["epochs"]["best_epoch"] if "epochs" in done else None
    pretrained = None
    if job["model"] == "neumf":
        g = GMF(split.n_users, split.n_items, configs.gmf.factors)
        g.load_state_dict(torch.load(models / f"{job['needs']['gmf']}.pt"))
        m = MLP(split.n_users, split.n_items, configs.mlp.layers, configs.mlp.dropout)
        m.load_state_dict(torch.load(models / f"{job['needs']['mlp']}.pt"))
        pretrained = {"gmf": Fitted("gmf", job["stage"], None, g, 0.0), "mlp": Fitted("mlp", job["stage"], None, m, 0.0)}
    log = (out / "progress.log").open("a")

    def say(msg):
        log.write(f"{time.strftime('%H:%M:%S')} {job['name']}: {msg}\n")
        log.flush()

    f = fit(job["model"], split, job["stage"], configs, epochs=epochs, pretrained=pretrained, progress=say)
    metrics = evaluate(f.scorer, split, job["stage"])
    if job["model"] in ("gmf", "mlp"):
        torch.save({k: v.cpu() for k, v in f.model.state_dict().items()}, models / f"{job['name']}.pt")
    rec = {"name": job["name"], "variant": job["variant"], "model": job["model"], "stage": job["stage"],
           "device": str(next(f.model.parameters()).device), "params": configs.params(job["model"]),
           "best_epoch": f.best_epoch, "epochs_run": len(f.history), "fit_seconds": round(f.fit_seconds, 3),
           "metrics": {k: v for k, v in metrics.items()},
           "history": [{k: (round(v, 5) if isinstance(v, float) else v) for k, v in h.items()} for h in f.history]}
    tmp = out / "jobs" / f".{job['name']}.json.tmp"
    tmp.write_text(json.dumps(rec, default=str))
    tmp.rename(out / "jobs" / f"{job['name']}.json")
    say(f"done: ndcg@10 {metrics['ndcg@10']:.4f}, sampled hr@10 {metrics['hr@10_sampled']:.4f}, "
        f"sampled ndcg@10 {metrics['ndcg@10_sampled']:.4f} ({f.fit_seconds:.0f}s, {len(f.history)} epochs)")


def selection_score(val: dict, criterion: str) -> float:
    """ml-1m: the paper's sampled metrics with full-ranking NDCG@10 as a tie-break; else full NDCG@10."""
    if criterion == "sampled":
        return val["hr@10_sampled"] + val["ndcg@10_sampled"] + val["ndcg@10"]
    return val["ndcg@10"]


def summarize(out: Path, variants: list[str], criterion: str, fingerprint: str, need_test: bool = True) -> dict:
    """Per variant, results shaped like run_protocol's (test metrics, validation, best epoch);
    `selected`: the variant whose NeuMF validation scores best (test never looked at)."""
    recs = {p.stem: json.loads(p.read_text()) for p in (out / "jobs").glob("*.json")}
    summary = {"criterion": criterion, "split": fingerprint, "variants": {}, "selected": None}
    best = None
    for v in variants:
        models = {}
        for model in ("gmf", "mlp", "neumf"):
            val, test = recs.get(f"{v}.{model}.validation"), recs.get(f"{v}.{model}.test")
            if val is None:
                continue
            entry = {"validation": {k: x for k, x in val["metrics"].items() if k != "users"},
                     "best_epoch": val["best_epoch"], "params": val["params"], "device": val["device"]}
            if test is not None:
                entry.update({k: x for k, x in test["metrics"].items() if k != "users"})
                entry["fit_seconds"] = test["fit_seconds"]
            models[model] = entry
        summary["variants"][v] = models
        complete = all(m in models and (not need_test or "ndcg@10" in models[m]) for m in ("gmf", "mlp", "neumf"))
        if complete:
            s = selection_score(models["neumf"]["validation"], criterion)
            if best is None or s > best[0]:
                best = (s, v)
    summary["selected"] = best[1] if best else None
    tmp = out / ".summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, default=str))
    tmp.rename(out / "summary.json")
    return summary


def main() -> None:
    if sys.argv[1] == "--job":
        run_job(json.loads(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]))
        return
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("split", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--parallel", type=int, default=12)
    parser.add_argument("--budget-s", type=float, default=480, help="kill what still runs after this")
    parser.add_argument("--criterion", default="sampled", choices=("sampled", "full"))
    parser.add_argument("--models-dir", type=Path, help="where fitted GMF/MLP weights go (default OUT/models)")
    parser.add_argument("--validation-only", action="store_true", help="tuning: no test-stage jobs")
    args = parser.parse_args()
    plan = json.loads(args.plan.read_text())
    (args.out / "jobs").mkdir(parents=True, exist_ok=True)
    models = args.models_dir or args.out / "models"
    models.mkdir(parents=True, exist_ok=True)
    variants = list(plan["variants"])
    from fashion_pipeline.recsys.persistence import load_split

    fingerprint = split_fingerprint(load_split(args.split))
    pending = [j for v, spec in plan["variants"].items() for j in jobs_for(v, spec)
               if not (args.validation_only and j["stage"] == "test")]
    running, failed, start = [], set(), time.time()
    while pending or running:
        for p, job in list(running):
            if p.poll() is not None:
                running.remove((p, job))
                ok = p.returncode == 0
                if not ok:
                    failed.add(job["name"])
                print(f"{time.time() - start:5.0f}s {'done' if ok else 'FAILED'} {job['name']}", flush=True)
                summarize(args.out, variants, args.criterion, fingerprint, not args.validation_only)
        for job in [j for j in pending if set(j["needs"].values()) & failed]:
            pending.remove(job)
            failed.add(job["name"])
            print(f"skipped {job['name']}: a job it needs failed", flush=True)
        ready = [j for j in pending if all((args.out / "jobs" / f"{n}.json").exists() for n in j["needs"].values())]
        for job in ready[:max(0, args.parallel - len(running))]:
            pending.remove(job)
            p = subprocess.Popen([sys.executable, __file__, "--job", json.dumps(job), str(args.split), str(args.out),
                                  str(models)])
            running.append((p, job))
        if time.time() - start > args.budget_s:
            for p, job in running:
                p.kill()
                print(f"KILLED at the time budget: {job['name']}", flush=True)
            for job in pending:
                print(f"not run: {job['name']}", flush=True)
            break
        time.sleep(0.5)
    summary = summarize(args.out, variants, args.criterion, fingerprint, not args.validation_only)
    print(json.dumps({v: {m: {k: r.get(k) for k in ("ndcg@10", "hr@10_sampled", "ndcg@10_sampled", "best_epoch")}
                          for m, r in ms.items()} for v, ms in summary["variants"].items()}, indent=1))
    print(f"selected by validation: {summary['selected']}", flush=True)


if __name__ == "__main__":
    main()
