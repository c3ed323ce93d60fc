"""`demo`: the built-in sample through every asset in one Dagster run, then what it made."""

from __future__ import annotations

import argparse
import sys
import time

from fashion_pipeline import layout as project
from fashion_pipeline.cli.common import QUIET, ensure_dagster_home
from fashion_pipeline.cli.recommend import print_stored_recommendations
from fashion_pipeline.cli.vision import print_similar

LOOK_AT_IT = """
Look at it:
  make ui            # Dagster UI on http://127.0.0.1:3000
  .venv/bin/fashion-pipeline query "SELECT title, count(*) AS n FROM interaction_details GROUP BY ALL ORDER BY n DESC LIMIT 5\""""


def add_commands(sub) -> None:
    p = sub.add_parser("demo", help="generate the sample if absent and materialize every asset")
    p.add_argument("--no-vision", action="store_true",
                   help="skip the vision path (detector training, image features, index): 2-4 minutes on 2 cores")
    p.set_defaults(func=demo)


def demo(args: argparse.Namespace) -> int:
    home = ensure_dagster_home()
    import dagster as dg

    from fashion_pipeline.dagster_home import fail_orphaned_runs, run_owner_tags
    from fashion_pipeline.definitions import build_definitions, without_vision
    from fashion_pipeline.defs.resources import FashionData
    from fashion_pipeline.layout import RawInputs
    from fashion_pipeline.sample.generate import generate_sample, sample_is_current

    raw = RawInputs.from_env()
    data = FashionData.from_env()
    layout = data.layout
    if raw.uses_sample and not sample_is_current(project.sample_dir()):
        print(f"generating the built-in sample in {project.sample_dir()} ...")
        generate_sample(project.sample_dir(), scale="small", seed=0)

    defs = build_definitions(data)
    job = defs.resolve_job_def("all_assets_job")
    what = "every asset but the vision path" if args.no_vision else \
        "every asset (the vision path trains the detector: a few minutes on 2 cores)"
    print(f"materializing {what}; runs recorded in DAGSTER_HOME={home} ...")
    start = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        orphans = fail_orphaned_runs(instance)  # runs of a demo that was killed: failed, not STARTED for ever
        if orphans:
            print(f"marked {len(orphans)} run(s) of a demo process that is gone as failed")
        selection = without_vision(defs) if args.no_vision else None
        result = job.execute_in_process(instance=instance, run_config=QUIET, asset_selection=selection,
                                        tags=run_owner_tags())
    if not result.success:
        print("the run failed; see the log above", file=sys.stderr)
        return 1
    meta = {e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}
    print(f"\ndone in {time.perf_counter() - start:.1f}s. What was made:")
    for name, values in meta.items():
        line = f"  {name:<14}"
        if values.get("dagster/row_count") is not None:
            line += f" {values['dagster/row_count']:>8,} rows"
        if values.get("path") is not None:
            line += f"  {values['path']}"
        print(line)
    checks = result.get_asset_check_evaluations()
    failed = [c.check_name for c in checks if not c.passed]
    print(f"  checks: {len(checks) - len(failed)} of {len(checks)} passed" + (f" (failed: {failed})" if failed else ""))
    _print_top_pairs(layout.warehouse)
    if not args.no_vision:
        _print_vision(meta, layout)
    _print_sample_user(layout.warehouse)
    print(f"\nA picture of that user's purchases and recommendations: {meta['recommendation_report']['path']}")
    print(LOOK_AT_IT)
    return 0 if not failed else 1


def _print_top_pairs(warehouse) -> None:
    from fashion_pipeline.serving.queries import top_category_colours

    print("\nTop category/colour pairs in the warehouse:")
    for category, colour, n in top_category_colours(warehouse):
        print(f"  {str(category):<12} {str(colour):<8} {n:>6,}")


def _print_vision(meta: dict, layout) -> None:
    """What the vision path made, and one DeepFashion photo's matches in the catalogue."""
    from fashion_pipeline.vision.yolo_dataset import validation_images

    det, feats, index = meta["clothing_detector"], meta["image_features"], meta["similarity_index"]
    attrs, recs = meta["item_attributes"], meta["user_recommendations"]
    print(f"\nvision: detector mAP50 {det['mAP50']:.3f} after {det['epochs']} epoch(s) on its validation photos, "
          f"{feats['items']:,} items embedded with {feats['encoder']}, {meta['item_images']['undecodable']} undecodable, "
          f"{index['kind']} index of {index['items']:,}")
    print(f"image-aware in the same run: {attrs['items_with_image_colour']:,} items with a colour measured on "
          f"{'the detected garment' if attrs['detector_boxes_used'] else 'the whole photo'}, "
          f"{recs['cold items recommended']} cold items recommended")
    photos = validation_images(layout.detector_dataset)
    if photos:
        print(f"\nCatalogue items that look like the DeepFashion photo {photos[0].name}:")
        print_similar(layout, image=photos[0], k=5)


def _print_sample_user(warehouse) -> None:
    from fashion_pipeline.serving.queries import busiest_user, recent_purchases

    user = busiest_user(warehouse)
    bought = recent_purchases(warehouse, user, 3)
    print(f"\nUser {user} recently bought: " + "; ".join(title for _, title, _ in bought))
    print_stored_recommendations(warehouse, user, 10)
