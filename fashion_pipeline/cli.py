"""`fashion-pipeline ...`: the pipeline for people who do not open the Dagster UI."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from fashion_pipeline import columns as C
from fashion_pipeline import paths


# Dagster's console logger at WARNING: the demo prints its own summary; failures still show.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _ensure_dagster_home() -> Path:
    """Runs started here land in the project's DAGSTER_HOME, so `dagster dev` shows them."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(paths.dagster_home())))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return home


def cmd_sample(args: argparse.Namespace) -> int:
    from fashion_pipeline.sample.generate import generate_sample

    start = time.perf_counter()
    summary = generate_sample(args.out, scale=args.scale, seed=args.seed)
    print(f"wrote the {summary.scale} sample (seed {summary.seed}) to {summary.out_dir} "
          f"in {time.perf_counter() - start:.1f}s: {summary.users:,} users, {summary.items:,} items, "
          f"{summary.reviews:,} reviews, {summary.deepfashion_images:,} DeepFashion images")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    home = _ensure_dagster_home()
    from fashion_pipeline.defs.resources import FashionData
    from fashion_pipeline.sample.generate import generate_sample, sample_is_current

    data = FashionData.from_env()
    raw_dir = Path(data.reviews_path).parent
    uses_sample = not any(os.environ.get(v) for v in ("FASHION_RAW_DIR", "FASHION_REVIEWS"))
    if uses_sample and not sample_is_current(raw_dir):
        print(f"generating the built-in sample in {raw_dir} ...")
        generate_sample(raw_dir, scale="small", seed=0)

    import dagster as dg
    from fashion_pipeline.definitions import build_definitions
    from fashion_pipeline.defs.sense import write_demo_report

    defs = build_definitions(data)
    print(f"materializing every asset (runs recorded in DAGSTER_HOME={home}) ...")
    start = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("all_assets_job").execute_in_process(instance=instance, run_config=QUIET)
    if not result.success:
        print("the run failed; see the log above", file=sys.stderr)
        return 1
    print(f"\ndone in {time.perf_counter() - start:.1f}s. What was made:")
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        where = meta.get("path")
        rows = meta.get("dagster/row_count")
        line = f"  {'/'.join(event.asset_key.path):<14}"
        if rows is not None:
            line += f" {rows.value:>8,} rows"
        if where is not None:
            line += f"  {where.value}"
        print(line)
    checks = result.get_asset_check_evaluations()
    failed = [c.check_name for c in checks if not c.passed]
    print(f"  checks: {len(checks) - len(failed)} of {len(checks)} passed" + (f" (failed: {failed})" if failed else ""))
    _print_peek(data.warehouse_path)
    if not args.no_vision:
        if not _demo_vision(defs, data):
            return 1
        if not _refresh_with_images(defs):
            return 1
    _print_sample_user(data.warehouse_path)
    print(f"\nA picture of that user's purchases and recommendations: {write_demo_report(data)}")
    print(f"\nLook at it:\n  make ui            # Dagster UI on http://127.0.0.1:3000\n"
          "  .venv/bin/fashion-pipeline query \"SELECT title, count(*) AS n FROM interaction_details GROUP BY ALL ORDER BY n DESC LIMIT 5\"")
    return 0 if not failed else 1


def _demo_vision(defs, data) -> bool:
    """The vision path on the sample: detector, item images, features, index; then one photo's matches.

    The detector trains with its default config (15 epochs at 128 px: mAP50 0.84 on the sample's
    200 DeepFashion items in about 4 CPU-minutes, benchmarks/detector_benchmark.py): fewer epochs
    find no garments at all, and the demo should show the real thing."""
    import dagster as dg

    from fashion_pipeline.defs.vision import VISION_ASSETS, vision_paths

    print("\nvision: training the detector (a few minutes on 2 cores), embedding every item, building the index ...")
    start = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("vision_job").execute_in_process(
            instance=instance, run_config=QUIET, asset_selection=[a.key for a in VISION_ASSETS])
    if not result.success:
        print("the vision run failed; see the log above", file=sys.stderr)
        return False
    meta = {e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}
    det, feats, index = meta["clothing_detector"], meta["image_features"], meta["similarity_index"]
    print(f"done in {time.perf_counter() - start:.1f}s: detector mAP50 {det['mAP50']:.3f} after {det['epochs']} epoch(s) "
          f"on its validation photos, {feats['items']:,} items embedded with "
          f"{feats['encoder']}, {meta['item_images']['undecodable']} undecodable, {index['kind']} index of {index['items']:,}")
    photos = sorted((vision_paths(data).dataset / "images" / "val").glob("*.jpg"))
    if photos:
        print(f"\nCatalogue items that look like the DeepFashion photo {photos[0].name}:")
        cmd_similar(argparse.Namespace(image=photos[0], item=None, k=5, no_detect=False, data_dir=data.data_dir))
    return True


