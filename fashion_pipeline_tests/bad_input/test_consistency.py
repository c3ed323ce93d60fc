"""Artifacts that must agree are checked, never joined by position when they do not."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C

from fashion_pipeline.sources.errors import InconsistentDataError


def _vectors(n, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, 8)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_id_map_newer_than_its_index_is_detected(tmp_path):
    from fashion_pipeline.columns import INDEX_POSITION as POSITION
    from fashion_pipeline.vision.index import build_index, id_map_path, load_index, save_index

    path = tmp_path / "index" / "items.faiss"
    ids = [f"A{i:03d}" for i in range(20)]
    save_index(build_index(_vectors(20), kind="exact"), ids, path)
    index, loaded = load_index(path)
    assert loaded.tolist() == ids and index.ntotal == 20

    # a crash between the writes of the next run: its id map (same count, other order) landed, its index did not
    shifted = ids[1:] + ids[:1]
    pl.DataFrame({POSITION: np.arange(20), "asin": shifted}).write_parquet(id_map_path(path))
    with pytest.raises(InconsistentDataError, match=r"items_ids\.parquet does not match .*items\.faiss\.json"):
        load_index(path)


def test_index_replaced_without_its_json_is_detected(tmp_path):
    import faiss

    from fashion_pipeline.vision.index import build_index, load_index, save_index

    path = tmp_path / "items.faiss"
    save_index(build_index(_vectors(10), kind="exact"), [str(i) for i in range(10)], path)
    faiss.write_index(build_index(_vectors(12, seed=1), kind="exact"), str(path))
    with pytest.raises(InconsistentDataError, match=r"items\.faiss does not match"):
        load_index(path)


def test_dvbpr_with_another_item_count_fails_naming_both_counts(small_sample, tmp_path):
    from fashion_pipeline.sample.writers import DVBPR_FILE
    from fashion_pipeline.sources.dvbpr import load_dvbpr
    from fashion_pipeline.vision.item_colours import colours_from_dvbpr
    from fashion_pipeline.vision.item_images import MANIFEST, images_from_dvbpr

    npy = small_sample / DVBPR_FILE
    n = len(load_dvbpr(npy).items)
    catalogue = [f"B{i:09d}" for i in range(n + 7)]
    out = tmp_path / "images"
    out.mkdir()
    (out / MANIFEST).write_bytes(b"earlier manifest")
    with pytest.raises(InconsistentDataError, match=rf"holds {n:,} items but the product catalogue has {n + 7:,}"):
        images_from_dvbpr(npy, out, catalogue_asins=catalogue)
    assert (out / MANIFEST).read_bytes() == b"earlier manifest"
    assert [p.name for p in out.iterdir()] == [MANIFEST]  # no image named 0.jpg ... written
    with pytest.raises(InconsistentDataError, match=rf"{n:,} items .* {n + 7:,}"):
        colours_from_dvbpr(npy, catalogue_asins=catalogue)
    # the matching catalogue still maps item i to the i-th asin in sorted order
    result = images_from_dvbpr(npy, tmp_path / "ok", catalogue_asins=catalogue[:n][::-1])
    assert result.manifest[C.ITEM_ID].to_list() == catalogue[:n]
