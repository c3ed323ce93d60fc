"""`sample` (write the built-in sample in the real raw formats) and `query` (SQL on the warehouse)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fashion_pipeline import layout as project
from fashion_pipeline.cli.common import progress, warehouse_path


def add_commands(sub) -> None:
    p = sub.add_parser("sample", help="write a sample in exactly the real raw formats")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: data/sample; data/sample-2023 with --scale 2023)")
    p.add_argument("--scale", choices=("small", "full", "10x", "2018", "2023"), default="small",
                   help="small: seconds to train on; full: the 2014 Clothing 5-core's exact counts; 10x: ten "
                        "times that; 2018: the 2018 Clothing 5-core's counts (11.3M reviews); 2023: the 2023 "
                        "release's Clothing_Shoes_and_Jewelry size (66M reviews, 7.2M products; streamed, "
                        "about 20 GB uncompressed; only with --format 2023)")
    p.add_argument("--format", choices=("2014", "2023"), default="2014", dest="fmt",
                   help="layout and names of the review and metadata files (2023: the McAuley Lab 2023 release)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=sample)

    p = sub.add_parser("query", help="run SQL on the DuckDB warehouse (read-only) and print the result")
    p.add_argument("sql")
    p.add_argument("--warehouse", help="default: data/warehouse.duckdb")
    p.set_defaults(func=query)


def sample(args: argparse.Namespace) -> int:
    if args.scale == "2023":
        return sample_release_2023(args)
    from fashion_pipeline.sample.generate import generate_sample

    start = time.perf_counter()
    summary = generate_sample(args.out or project.sample_dir(), scale=args.scale, seed=args.seed, fmt=args.fmt)
    print(f"wrote the {summary.scale} sample (seed {summary.seed}) to {summary.out_dir} "
          f"in {time.perf_counter() - start:.1f}s: {summary.users:,} users, {summary.items:,} items, "
          f"{summary.reviews:,} reviews, {summary.deepfashion_images:,} DeepFashion images")
    return 0


def sample_release_2023(args: argparse.Namespace) -> int:
    """The release-size review and metadata files only (no images), streamed block by block."""
    if args.fmt != "2023":
        raise ValueError("--scale 2023 writes the 2023 release's layout only: add --format 2023")
    from fashion_pipeline.sample.release_2023 import Release2023Config, write_release_2023

    out = args.out or project.default_data_dir() / "sample-2023"
    summary = write_release_2023(out, Release2023Config(seed=args.seed), progress=progress)
    print(f"wrote the 2023-release-size sample (seed {summary.seed}) to {summary.out_dir} in {summary.seconds:.1f}s: "
          f"{summary.users:,} users, {summary.items:,} items, {summary.reviews:,} reviews "
          f"({summary.reviews_file}, {summary.metadata_file})")
    return 0


def query(args: argparse.Namespace) -> int:
    from fashion_pipeline.serving.readonly import run_query

    print(run_query(warehouse_path(args.warehouse), args.sql))
    return 0