# Assets that read the image features when they exist: re-materialized once the vision path has
# run, so colours come from the garment crops, MMR sees image vectors and cold items get a slot.
IMAGE_AWARE_ASSETS = ("item_attributes", "user_recommendations", "recommendation_report")


def _refresh_with_images(defs) -> bool:
    import dagster as dg

    print(f"\nrefreshing {', '.join(IMAGE_AWARE_ASSETS)} with the image features ...")
    start = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("all_assets_job").execute_in_process(
            instance=instance, run_config=QUIET, asset_selection=[dg.AssetKey(k) for k in IMAGE_AWARE_ASSETS])
    if not result.success:
        print("the refresh failed; see the log above", file=sys.stderr)
        return False
    cold = [e.materialization.metadata.get("cold items recommended") for e in result.get_asset_materialization_events()
            if e.asset_key.path[-1] == "user_recommendations"]
    print(f"done in {time.perf_counter() - start:.1f}s" + (f"; {cold[0].value} cold items recommended" if cold and cold[0] else ""))
    return True


def _print_sample_user(warehouse: Path) -> None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        user = conn.execute("SELECT reviewer_id FROM interactions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
        bought = conn.execute("SELECT title FROM interaction_details WHERE reviewer_id = ? "
                              "ORDER BY unix_review_time DESC LIMIT 3", [user]).fetchall()
    print(f"\nUser {user} recently bought: " + "; ".join(t for (t,) in bought))
    cmd_recommend(argparse.Namespace(user=user, k=10, warehouse=str(warehouse)))


def _print_peek(warehouse: Path) -> None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "SELECT category, colour, count(*) AS purchases FROM interaction_details "
            "GROUP BY ALL ORDER BY purchases DESC LIMIT 5"
        ).fetchall()
    print("\nTop category/colour pairs in the warehouse:")
    for category, colour, n in rows:
        print(f"  {str(category):<12} {str(colour):<8} {n:>6,}")


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from fashion_pipeline.defs.resources import FashionData

    warehouse = Path(args.warehouse or FashionData.from_env().warehouse_path)
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make demo` first")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        print(conn.sql(args.sql))
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    import duckdb

    from fashion_pipeline.defs.resources import FashionData

    if getattr(args, "occasion", None) or getattr(args, "no_rerank", False):
        return _recommend_live(args)
    warehouse = Path(args.warehouse or FashionData.from_env().warehouse_path)
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make demo` first")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "user_recommendations" not in tables:
            raise FileNotFoundError(f"{warehouse} has no user_recommendations yet: materialize it (make demo)")
        columns = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = 'user_recommendation_details'").fetchall()}
        # tables written before the re-ranker existed have no reason column
        reason = f"coalesce({C.RERANK_REASON}, '')" if C.RERANK_REASON in columns else "''"
        reranked = f"coalesce(bool_or({C.RERANKED}) OVER (), false)" if C.RERANKED in columns else "false"
        rows = conn.execute(
            f"SELECT rank, asin, score, model, title, {reason}, {reranked} FROM user_recommendation_details "
            "WHERE reviewer_id = ? AND rank <= ? ORDER BY rank", [args.user, args.k]).fetchall()
        if rows:
            print(f"User {args.user}'s top-{len(rows)} recommendation ({rows[0][3]}"
                  + (", re-ranked: score is the model's, reason says why the row is here" if rows[0][6] else "") + "):")
            for rank, asin, score, model, title, why, _ in rows:
                note = f"  {why}" if why else ""
                if model != rows[0][3]:
                    note = f"  ({model}){note}"
                print(f"{rank:>3}. {asin}  {title or '(no title)'}  [{score:.3f}]{note}")
            return 0
        popular = conn.execute(
            "SELECT asin, any_value(title), count(*) AS n FROM interaction_details "
            "GROUP BY asin ORDER BY n DESC, asin LIMIT ?", [args.k]).fetchall()
    print(f"User {args.user} is not in the training data, so here are the most popular items instead:")
    for rank, (asin, title, n) in enumerate(popular, start=1):
        print(f"{rank:>3}. {asin}  {title or '(no title)'}  [{n} buyers]")
    return 0


