import io

import numpy as np
import polars as pl
import pytest
from PIL import Image

from fashion_pipeline import columns as C
from fashion_pipeline.sample.writers import DVBPR_FILE, INSHOP_DIR
from fashion_pipeline.sources.deepfashion import image_path, read_inshop
from fashion_pipeline.sources.dvbpr import load_dvbpr
from fashion_pipeline.sources.rejects import MalformedFileError


def _save(path, parts):
    arr = np.empty(6, dtype=object)
    for i, p in enumerate(parts):
        arr[i] = p
    np.save(path, arr, allow_pickle=True)
    return path


def test_dvbpr_accepts_bytes_keys_like_python2_pickles(tmp_path):
    img = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(img, format="JPEG")
    items = [{b"imgs": img.getvalue(), b"c": np.eye(6)[2]}, {"imgs": b"not an image", "c": np.eye(6)[5]}]
    train = {0: [{b"productid": 0}], 1: [{"productid": 1}, {"productid": 0}]}
    data = load_dvbpr(_save(tmp_path / "x.npy", [train, {0: [{"productid": 1}]}, {0: [{"productid": 0}]}, items, 2, 2]))
    assert data.items["category_index"].to_list() == [2, 5]
    assert data.items["image_bytes"][0] == img.getvalue()
    assert sorted(data.interactions.filter(data.interactions["partition"] == "train").rows()) == [
        (0, 0, "train"), (1, 0, "train"), (1, 1, "train")]
    assert (data.usernum, data.itemnum) == (2, 2)


def test_dvbpr_wrong_shape_names_the_file(tmp_path):
    path = tmp_path / "bad.npy"
    np.save(path, np.arange(3))
    with pytest.raises(MalformedFileError, match="bad.npy"):
        load_dvbpr(path)


def test_sample_dvbpr_decodes(small_sample):
    data = load_dvbpr(small_sample / DVBPR_FILE)
    assert len(data.items) == data.itemnum
    img = Image.open(io.BytesIO(data.items["image_bytes"][0]))
    assert img.format == "JPEG"
    # leave-last-out: one validation and one test interaction per user
    per_user = data.interactions.group_by("user_index", "partition").len()
    assert set(per_user.filter(per_user["partition"] != "train")["len"].to_list()) == {1}


def test_inshop_sample_boxes_hold_the_garment(small_sample):
    root = small_sample / INSHOP_DIR
    result = read_inshop(root)
    table = result.rows
    assert result.rejects.is_empty() and result.stats["without_partition"] == 0
    assert len(table) == result.stats["declared"]
    assert set(table[C.SPLIT].unique()) <= {"train", "query", "gallery"}
    # items never straddle train and query/gallery
    per_item = table.group_by(C.DF_ITEM_ID).agg((pl.col(C.SPLIT) == "train").alias("t"))
    assert all(len(set(v)) == 1 for v in per_item["t"].to_list())
    row = table.row(0, named=True)
    img = np.asarray(Image.open(image_path(root, row[C.IMAGE_NAME])).convert("RGB")).astype(int)
    assert img.shape == (256, 256, 3)
    inside = img[row[C.BOX_Y1]:row[C.BOX_Y2], row[C.BOX_X1]:row[C.BOX_X2]]
    outside = img.copy()
    outside[row[C.BOX_Y1]:row[C.BOX_Y2] + 1, row[C.BOX_X1]:row[C.BOX_X2] + 1] = -1
    background = outside[outside[..., 0] >= 0]
    # outside the box is the plain studio background; inside the box is mostly something else
    assert np.abs(background - background.mean(axis=0)).mean() < 12
    assert (np.abs(inside - background.mean(axis=0)).sum(axis=2) > 40).mean() > 0.3


def test_inshop_bad_rows_are_rejected(tmp_path):
    root = tmp_path / "inshop"
    (root / "Anno").mkdir(parents=True)
    (root / "Eval").mkdir()
    rows = [f"img/WOMEN/Dresses/id_0000000{i}/02_1_front.jpg 3 1 10 10 100 200" for i in range(1, 5)]
    rows += ["img/WOMEN/Dresses/id_00000009/02_1_front.jpg 3 1 10 10", "img/x.jpg 7 1 10 10 100 200"]
    (root / "Anno/list_bbox_inshop.txt").write_text(
        f"{len(rows)}\nimage_name clothes_type pose_type x_1 y_1 x_2 y_2\n" + "\n".join(rows) + "\n")
    (root / "Eval/list_eval_partition.txt").write_text(
        "1\nimage_name item_id evaluation_status\nimg/WOMEN/Dresses/id_00000001/02_1_front.jpg id_00000001 train\n")
    result = read_inshop(root)
    assert len(result.rows) == 4
    assert sorted(result.rejects[C.LINE_NUMBER].to_list()) == [7, 8]
    assert result.stats["without_partition"] == 3


def test_inshop_wrong_header_names_file_and_line(tmp_path):
    (tmp_path / "Anno").mkdir()
    (tmp_path / "Anno/list_bbox_inshop.txt").write_text("1\nfoo bar\n")
    with pytest.raises(MalformedFileError, match=r"list_bbox_inshop.txt, line 2"):
        read_inshop(tmp_path)
