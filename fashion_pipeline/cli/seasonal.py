"""`seasonal-eval`: season-aware against season-blind next-season ranking on a review file."""

from __future__ import annotations

import argparse
from pathlib import Path

from fashion_pipeline.cli.common import print_report, progress


def add_commands(sub) -> None:
    p = sub.add_parser("seasonal-eval", help="per season: fit on everything before it, choose the seasonal "
                       "weights on the season before, rank what each user then bought")
    p.add_argument("--reviews", required=True, type=Path, help="a 2014-, 2018- or 2023-format review file")
    p.add_argument("--metadata", type=Path, help="product metadata: the seasonal prior also uses garment type, "
                   "category and colour (without it, item-level lift only)")
    p.add_argument("--seasons", required=True, help="comma-separated season keys, e.g. 2013-winter,2014-spring")
    p.add_argument("--model", default="gmf", help="the base (season-blind) model, e.g. gmf or sasrec")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.set_defaults(func=seasonal_eval)


def seasonal_eval(args: argparse.Namespace) -> int:
    from fashion_pipeline.recsys.season_aware import SeasonAwareConfig, evaluate_season_file

    keys = [k.strip() for k in args.seasons.split(",") if k.strip()]
    report = evaluate_season_file(args.reviews, keys, args.metadata, SeasonAwareConfig(model=args.model),
                                  progress=progress)
    print_report(report, args.out)
    return 0