def _recommend_live(args: argparse.Namespace) -> int:
    """--occasion / --no-rerank: computed now from the champion instead of read from the table."""
    from fashion_pipeline.defs.resources import FashionData
    from fashion_pipeline.defs.sense import live_recommendations

    model, rows = live_recommendations(FashionData.from_env(), args.user, args.k, args.occasion, not args.no_rerank)
    if not rows:
        print(f"User {args.user} is not in the training data (or nothing is left for occasion {args.occasion!r}).")
        return 0
    how = ", ".join(x for x in (args.occasion, "not re-ranked" if args.no_rerank else "re-ranked") if x)
    print(f"User {args.user}'s top-{len(rows)} recommendation ({model}, {how}):")
    for rank, asin, score, title, reason in rows:
        print(f"{rank:>3}. {asin}  {title or '(no title)'}  [{score:.3f}]  {reason}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from fashion_pipeline.defs.resources import FashionData
    from fashion_pipeline.defs.sense import write_user_report_files

    png, page = write_user_report_files(FashionData.from_env(), args.user, args.out, k=args.k)
    print(f"wrote {png}\nwrote {page}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from fashion_pipeline.recsys.data import leave_last_out
    from fashion_pipeline.recsys.experiment import run_protocol
    from fashion_pipeline.recsys.interactions import build_interactions
    from fashion_pipeline.recsys.registry import MODEL_NAMES
    from fashion_pipeline.recsys.rerank_evaluation import RERANK_SUFFIX, split_rerank_names
    from fashion_pipeline.sources.reviews import read_reviews

    base, names = split_rerank_names([m.strip() for m in args.models.split(",") if m.strip()])
    unknown = [m for m in base if m not in MODEL_NAMES]
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}: choose from {', '.join(MODEL_NAMES)} "
                         f"(each also as <model>{RERANK_SUFFIX})")
    if args.metadata is None and (args.images is not None or any(n.endswith(RERANK_SUFFIX) for n in names)):
        raise ValueError(f"re-ranking (<model>{RERANK_SUFFIX}) and --images need the product metadata: pass --metadata PATH")
    reviews = read_reviews(args.reviews)
    print(f"{args.reviews}: {reviews.stats}", file=sys.stderr)
    interactions = build_interactions(reviews.rows)
    split = leave_last_out(interactions)
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    results, fits = run_protocol(split, base, progress=say)
    if args.metadata is not None:
        from fashion_pipeline.recsys.attributes import attributes_from_files
        from fashion_pipeline.recsys.rerank import item_sense
        from fashion_pipeline.recsys.rerank_evaluation import add_sense_metrics, item_ids_of

        ids = item_ids_of(interactions)
        sense = item_sense(attributes_from_files(args.metadata, ids, args.images, say), ids)
        results = add_sense_metrics(results, fits, names, split, sense, progress=say)
    report = {
        "dataset": {"users": split.n_users, "items": split.n_items, "interactions": len(interactions)},
        "protocol": "leave-last-out by time; full ranking unless the key says sampled (99 fixed negatives); "
                    "test metrics from a refit on train + validation",
        "models": {name: results[name] for name in names if name in results},
    }
    text = json.dumps(report, indent=2, default=float)
    if args.out:
        from fashion_pipeline.sources.atomic import write_bytes

        write_bytes(text.encode(), args.out)
        print(f"wrote {args.out}", file=sys.stderr)
    print(text)
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    from fashion_pipeline.defs.resources import FashionData
    from fashion_pipeline.vision.commands import similar

    data = FashionData.from_env({**os.environ, "FASHION_DATA_DIR": args.data_dir} if args.data_dir else None)
    found = similar(image=args.image, item=args.item, k=args.k, data_dir=data.data_dir,
                    detect=not args.no_detect, products=data.parsed("products"))
    box = found["box"]
    if args.image is not None:
        print(f"garment box used (x1, y1, x2, y2): {box}" if box else "no garment detected: searched with the whole photo")
    print(f"{len(found['results'])} items most similar to {found['query']}:")
    for r in found["results"]:
        print(f"{r['rank']:>3}. {r['asin']}  {r['title'] or '(no title)'}  [{r['score']:.3f}]")
    if getattr(args, "report", False):
        print(f"picture: {_similar_report(data, found, args.image)}")
    return 0


