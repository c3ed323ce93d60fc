"""`fashion-pipeline ...`: the pipeline for people who do not open the Dagster UI.

One module per command group; each parses its arguments and calls the library (no SQL here,
no command calling another): data (sample, query), recommend (recommend, report), evaluate,
vision (similar, image-eval), seasonal (seasonal-eval), demo.
"""

from __future__ import annotations

import argparse
import sys

from fashion_pipeline.cli import data, demo, evaluate, recommend, seasonal, vision
from fashion_pipeline.serving.readonly import WarehouseBusyError

COMMAND_GROUPS = (data, recommend, evaluate, seasonal, vision, demo)
# Failures a user can fix or wait out: one line on stderr and exit code 2. ValueError covers
# refused queries and files (UnsafeQueryError, UnsafeFileError), malformed or inconsistent
# inputs (MalformedFileError, InconsistentDataError) and bad option values.
EXPECTED_ERRORS = (FileNotFoundError, ValueError, WarehouseBusyError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fashion-pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EXPECTED_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
