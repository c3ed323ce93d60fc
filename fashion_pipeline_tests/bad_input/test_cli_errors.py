"""Every CLI command turns an expected failure into one line on stderr and exit code 2: no
traceback, and nothing written before is changed."""

from __future__ import annotations

import gzip
import subprocess
import sys

import pytest
from PIL import Image

from fashion_pipeline.cli import main
from fashion_pipeline.sample.writers import REVIEWS_FILE


@pytest.fixture
def warehouse(tiny_warehouse):
    return tiny_warehouse


def _one_line_error(capsys, *fragments: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and all(f in err for f in fragments), err
    return err


@pytest.mark.parametrize("sql, fragment", [
    ("COPY (SELECT 1) TO '{target}'", "COPY"),
    ("SELECT * FROM read_text('/etc/hostname')", "outside the warehouse"),
    ("CREATE TABLE x AS SELECT 1", "CREATE"),
    ("DROP TABLE products", "DROP"),
    ("SELECT * FROM no_such_table", "no_such_table"),
])
def test_query_refusals_are_one_line_and_change_nothing(warehouse, tmp_path, capsys, sql, fragment):
    target = tmp_path / "parsed.parquet"
    target.write_bytes(b"earlier output")
    before = warehouse.read_bytes()
    assert main(["query", sql.format(target=target), "--warehouse", str(warehouse)]) == 2
    _one_line_error(capsys, fragment)
    assert target.read_bytes() == b"earlier output" and warehouse.read_bytes() == before


@pytest.mark.parametrize("k", ["0", "-1"])
def test_recommend_with_k_below_one(warehouse, capsys, k):
    assert main(["recommend", "--user", "U1", "-k", k, "--warehouse", str(warehouse)]) == 2
    _one_line_error(capsys, "k must be at least 1")


def test_recommend_and_query_while_a_step_writes_the_warehouse(warehouse, capsys):
    hold = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\nc = duckdb.connect(sys.argv[1])\n"
                             "print('locked', flush=True)\ntime.sleep(60)", str(warehouse)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert hold.stdout.readline().strip() == "locked"
        assert main(["recommend", "--user", "U1", "--warehouse", str(warehouse)]) == 2
        _one_line_error(capsys, "is busy")
    finally:
        hold.kill()
        hold.wait()
    assert main(["query", "SELECT count(*) AS n FROM products", "--warehouse", str(warehouse)]) == 0


@pytest.mark.parametrize("make, fragment", [
    (lambda p: p.write_text("not an image at all"), "not an image"),
    (lambda p: Image.new("1", (20_000, 20_000)).save(p), "megapixels"),
])
def test_similar_refuses_a_bad_photo_before_decoding(tmp_path, capsys, make, fragment):
    photo = tmp_path / "query.png"
    make(photo)
    assert main(["similar", "--image", str(photo), "--data-dir", str(tmp_path)]) == 2
    _one_line_error(capsys, str(photo))


def test_evaluate_on_a_truncated_gzip_names_the_file(small_sample, tmp_path, capsys):
    whole = (small_sample / REVIEWS_FILE).read_bytes()
    assert gzip.decompress(whole)  # the original is a complete gzip
    truncated = tmp_path / REVIEWS_FILE
    truncated.write_bytes(whole[: len(whole) // 2])
    assert main(["evaluate", "--reviews", str(truncated), "--models", "popularity"]) == 2
    _one_line_error(capsys, str(truncated), "last complete line")
