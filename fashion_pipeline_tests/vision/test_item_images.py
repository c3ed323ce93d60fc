import pytest

from fashion_pipeline.sample.writers import DVBPR_FILE
from fashion_pipeline.sources.dvbpr import load_dvbpr
from fashion_pipeline.vision.item_images import (
    dvbpr_item_ids, images_from_dvbpr, images_from_folder, read_item_images, write_item_images,
)


def test_decodes_the_dvbpr_sample(small_sample, tmp_path):
    result = images_from_dvbpr(small_sample / DVBPR_FILE, tmp_path / "items")
    n = len(load_dvbpr(small_sample / DVBPR_FILE).items)
    assert result.manifest.height == n and result.failed.height == 0
    first = result.decodable.row(0, named=True)
    assert first["format"] == "JPEG" and first["width"] > 0 and (tmp_path / "items" / f"{first['asin']}.jpg").exists()
    assert read_item_images(tmp_path / "items").manifest.equals(result.manifest)


def test_undecodable_images_are_counted_and_listed(tmp_path):
    good = (tmp_path / "g.jpg")
    from PIL import Image

    Image.new("RGB", (8, 8), (10, 20, 30)).save(good)
    data = good.read_bytes()
    result = write_item_images(["ok", "truncated", "junk", "empty"], [data, data[: len(data) // 2], b"not an image", None],
                               tmp_path / "items")
    assert result.decodable["asin"].to_list() == ["ok"]
    failed = dict(result.failed.select("asin", "error").iter_rows())
    assert set(failed) == {"truncated", "junk", "empty"} and all(failed.values())
    assert not (tmp_path / "items" / "junk.jpg").exists()  # nothing written for what does not decode


def test_folder_source(tmp_path, colour_images):
    paths, ids, _ = colour_images
    folder = paths[0].parent
    (folder / "broken.jpg").write_bytes(b"\xff\xd8garbage")
    result = images_from_folder(folder, tmp_path / "items")
    assert sorted(result.decodable["asin"].to_list()) == sorted(p.stem for p in paths if p.parent == folder)
    assert result.failed["asin"].to_list() == ["broken"]


def test_dvbpr_ids_map_to_sorted_asins_only_when_counts_match():
    assert dvbpr_item_ids(3, ["C", "A", "B"]) == ["A", "B", "C"]
    assert dvbpr_item_ids(3, None) == ["0", "1", "2"]
    with pytest.raises(ValueError, match="holds 3 items but the product catalogue has 2"):
        dvbpr_item_ids(3, ["A", "B"])  # never mapped by index to the wrong products
