"""`similar` (catalogue items that look like a photo or an item) and `image-eval` (kNN precision
of the image embeddings on a labelled folder)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fashion_pipeline.cli.common import artifact_layout
from fashion_pipeline.layout import ArtifactLayout


def add_commands(sub) -> None:
    p = sub.add_parser("similar", help="catalogue items that look like a photo (detect, crop, embed, search) or an item")
    query = p.add_mutually_exclusive_group(required=True)
    query.add_argument("--image", type=Path, help="a photo to find similar catalogue items for")
    query.add_argument("--item", help="a catalogue asin to find similar items for")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--no-detect", action="store_true", help="embed the whole photo, without the detector")
    p.add_argument("--data-dir", help="where the index and features are (default: data/)")
    p.add_argument("--report", action="store_true",
                   help="also write a PNG of the query (with the garment box) and the similar items to data/reports/")
    p.set_defaults(func=similar)

    p = sub.add_parser("image-eval", help="leave-one-out kNN precision@k of image embeddings on DIR/<class>/*.jpg")
    p.add_argument("--images", required=True, type=Path, help="a folder with one subfolder of images per class")
    p.add_argument("--no-detect", action="store_true", help="embed whole images instead of detected garments")
    p.add_argument("--encoder", default="efficientnet-lite0")
    p.add_argument("--detector", help="detector weights (default: the trained clothing_detector under data/)")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--data-dir", help="default: data/")
    p.set_defaults(func=image_eval)


def similar(args: argparse.Namespace) -> int:
    layout = artifact_layout(args.data_dir)
    print_similar(layout, image=args.image, item=args.item, k=args.k, detect=not args.no_detect, report=args.report)
    return 0


def print_similar(layout: ArtifactLayout, image: Path | None = None, item: str | None = None, k: int = 10,
                  detect: bool = True, report: bool = False) -> None:
    from fashion_pipeline.vision.commands import similar as find_similar

    found = find_similar(image=image, item=item, k=k, data_dir=layout.data_dir, detect=detect,
                         products=layout.parsed("products"))
    box = found["box"]
    if image is not None:
        print(f"garment box used (x1, y1, x2, y2): {box}" if box else "no garment detected: searched with the whole photo")
    print(f"{len(found['results'])} items most similar to {found['query']}:")
    for r in found["results"]:
        print(f"{r['rank']:>3}. {r['asin']}  {r['title'] or '(no title)'}  [{r['score']:.3f}]")
    if report:
        from fashion_pipeline.layout import RawInputs
        from fashion_pipeline.serving.reports import write_similar_report_file

        print(f"picture: {write_similar_report_file(layout, RawInputs.from_env().dvbpr, found, image)}")


def image_eval(args: argparse.Namespace) -> int:
    from fashion_pipeline.vision.commands import image_eval as evaluate_images

    result = evaluate_images(args.images, detect=not args.no_detect, encoder=args.encoder, data_dir=args.data_dir,
                             k=args.k, detector=args.detector)
    print(json.dumps(result, indent=2))
    return 0
