import numpy as np
import pytest

from fashion_pipeline.vision.embedder import l2_normalize
from fashion_pipeline.vision.index import (
    IndexConfig, build_index, index_kind, load_index, save_index, search, similar_items,
)


def brute_force(vectors, queries, k):
    sims = queries @ vectors.T
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sims, order, axis=1), order


@pytest.fixture
def vectors():
    return l2_normalize(np.random.default_rng(0).normal(size=(300, 16)))


def test_exact_index_equals_numpy(vectors):
    queries = l2_normalize(np.random.default_rng(1).normal(size=(20, 16)))
    scores, positions = search(build_index(vectors, kind="exact"), queries, 10)
    want_scores, want_positions = brute_force(vectors, queries, 10)
    np.testing.assert_array_equal(positions, want_positions)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_indexes_agree_on_small_data(vectors, kind):
    # Generous search parameters on 300 items: the approximate answer must be the exact one.
    config = IndexConfig(hnsw_ef_search=300, ivf_nlist=4, ivf_nprobe=4)
    _, positions = search(build_index(vectors, config, kind=kind), vectors[:50], 10)
    _, want = brute_force(vectors, vectors[:50], 10)
    assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(positions, want)]) >= 0.99


def test_kind_follows_the_configured_size():
    config = IndexConfig(exact_max_items=100, approximate="ivf")
    assert index_kind(100, config) == "exact" and index_kind(101, config) == "ivf"


@pytest.mark.parametrize("kind", ["exact", "hnsw", "ivf"])
def test_save_and_load_keep_ids_and_search_parameters(vectors, tmp_path, kind):
    ids = [f"A{i:04d}" for i in range(len(vectors))]
    config = IndexConfig(hnsw_ef_search=77, ivf_nlist=5, ivf_nprobe=3)
    index = build_index(vectors, config, kind=kind)
    path = save_index(index, ids, tmp_path / "index" / "items.faiss", config)
    loaded, loaded_ids = load_index(path)
    assert loaded_ids.tolist() == ids and loaded.ntotal == len(ids)
    if kind == "hnsw":
        assert loaded.hnsw.efSearch == 77
    if kind == "ivf":
        assert loaded.nprobe == 3
    np.testing.assert_array_equal(search(loaded, vectors[:5], 3)[1], search(index, vectors[:5], 3)[1])


def test_similar_items_is_top_k_without_self(vectors):
    ids = np.array([f"A{i:04d}" for i in range(len(vectors))], dtype=object)
    table = similar_items(build_index(vectors, kind="exact"), ids, vectors, k=10)
    assert table.height == 300 * 10 and table.columns == ["asin", "rank", "similar_asin", "score"]
    assert (table["asin"] != table["similar_asin"]).all()
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    want = np.argsort(-sims, axis=1, kind="stable")[:, :10]
    got = table.sort("asin", "rank")["similar_asin"].to_numpy().reshape(300, 10)
    np.testing.assert_array_equal(got, ids[want])


def test_similar_items_with_fewer_items_than_k():
    v = l2_normalize(np.eye(3, 4))
    table = similar_items(build_index(v, kind="exact"), np.array(["a", "b", "c"], dtype=object), v, k=10)
    assert table.height == 6 and table.group_by("asin").len()["len"].to_list() == [2, 2, 2]
