"""`recommend` (a user's top-K) and `report` (a picture of a user's purchases and recommendations);
with --items instead of --user, for someone not in the training data, from a list of asins."""

from __future__ import annotations

import argparse
from pathlib import Path

from fashion_pipeline.cli.common import artifact_layout, require_positive_k, warehouse_path

OCCASIONS = ("casual", "formal", "sport", "party")


def add_commands(sub) -> None:
    p = sub.add_parser("recommend", help="print a user's top-K recommendations from the warehouse")
    _who(p)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--warehouse", help="default: data/warehouse.duckdb")
    p.add_argument("--occasion", choices=OCCASIONS,
                   help="only items for this occasion (computed now from the champion model)")
    p.add_argument("--no-rerank", action="store_true", help="the champion's own order, without fashion-sense re-ranking")
    p.set_defaults(func=recommend)

    p = sub.add_parser("report", help="write a PNG and an HTML page of a user's purchases and recommendations")
    _who(p)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--out", type=Path, help="folder (default: data/reports)")
    p.set_defaults(func=report)


def _who(p: argparse.ArgumentParser) -> None:
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="a reviewerID")
    who.add_argument("--items", help="comma-separated asins, oldest first: recommendations for someone not in "
                     "the training data who just looked at or bought these")


def _asins(option: str) -> list[str]:
    return [a.strip() for a in option.split(",") if a.strip()]


def recommend(args: argparse.Namespace) -> int:
    require_positive_k(args.k)
    if args.items is not None:
        if args.occasion or args.no_rerank:
            raise ValueError("--occasion and --no-rerank apply to --user, not --items")
        print_unseen_recommendations(_asins(args.items), args.k)
    elif args.occasion or args.no_rerank:
        print_live_recommendations(args.user, args.k, args.occasion, rerank=not args.no_rerank)
    else:
        print_stored_recommendations(warehouse_path(args.warehouse), args.user, args.k)
    return 0


def print_stored_recommendations(warehouse: Path, user: str, k: int) -> None:
    """The user's rows of user_recommendations; the most popular items for someone unknown."""
    from fashion_pipeline.serving.queries import popular_items, stored_recommendations

    rows = stored_recommendations(warehouse, user, k)
    if rows:
        model = rows[0].model
        print(f"User {user}'s top-{len(rows)} recommendation ({model}"
              + (", re-ranked: score is the model's, reason says why the row is here" if rows[0].reranked else "")
              + "):")
        for r in rows:
            note = f"  {r.reason}" if r.reason else ""
            if r.model != model:
                note = f"  ({r.model}){note}"
            print(f"{r.rank:>3}. {r.asin}  {r.title or '(no title)'}  [{r.score:.3f}]{note}")
        return
    print(f"User {user} is not in the training data, so here are the most popular items instead:")
    for rank, (asin, title, n) in enumerate(popular_items(warehouse, k), start=1):
        print(f"{rank:>3}. {asin}  {title or '(no title)'}  [{n} buyers]")


def print_live_recommendations(user: str, k: int, occasion: str | None, rerank: bool) -> None:
    """--occasion / --no-rerank: computed now from the champion instead of read from the table."""
    from fashion_pipeline.serving.lists import live_recommendations

    model, rows = live_recommendations(artifact_layout(), user, k, occasion, rerank)
    if not rows:
        print(f"User {user} is not in the training data (or nothing is left for occasion {occasion!r}).")
        return
    how = ", ".join(x for x in (occasion, "re-ranked" if rerank else "not re-ranked") if x)
    print(f"User {user}'s top-{len(rows)} recommendation ({model}, {how}):")
    for rank, asin, score, title, reason in rows:
        print(f"{rank:>3}. {asin}  {title or '(no title)'}  [{score:.3f}]  {reason}")


def print_unseen_recommendations(asins: list[str], k: int) -> None:
    """--items: scored now from the history given (serving.unseen)."""
    from fashion_pipeline.serving.unseen import recommend_for_items

    found = recommend_for_items(artifact_layout(), asins, k)
    print(f"Top-{len(found.rows)} recommendation for a new user who has {', '.join(asins)} ({found.model}: {found.why}):")
    for rank, asin, score, title in found.rows:
        print(f"{rank:>3}. {asin}  {title or '(no title)'}  [{score:.3f}]")


def report(args: argparse.Namespace) -> int:
    require_positive_k(args.k)
    from fashion_pipeline.layout import RawInputs
    from fashion_pipeline.serving.reports import write_items_report_files, write_user_report_files

    if args.items is not None:
        png, page = write_items_report_files(artifact_layout(), RawInputs.from_env().dvbpr, _asins(args.items),
                                             args.out, k=args.k)
    else:
        png, page = write_user_report_files(artifact_layout(), RawInputs.from_env().dvbpr, args.user, args.out,
                                            k=args.k)
    print(f"wrote {png}\nwrote {page}")
    return 0
