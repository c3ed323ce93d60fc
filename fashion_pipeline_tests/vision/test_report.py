"""Report pictures: a user report and a similar-items report render with every item on them."""

from __future__ import annotations

import numpy as np
from PIL import Image

from fashion_pipeline.sample.images import product_photo
from fashion_pipeline.vision.report import Card, write_similar_report, write_user_report


def test_user_report_png_and_html(tmp_path):
    rng = np.random.default_rng(0)
    photos = [product_photo("T-Shirt", c, "solid", 96, rng) for c in ("red", "green", "navy")]
    history = [Card(photos[2], "Navy Tee", ["B1"])]
    recs = [Card(photos[1], "1. Green Tee", ["B2 score 0.9", "model rank 3; complementary to your recent red"]),
            Card(None, "2. No photo", ["B3 score 0.5", "model rank 1"])]
    png = write_user_report("U1", history, recs, tmp_path / "u.png", tmp_path / "u.html")
    with Image.open(png) as im:
        arr = np.asarray(im.convert("RGB"))
    assert arr.shape[1] > 500 and arr.shape[0] > 400
    # the navy purchase and the green recommendation are both drawn (headings are red, text grey)
    assert ((arr[..., 2] > 70) & (arr[..., 0] < 50) & (arr[..., 1] < 60)).sum() > 500
    assert ((arr[..., 1] > 110) & (arr[..., 0] < 80) & (arr[..., 2] < 90)).sum() > 500
    page = (tmp_path / "u.html").read_text()
    assert "complementary to your recent red" in page and page.count("<img") == 3


def test_similar_report_draws_the_box(tmp_path):
    photo = Image.new("RGB", (200, 200), (236, 236, 232))
    results = [{"asin": "B1", "score": 0.93, "title": "Blue Coat", "image": Image.new("RGB", (64, 64), (40, 110, 210))}]
    png = write_similar_report(photo, (50, 50, 150, 150), results, tmp_path / "s.png")
    with Image.open(png) as im:
        arr = np.asarray(im.convert("RGB"))
    red = (arr[..., 0] > 180) & (arr[..., 1] < 70) & (arr[..., 2] < 70)
    assert red.sum() > 200  # the box outline
    assert write_similar_report(photo, None, results, tmp_path / "none.png").exists()
