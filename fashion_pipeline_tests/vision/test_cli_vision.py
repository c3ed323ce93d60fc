"""`fashion-pipeline similar` and `image-eval` through the real argument parser, on tiny artifacts."""

import json

import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.cli import main
from fashion_pipeline.vision.embedder import ImageEmbedder
from fashion_pipeline.vision.encoders import load_encoder
from fashion_pipeline.vision.features import read_features, update_features
from fashion_pipeline.vision.index import build_index, save_index
from fashion_pipeline.layout import ArtifactLayout


@pytest.fixture
def data_dir(colour_images, tmp_path):
    """Features, index and a products table for the eight colour images, as the assets leave them."""
    paths, ids, _ = colour_images
    data = tmp_path / "data"
    layout = ArtifactLayout(data)
    update_features(layout.image_features, ids, paths, ImageEmbedder(load_encoder("colour-histogram")))
    features = read_features(layout.image_features)
    save_index(build_index(features.vectors, kind="exact"), features.ids, layout.similarity_index)
    (data / "parsed").mkdir(parents=True)
    pl.DataFrame({C.ITEM_ID: ids, C.TITLE: [f"{i.rstrip('01').title()} Shirt {i[-1]}" for i in ids]}).write_parquet(
        data / "parsed" / "products.parquet")
    return data


def test_similar_item_prints_asins_titles_and_scores(data_dir, capsys):
    assert main(["similar", "--item", "blue0", "-k", "3", "--data-dir", str(data_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "3 items most similar to blue0:"
    assert lines[1].startswith("  1. blue1  Blue Shirt 1  [1.000]")
    assert len(lines) == 4 and all("blue0" not in line for line in lines[1:])


def test_similar_photo_without_detection_says_whole_photo(data_dir, colour_images, capsys):
    paths, _, _ = colour_images
    assert main(["similar", "--image", str(paths[2]), "-k", "2", "--no-detect", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "no garment detected: searched with the whole photo" in out
    assert "green0  Green Shirt 0" in out and "green1  Green Shirt 1" in out


@pytest.mark.parametrize("argv, message", [
    (["similar", "--item", "NOPE"], "item 'NOPE' has no image features"),
    (["similar", "--image", "missing.jpg"], "no image file at missing.jpg"),
    (["similar", "--item", "blue0", "-k", "0"], "k must be at least 1"),
])
def test_similar_bad_input_is_a_clear_error(data_dir, capsys, argv, message):
    assert main([*argv, "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_similar_before_any_index_says_what_to_materialize(tmp_path, capsys):
    assert main(["similar", "--item", "blue0", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not found: materialize image_features and similarity_index first" in err


def test_image_eval_prints_the_issue_json(colour_images, tmp_path, capsys):
    paths, _, _ = colour_images
    folder = paths[0].parents[1]
    assert main(["image-eval", "--images", str(folder), "--no-detect", "--encoder", "colour-histogram", "-k", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["images"] == 8 and report["encoder"] == "colour-histogram" and report["precision@1"] == 1.0
    assert report["embed_images_per_s"] > 0 and report["query_ms"] >= 0 and report["detect"] is False
    # detection asked for but no detector trained yet; and a folder that is not there
    assert main(["image-eval", "--images", str(folder), "--data-dir", str(tmp_path / "none")]) == 2
    assert "no trained detector at" in capsys.readouterr().err
    assert main(["image-eval", "--images", str(tmp_path / "absent"), "--no-detect"]) == 2
    assert "no folder at" in capsys.readouterr().err


def test_similar_report_draws_the_query_and_its_matches(data_dir, colour_images, capsys):
    from PIL import Image

    paths, _, _ = colour_images
    assert main(["similar", "--image", str(paths[2]), "-k", "2", "--no-detect", "--report",
                 "--data-dir", str(data_dir)]) == 0
    png = capsys.readouterr().out.strip().splitlines()[-1].removeprefix("picture: ")
    assert png.endswith(".png") and str(data_dir) in png
    with Image.open(png) as im:
        assert im.width > 300 and im.height > 300
