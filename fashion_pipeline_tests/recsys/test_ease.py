"""EASE: the closed form by hand, the size guard, lambda chosen on validation and reused."""

import numpy as np
import pytest

from fashion_pipeline.recsys.experiment import ModelConfigs, fit, fit_and_evaluate
from fashion_pipeline.recsys.models.ease import EASE, EASEConfig, closed_form, gram, memory_needed
from fashion_pipeline.recsys.persistence import load_fitted, save_fitted


def test_two_item_closed_form_equals_the_hand_computation():
    # users: {0, 1}, {0}, {0, 1}, {1}: G = X^T X = [[3, 2], [2, 3]]
    users, items = np.array([0, 0, 1, 2, 2, 3]), np.array([0, 1, 0, 0, 1, 1])
    lam = 1.0
    model = EASE(4, 2, EASEConfig()).fit(users, items, lam)
    # P = (G + I)^-1 = [[4, -2], [-2, 4]] / 12; B_ij = -P_ij / P_jj = 2 / 4 off the diagonal
    np.testing.assert_allclose(model.B, [[0.0, 0.5], [0.5, 0.0]], atol=1e-6)
    assert model.B.dtype == np.float32
    # scores = X_u B: user 1 has item 0 only, so item 1 scores B_01 = 0.5
    np.testing.assert_allclose(model.score(np.array([1, 3])), [[0.0, 0.5], [0.5, 0.0]], atol=1e-6)


def test_closed_form_equals_the_formula_on_a_tiny_asymmetric_matrix():
    x = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 0, 1], [1, 0, 0]], dtype=np.float32)
    g = x.T @ x  # [[4, 2, 2], [2, 2, 1], [2, 1, 3]]
    lam = 2.0
    p = np.linalg.inv(g.astype(np.float64) + lam * np.eye(3))
    expected = np.eye(3) - p / np.diag(p)[None, :]
    before = g.copy()
    b = closed_form(g, lam)
    np.testing.assert_allclose(b, expected, atol=1e-6)
    assert np.array_equal(g, before)  # G is reused across the lambda grid
    assert np.all(np.diag(b) == 0)
    # column 1 by hand: B_01 = -P_01 / P_11
    assert b[0, 1] == pytest.approx(-p[0, 1] / p[1, 1], abs=1e-6)


def test_gram_counts_a_repeated_purchase_once():
    model = EASE(2, 3, EASEConfig())
    x = model.set_interactions(np.array([0, 0, 0, 1]), np.array([1, 1, 2, 1]))
    np.testing.assert_array_equal(gram(x), [[0, 0, 0], [0, 2, 1], [0, 1, 1]])


def test_a_catalogue_above_max_items_is_refused_naming_size_and_memory():
    model = EASE(3, 40_000, EASEConfig())
    with pytest.raises(ValueError, match=r"40,000 items \(max_items is 30,000\).*17\.9 GiB"):
        model.set_interactions(np.array([0]), np.array([5]))
    assert memory_needed(40_000) == 3 * 40_000 ** 2 * 4


def test_lambda_is_chosen_on_validation_and_reused_by_the_refits(small_sample_split, tmp_path):
    configs = ModelConfigs()
    configs.ease.lambdas = (1.0, 30.0, 300.0, 3000.0)
    metrics, fits = fit_and_evaluate("ease", small_sample_split, configs, {}, serve=True)
    history = fits["validation"].history
    assert [r["lambda"] for r in history] == list(configs.ease.lambdas)
    best = max(history, key=lambda r: r["val_ndcg@10"])["lambda"]
    assert metrics["chosen"] == {"lambda": best}
    assert float(fits["test"].model.lam) == float(fits["serve"].model.lam) == best
    # the validation fit's matrix is the chosen lambda's
    np.testing.assert_allclose(fits["validation"].model.B, EASE(small_sample_split.n_users, small_sample_split.n_items)
                               .fit(*small_sample_split.fit_data("validation")[:2], best).B, atol=1e-5)
    # saved as numpy arrays, loaded back to the same scores
    save_fitted(fits["serve"], tmp_path / "ease")
    loaded = load_fitted("ease", "serve", tmp_path / "ease", small_sample_split.n_users, small_sample_split.n_items)
    users = np.arange(50)
    np.testing.assert_array_equal(loaded.scorer.score(users), fits["serve"].scorer.score(users))
    assert float(loaded.model.lam) == best


def test_without_validation_the_fallback_lambda_is_used(small_sample_split):
    configs = ModelConfigs()
    fitted = fit("ease", small_sample_split, "test", configs)
    assert fitted.chosen == {"lambda": configs.ease.fallback_lambda}
