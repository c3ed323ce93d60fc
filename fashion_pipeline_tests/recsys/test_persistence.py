"""Saved fits and splits load back to the same thing."""

import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C

from fashion_pipeline.recsys.data import leave_last_out
from fashion_pipeline.recsys.experiment import ModelConfigs, fit
from fashion_pipeline.recsys.persistence import load_fitted, load_split, model_file, save_fitted, save_split


def _interactions(rows):
    return pl.DataFrame(rows, schema=[C.USER_IDX, C.ITEM_IDX, C.TIMESTAMP, C.LINE_NUMBER], orient="row")


@pytest.fixture(scope="module")
def tiny_split():
    rng = np.random.default_rng(0)
    rows = [(u, int(i), t, 100 * u + t) for u in range(40) for t, i in enumerate(rng.choice(200, 6, replace=False))]
    return leave_last_out(_interactions(rows))


def tiny_configs() -> ModelConfigs:
    configs = ModelConfigs()
    configs.gmf.factors = 8
    configs.gmf.train.device = "cpu"
    configs.gmf.train.batch_size = 64
    configs.als.factors, configs.als.iterations = 8, 2
    return configs


@pytest.mark.parametrize("name", ["popularity", "als", "gmf"])
def test_save_and_load_fitted_give_identical_scores(tiny_split, tmp_path, name):
    configs = tiny_configs()
    fitted = fit(name, tiny_split, "test", configs, epochs=1)
    path = save_fitted(fitted, tmp_path / name)
    assert path == model_file(tmp_path / name, name, "test") and path.exists()
    assert path.suffix == (".pt" if name == "gmf" else ".npz")
    loaded = load_fitted(name, "test", tmp_path / name, tiny_split.n_users, tiny_split.n_items, configs)
    users = np.arange(tiny_split.n_users)
    before, after = np.asarray(fitted.scorer.score(users)), np.asarray(loaded.scorer.score(users))
    assert before.shape == (tiny_split.n_users, tiny_split.n_items)
    assert np.array_equal(before, after)
    assert loaded.name == name and loaded.stage == "test"


def test_loading_with_other_sizes_fails(tiny_split, tmp_path):
    configs = tiny_configs()
    save_fitted(fit("gmf", tiny_split, "test", configs, epochs=1), tmp_path)
    configs.gmf.factors = 16
    with pytest.raises(RuntimeError):
        load_fitted("gmf", "test", tmp_path, tiny_split.n_users, tiny_split.n_items, configs)


def test_split_round_trip_keeps_every_array(tiny_split, tmp_path):
    path = save_split(tiny_split, tmp_path / "split.npz")
    back = load_split(path)
    assert (back.n_users, back.n_items) == (tiny_split.n_users, tiny_split.n_items)
    assert isinstance(back.n_users, int)
    for key, value in vars(tiny_split).items():
        assert np.array_equal(np.asarray(getattr(back, key)), np.asarray(value)), key
    assert np.array_equal(back.fit_data("test")[1], tiny_split.fit_data("test")[1])
