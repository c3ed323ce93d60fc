import gzip
import json

import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.sources.metadata import read_metadata
from fashion_pipeline.sources.rejects import MalformedFileError

TUTU = {"asin": "0000031887", "title": "Ballet Dress-Up Fairy Tutu", "price": 6.79,
        "imUrl": "http://ecx.images-amazon.com/images/I/314qZjYe.jpg",
        "related": {"also_bought": ["B002BZX8Z6", "B00JHONN1S"], "bought_together": ["B002BZX8Z6"]},
        "salesRank": {"Sports &amp; Outdoors": 8547}, "brand": "Boutique Cutie",
        "categories": [["Clothing, Shoes & Jewelry", "Girls", "Clothing", "Dresses"]]}
SHIRT = {"asin": "B00SHIRT01", "title": "Men's Navy Blue Striped Oxford Shirt - 5&quot; pocket",
         "categories": [["Clothing, Shoes & Jewelry", "Men", "Tops &amp; Tees"]]}


def _write(path, lines):
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def test_python_literal_lines_with_html_entities_and_attributes(tmp_path):
    path = _write(tmp_path / "meta.json.gz", [repr(TUTU), repr(SHIRT)])
    result = read_metadata(path)
    tutu, shirt = result.rows.sort(C.LINE_NUMBER).iter_rows(named=True)
    assert tutu[C.TITLE] == "Ballet Dress-Up Fairy Tutu"
    assert tutu[C.PRICE] == 6.79 and tutu[C.BRAND] == "Boutique Cutie"
    assert tutu[C.SALES_RANK] == 8547 and tutu[C.SALES_RANK_CATEGORY] == "Sports & Outdoors"
    assert tutu[C.ALSO_BOUGHT] == ["B002BZX8Z6", "B00JHONN1S"]
    assert tutu[C.CATEGORY] == "dresses"
    assert shirt[C.TITLE] == "Men's Navy Blue Striped Oxford Shirt - 5\" pocket"
    assert shirt[C.CATEGORIES] == "Clothing, Shoes & Jewelry > Men > Tops & Tees"
    assert (shirt[C.COLOUR], shirt[C.PATTERN], shirt[C.OCCASION], shirt[C.CATEGORY]) == ("navy", "striped", "formal", "tops")
    assert shirt[C.BRAND] is None and shirt[C.PRICE] is None


def test_literal_eval_never_runs_code(tmp_path):
    marker = tmp_path / "pwned"
    evil = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    path = _write(tmp_path / "meta.json.gz", [repr(TUTU), repr(SHIRT), repr({**TUTU, "asin": "B3"}), evil])
    result = read_metadata(path)
    assert not marker.exists()
    assert result.rejects[C.LINE_NUMBER].to_list() == [4]
    assert result.rejects[C.REASON][0].startswith("neither JSON nor a Python literal")


def test_rejects_missing_asin_and_duplicates_and_keeps_first(tmp_path):
    lines = [repr(TUTU), repr({"title": "no asin"}), repr({**TUTU, "title": "copy"}), repr(SHIRT), repr(SHIRT)]
    result = read_metadata(_write(tmp_path / "m.json.gz", lines))
    assert result.rows[C.ITEM_ID].to_list() == ["0000031887", "B00SHIRT01"]
    assert result.rows[C.TITLE][0] == "Ballet Dress-Up Fairy Tutu"
    reasons = dict(zip(result.rejects[C.LINE_NUMBER].to_list(), result.rejects[C.REASON].to_list()))
    assert reasons == {2: "missing asin", 3: "duplicate asin", 5: "duplicate asin"}


def test_keep_asins_skips_other_products_unparsed(tmp_path):
    path = _write(tmp_path / "m.json.gz", [repr(TUTU), repr(SHIRT)])
    result = read_metadata(path, keep_asins=["B00SHIRT01"])
    assert result.rows[C.ITEM_ID].to_list() == ["B00SHIRT01"]
    assert result.stats["skipped_not_reviewed"] == 1


def test_2018_strict_json_metadata(tmp_path):
    record = {"category": ["Clothing, Shoes &amp; Jewelry", "Women", "Shoes"], "title": "Red Leather Heels",
              "brand": "Acme", "price": "$24.99", "asin": "B018", "also_buy": ["B1"], "rank": "12,345 in Clothing (",
              "image": ["https://x/1.jpg"], "description": ["Great ", "heels"]}
    path = tmp_path / "meta_2018.json"
    path.write_text(json.dumps(record) + "\n")
    row = read_metadata(path).rows.row(0, named=True)
    assert row[C.PRICE] == 24.99 and row[C.SALES_RANK] == 12345
    assert row[C.CATEGORIES] == "Clothing, Shoes & Jewelry > Women > Shoes"
    assert (row[C.COLOUR], row[C.CATEGORY]) == ("red", "shoes")
    assert row[C.ALSO_BOUGHT] == ["B1"] and row[C.IMAGE_URL] == "https://x/1.jpg"


def test_garbage_file_fails_with_its_name(tmp_path):
    path = _write(tmp_path / "garbage.json.gz", ["<html>", "</html>"])
    with pytest.raises(MalformedFileError, match="garbage.json.gz"):
        read_metadata(path)
