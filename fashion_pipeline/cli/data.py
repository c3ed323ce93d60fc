"""`sample` (write the built-in sample in the real raw formats) and `query` (SQL on the warehouse)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fashion_pipeline import layout as project
from fashion_pipeline.cli.common import warehouse_path


def add_commands(sub) -> None:
    p = sub.add_parser("sample", help="write a sample in exactly the real raw formats")
    p.add_argument("--out", type=Path, default=project.sample_dir(), help="output folder (default: data/sample)")
    p.add_argument("--scale", choices=("small", "full", "10x", "2018"), default="small",
                   help="small: seconds to train on; full: the 2014 Clothing 5-core's exact counts; 10x: ten "
                        "times that; 2018: the 2018 Clothing 5-core's counts (11.3M reviews)")
    p.add_argument("--format", choices=("2014", "2023"), default="2014", dest="fmt",
                   help="layout and names of the review and metadata files (2023: the McAuley Lab 2023 release)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=sample)

    p = sub.add_parser("query", help="run SQL on the DuckDB warehouse (read-only) and print the result")
    p.add_argument("sql")
    p.add_argument("--warehouse", help="default: data/warehouse.duckdb")
    p.set_defaults(func=query)


def sample(args: argparse.Namespace) -> int:
    from fashion_pipeline.sample.generate import generate_sample

    start = time.perf_counter()
    summary = generate_sample(args.out, scale=args.scale, seed=args.seed, fmt=args.fmt)
    print(f"wrote the {summary.scale} sample (seed {summary.seed}) to {summary.out_dir} "
          f"in {time.perf_counter() - start:.1f}s: {summary.users:,} users, {summary.items:,} items, "
          f"{summary.reviews:,} reviews, {summary.deepfashion_images:,} DeepFashion images")
    return 0


def query(args: argparse.Namespace) -> int:
    from fashion_pipeline.serving.readonly import run_query

    print(run_query(warehouse_path(args.warehouse), args.sql))
    return 0
