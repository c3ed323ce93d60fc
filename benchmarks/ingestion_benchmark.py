"""Ingestion at 1x (the 2014 Clothing 5-core's 278,677 reviews), 10x and the 2018 Clothing
5-core's size (11,285,464 reviews): seconds, rows/s and peak resident memory per stage.

Every stage runs in its own process, so its peak memory is its own. Peers, on the same file in
the same run: DuckDB's `read_json` to Parquet and polars' `scan_ndjson().sink_parquet()`, which
neither validate nor keep rejects, line numbers or repeats; ours does all three.

    .venv/bin/python benchmarks/ingestion_benchmark.py [--sizes full,10x,2018] [--format 2014|2023]
        [--work-dir DIR]   # samples are generated once into DIR and reused (default: a temp folder)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STAGES = {
    "reviews: ingest_reviews (ours)":
        "from fashion_pipeline.sources.reviews import ingest_reviews\n"
        "rows = ingest_reviews(REVIEWS, OUT + '/reviews.parquet', OUT + '/rejects_reviews.parquet')['rows']",
    "reviews: DuckDB read_json -> Parquet (peer)":
        "from fashion_pipeline.sources.duckdb_settings import quiet_connection\nc = quiet_connection()\n"
        "c.execute(f\"COPY (SELECT * FROM read_json('{REVIEWS}', format = 'newline_delimited')) "
        "TO '{OUT}/peer_duckdb.parquet' (FORMAT parquet)\")\n"
        "rows = c.execute(f\"SELECT count(*) FROM '{OUT}/peer_duckdb.parquet'\").fetchone()[0]",
    "reviews: polars scan_ndjson -> sink_parquet (peer)":
        "import polars as pl\npl.scan_ndjson(REVIEWS).sink_parquet(OUT + '/peer_polars.parquet')\n"
        "rows = pl.scan_parquet(OUT + '/peer_polars.parquet').select(pl.len()).collect().item()",
    "products: ingest_metadata (ours)":
        "import polars as pl\nfrom fashion_pipeline.sources.metadata import ingest_metadata\n"
        "keep = pl.scan_parquet(OUT + '/reviews.parquet').select('asin').unique().collect()['asin'].to_list()\n"
        "rows = ingest_metadata(METADATA, OUT + '/products.parquet', OUT + '/rejects_products.parquet', keep)['rows']",
    "interactions: write_interactions (ours)":
        "from fashion_pipeline.recsys.interactions import InteractionsConfig, write_interactions\n"
        "rows = write_interactions(OUT + '/reviews.parquet', OUT + '/interactions.parquet', "
        "InteractionsConfig(min_interactions=MIN_K))['rows']",
    "warehouse: load_parsed_tables (ours)":
        "from fashion_pipeline.serving.warehouse import load_parsed_tables\n"
        "from fashion_pipeline.sources.duckdb_settings import quiet_connection\n"
        "conn = quiet_connection(OUT + '/warehouse.duckdb')\n"
        "counts = load_parsed_tables(conn, {n: OUT + f'/{n}.parquet' for n in ('reviews', 'products', 'interactions')},"
        " [OUT + '/rejects_reviews.parquet', OUT + '/rejects_products.parquet'])\nrows = counts['reviews']",
}

# A stage's own output (a library's progress bar, say) may share its stdout, even the figures'
# line (a bar ends without a newline): the figures are what follows this marker.
MARKER = "STAGE-RESULT "

RUNNER = """
import json, resource, sys, time
REVIEWS, METADATA, OUT, MIN_K = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
MARKER = sys.argv[6]
T0 = time.perf_counter()
exec(sys.argv[5])
seconds = time.perf_counter() - T0
print(MARKER + json.dumps({'seconds': seconds, 'rows': rows,
                  'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measured(cmd: list[str]) -> dict:
    """Run `cmd`, return its seconds and its peak resident MiB (GNU time's maximum RSS)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return {"seconds": time.perf_counter() - start, "peak_mib": int(proc.stderr.strip().splitlines()[-1]) / 1024}


def run_stage(code: str, reviews: Path, metadata: Path, out: Path, min_k: int | None) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(reviews), str(metadata), str(out), json.dumps(min_k), code, MARKER],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"stage failed:\n{code}\n{proc.stderr[-3000:]}")
    if MARKER not in proc.stdout:
        raise SystemExit(f"stage printed no figures:\n{code}\n{proc.stdout[-3000:]}")
    return json.loads(proc.stdout.rsplit(MARKER, 1)[1].splitlines()[0])


def sample_files(folder: Path) -> tuple[Path, Path]:
    """The review and metadata files a sample folder holds, whichever format it was written in."""
    files = [p for p in folder.iterdir() if ".json" in p.name and p.name != "sample.json"]
    meta = next(p for p in files if p.name.startswith("meta_"))
    reviews = next(p for p in files if not p.name.startswith("meta_"))
    return reviews, meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="full,10x,2018", help="sample scales, comma-separated")
    parser.add_argument("--format", default="2014", choices=("2014", "2023"))
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--min-interactions", type=int, default=None,
                        help="k-core filter of the interactions step (use 5 for the 0-core 2023 layout)")
    parser.add_argument("--stages", default=None,
                        help="only the stages whose names start with these, comma-separated (e.g. interactions,warehouse)"
                             " on a work dir where the earlier stages' Parquet already stands")
    args = parser.parse_args()
    stages = {name: code for name, code in STAGES.items()
              if args.stages is None or name.startswith(tuple(args.stages.split(",")))}
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="ingestion-benchmark-"))
    table = []
    for size in args.sizes.split(","):
        folder = work / f"sample-{size}-{args.format}"
        if not (folder / "sample.json").exists():
            setup = measured([sys.executable, "-m", "fashion_pipeline.cli", "sample", "--scale", size,
                              "--format", args.format, "--out", str(folder)])
            table.append((size, "set-up: generate the sample", setup["seconds"], None, setup["peak_mib"]))
        reviews, metadata = sample_files(folder)
        out = work / f"parsed-{size}-{args.format}"
        out.mkdir(exist_ok=True)
        for name, code in stages.items():
            r = run_stage(code, reviews, metadata, out, args.min_interactions)
            table.append((size, name, r["seconds"], r["rows"], r["peak_mib"]))
            print(f"{size:>5} {name}: {r['seconds']:.1f} s, {r['rows']:,} rows, {r['peak_mib']:,.0f} MiB", flush=True)
    print(f"\nIngestion benchmark, {args.format} layout, {time.strftime('%Y-%m-%d')}, 2-core machine\n")
    print("| size | stage | seconds | rows/s | peak MiB |\n|---|---|---:|---:|---:|")
    for size, name, seconds, rows, peak in table:
        rate = f"{rows / seconds:,.0f}" if rows else ""
        print(f"| {size} | {name} | {seconds:.1f} | {rate} | {peak:,.0f} |")


if __name__ == "__main__":
    main()