def _similar_report(data, found: dict, image: Path | None) -> Path:
    """PNG of the query (photo with its box, or the query item's own photo) and its matches."""
    from fashion_pipeline.defs.sense import item_photos, reports_dir
    from fashion_pipeline.vision.report import write_similar_report

    photos = item_photos(data, [r["asin"] for r in found["results"]] + ([] if image else [found["query"]]))
    results = [{**r, "image": photos.get(r["asin"])} for r in found["results"]]
    query = image if image is not None else photos.get(found["query"])
    if query is None:
        raise FileNotFoundError(f"no photo of {found['query']} to draw the report with")
    name = Path(image).stem if image is not None else found["query"]
    return write_similar_report(query, found["box"], results, reports_dir(data) / f"similar_{name}.png")


def cmd_image_eval(args: argparse.Namespace) -> int:
    import json

    from fashion_pipeline.vision.commands import image_eval

    result = image_eval(args.images, detect=not args.no_detect, encoder=args.encoder, data_dir=args.data_dir,
                        k=args.k, detector=args.detector)
    print(json.dumps(result, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fashion-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write a sample in exactly the real raw formats")
    p.add_argument("--out", type=Path, default=paths.sample_dir(), help="output folder (default: data/sample)")
    p.add_argument("--scale", choices=("small", "full"), default="small",
                   help="small: seconds to train on; full: the real file's exact counts")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("query", help="run SQL on the DuckDB warehouse (read-only) and print the result")
    p.add_argument("sql")
    p.add_argument("--warehouse", help="default: data/warehouse.duckdb")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("recommend", help="print a user's top-K recommendations from the warehouse")
    p.add_argument("--user", required=True, help="a reviewerID")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--warehouse", help="default: data/warehouse.duckdb")
    p.add_argument("--occasion", choices=("casual", "formal", "sport", "party"),
                   help="only items for this occasion (computed now from the champion model)")
    p.add_argument("--no-rerank", action="store_true", help="the champion's own order, without fashion-sense re-ranking")
    p.set_defaults(func=cmd_recommend)

    p = sub.add_parser("report", help="write a PNG and an HTML page of a user's purchases and recommendations")
    p.add_argument("--user", required=True, help="a reviewerID")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--out", type=Path, help="folder (default: data/reports)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("evaluate", help="run the evaluation protocol on a 2014- or 2018-format review file")
    p.add_argument("--reviews", required=True, type=Path)
    p.add_argument("--models", default="popularity,als,gmf,mlp,neumf,sasrec",
                   help="comma-separated; <model>+rerank (e.g. neumf+rerank) is that model re-ranked (needs --metadata)")
    p.add_argument("--metadata", type=Path, help="product metadata: adds repeat_rate, intra_list_diversity, "
                   "coverage, novelty for every model and allows <model>+rerank")
    p.add_argument("--images", type=Path, help="item images (a DVBPR .npy or a folder of <asin>.jpg): "
                   "colours measured on them fill in where titles name none")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("similar", help="catalogue items that look like a photo (detect, crop, embed, search) or an item")
    query = p.add_mutually_exclusive_group(required=True)
    query.add_argument("--image", type=Path, help="a photo to find similar catalogue items for")
    query.add_argument("--item", help="a catalogue asin to find similar items for")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--no-detect", action="store_true", help="embed the whole photo, without the detector")
    p.add_argument("--data-dir", help="where the index and features are (default: data/)")
    p.add_argument("--report", action="store_true",
                   help="also write a PNG of the query (with the garment box) and the similar items to data/reports/")
    p.set_defaults(func=cmd_similar)

    p = sub.add_parser("image-eval", help="leave-one-out kNN precision@k of image embeddings on DIR/<class>/*.jpg")
    p.add_argument("--images", required=True, type=Path, help="a folder with one subfolder of images per class")
    p.add_argument("--no-detect", action="store_true", help="embed whole images instead of detected garments")
    p.add_argument("--encoder", default="efficientnet-lite0")
    p.add_argument("--detector", help="detector weights (default: the trained clothing_detector under data/)")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--data-dir", help="default: data/")
    p.set_defaults(func=cmd_image_eval)

    p = sub.add_parser("demo", help="generate the sample if absent and materialize every asset")
    p.add_argument("--no-vision", action="store_true",
                   help="skip the vision path (detector training, image features, index): 2-4 minutes on 2 cores")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
