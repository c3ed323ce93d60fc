"""Blends: per-user z-scores, a weight chosen on validation only, reused and saved."""

import dataclasses

import numpy as np
import pytest

from fashion_pipeline.recsys.blend import Blend, BlendConfig, znorm
from fashion_pipeline.recsys.experiment import ModelConfigs, fit, fit_and_evaluate
from fashion_pipeline.recsys.persistence import load_fitted, save_fitted
from fashion_pipeline.recsys.recommend import top_k


def test_znorm_is_per_user_and_the_grid_holds_both_models_alone():
    z = znorm(np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 10.0]]))
    np.testing.assert_allclose(z[0], [-1.2247449, 0.0, 1.2247449], atol=1e-6)
    assert np.all(z[1] == 0)  # a constant row
    assert {0.0, 1.0} <= set(BlendConfig().weights)


def test_blend_weight_one_and_zero_are_the_parts_alone():
    class S:
        def __init__(self, s):
            self.s = np.asarray(s, np.float32)

        def score(self, users):
            return self.s[users]

    a, b = S([[3, 1, 2]]), S([[1, 2, 30]])
    users = np.array([0])
    assert np.argmax(Blend(a, b, 1.0).score(users)) == 0 and np.argmax(Blend(a, b, 0.0).score(users)) == 2
    np.testing.assert_allclose(Blend(a, b, 0.5).score(users), 0.5 * znorm(a.s) + 0.5 * znorm(b.s))


@pytest.fixture(scope="module")
def parts(small_sample_split):
    configs = ModelConfigs()
    configs.sasrec.train.epochs, configs.sasrec.train.device = 2, "cpu"
    configs.als.factors, configs.als.iterations = 16, 3
    fits = {stage: {} for stage in ("validation", "test")}
    for name in ("sasrec", "als"):
        _, f = fit_and_evaluate(name, small_sample_split, configs, fits)
        for stage in fits:
            fits[stage][name] = f[stage]
    return configs, fits


def test_the_weight_comes_from_validation_only(small_sample_split, parts):
    configs, fits = parts
    split = small_sample_split
    metrics, blend_fits = fit_and_evaluate("sasrec+als", split, configs, fits)
    weight = metrics["chosen"]["weight"]
    assert weight in configs.blend.weights
    assert blend_fits["test"].model.weight == pytest.approx(weight)  # the refit reuses it
    # other test targets: the same weight (the test metrics change, the choice does not)
    rng = np.random.default_rng(1)
    shuffled = dataclasses.replace(split, test_item=np.where(split.test_item >= 0,
                                                             rng.permutation(split.test_item), -1))
    other, _ = fit_and_evaluate("sasrec+als", shuffled, configs, fits)
    assert other["chosen"]["weight"] == weight and other["ndcg@10"] != metrics["ndcg@10"]
    # validation targets that are SASRec's own first choices: SASRec alone (weight 1) wins,
    # so the choice does follow validation
    users = np.flatnonzero(split.val_item >= 0)
    firsts, _ = top_k(fits["validation"]["sasrec"].scorer, users, split.seen_matrix("validation"), k=1)
    val_item = split.val_item.copy()
    val_item[users] = firsts[:, 0]
    favour_sasrec = dataclasses.replace(split, val_item=val_item)
    chosen = fit("sasrec+als", favour_sasrec, "validation", configs, pretrained=fits["validation"]).chosen
    assert chosen == {"weight": 1.0}


def test_a_blend_saves_its_weight_and_loads_its_parts(small_sample_split, parts, tmp_path):
    configs, fits = parts
    fitted = fit("sasrec+als", small_sample_split, "test", configs, pretrained=fits["test"], chosen={"weight": 0.3})
    for f in (fitted, fits["test"]["sasrec"], fits["test"]["als"]):
        save_fitted(f, tmp_path / f.name)
    loaded = load_fitted("sasrec+als", "test", tmp_path / "sasrec+als", small_sample_split.n_users,
                         small_sample_split.n_items, configs)
    users = np.arange(40)
    assert loaded.model.weight == pytest.approx(0.3)
    np.testing.assert_allclose(loaded.scorer.score(users), fitted.scorer.score(users), atol=1e-5)


def test_a_blend_without_validation_or_a_chosen_weight_is_refused(small_sample_split, parts):
    configs, fits = parts
    with pytest.raises(ValueError, match="chosen on validation"):
        fit("sasrec+als", small_sample_split, "test", configs, pretrained=fits["test"])
