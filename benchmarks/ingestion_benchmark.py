"""Sample generation and review ingestion at full scale: rows/s and peak memory.

Each stage runs in its own subprocess so its peak resident memory is its own. Peers, measured
in the same run on the same file: polars.read_ndjson (fast but no validation, no rejects, no
line numbers) and a plain json.loads loop (what the original project did, with eval).

    .venv/bin/python benchmarks/ingestion_benchmark.py [--scale full|small]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = {
    "generate sample": "from fashion_pipeline.sample.generate import generate_sample\n"
                       "generate_sample(OUT, scale=SCALE, seed=0)\nrows = None",
    "read_reviews (ours)": "from fashion_pipeline.sources.reviews import read_reviews\n"
                           "rows = len(read_reviews(REVIEWS).rows)",
    "polars.read_ndjson (peer)": "import polars as pl\nrows = len(pl.read_ndjson(REVIEWS))",
    "json.loads loop (peer)": "import gzip, json\n"
                              "rows = len([json.loads(l) for l in gzip.open(REVIEWS, 'rt')])",
    "read_metadata (ours)": "from fashion_pipeline.sources.metadata import read_metadata\n"
                            "rows = len(read_metadata(METADATA).rows)",
    "build_interactions (ours)": "import polars as pl\nfrom fashion_pipeline.sources.reviews import read_reviews\n"
                                 "from fashion_pipeline.recsys.interactions import build_interactions\n"
                                 "r = read_reviews(REVIEWS).rows\nimport time as _t\nT0 = _t.perf_counter()\n"
                                 "rows = len(build_interactions(r))",
}

RUNNER = """
import json, resource, sys, time
OUT, SCALE = sys.argv[1], sys.argv[2]
REVIEWS = OUT + '/reviews_Clothing_Shoes_and_Jewelry_5.json.gz'
METADATA = OUT + '/meta_Clothing_Shoes_and_Jewelry.json.gz'
T0 = time.perf_counter()
exec(sys.argv[3])
seconds = time.perf_counter() - T0
print(json.dumps({'seconds': seconds, 'rows': rows,
                  'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_stage(code: str, out: Path, scale: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(out), scale, code],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="full", choices=("small", "full"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        results = {name: run_stage(code, out, args.scale) for name, code in STAGES.items()}
    reviews = next(r["rows"] for n, r in results.items() if n.startswith("read_reviews"))
    print(f"\nIngestion benchmark, {args.scale} sample ({reviews:,} reviews), "
          f"{time.strftime('%Y-%m-%d')}, 2-core machine\n")
    print(f"| stage | seconds | rows/s | peak MiB |\n|---|---:|---:|---:|")
    for name, r in results.items():
        rows = r["rows"] if r["rows"] is not None else reviews
        print(f"| {name} | {r['seconds']:.2f} | {rows / r['seconds']:,.0f} | {r['peak_mib']:,.0f} |")


if __name__ == "__main__":
    main()
