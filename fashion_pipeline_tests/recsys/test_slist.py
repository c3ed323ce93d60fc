"""SLIST: the closed form against the objective it minimises, EASE as its alpha = 1 case, the
recency-weighted scores, the choice on validation and its reuse by the refits."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from fashion_pipeline.recsys.models.ease import EASE
from fashion_pipeline.recsys.models.slist import (
    SLIST, SLISTConfig, Gram, check_catalogue, choose, solve, time_ordered, transitions,
)
from fashion_pipeline.recsys.registry import FitData, ModelConfigs, get_model


def _toy(seed=0, n_users=40, n_items=12, per_user=5):
    rng = np.random.default_rng(seed)
    users = np.repeat(np.arange(n_users), per_user)
    items = np.concatenate([rng.choice(n_items, per_user, replace=False) for _ in range(n_users)])
    times = np.tile(np.arange(per_user), n_users) * 86400 + 1_300_000_000
    shuffle = rng.permutation(len(users))  # the model must order by time itself
    return users[shuffle], items[shuffle], times[shuffle], n_users, n_items


def test_transition_rows_weigh_earlier_purchases_by_how_far_back():
    # one user buying items 3, 1, 4, 2 in that order (given out of order)
    u, i, from_end = time_ordered(np.zeros(4, np.int64), np.array([4, 3, 2, 1]), np.array([30, 10, 40, 20]))
    assert i.tolist() == [3, 1, 4, 2] and from_end.tolist() == [3, 2, 1, 0]
    s, t = transitions(u, i, 5, decay=2.0, max_lag=2)
    s, t = s.toarray(), t.toarray()
    assert not s[0].any() and not t[0].any()  # the first purchase has nothing before it
    assert t[3].tolist() == [0, 0, 1, 0, 0]  # the target of the last row is item 2
    expected = np.zeros(5)
    expected[4], expected[1] = 1.0, math.exp(-0.5)  # just before: 1; two back: exp(-1/2); three back: cut
    assert np.allclose(s[3], expected)


def test_closed_form_minimises_the_objective_with_a_zero_diagonal():
    users, items, times, n_users, n_items = _toy()
    model = SLIST(n_users, n_items, SLISTConfig(train_decay=2.0, max_lag=3))
    g = model.set_interactions(users, items, times)
    lam, alpha = 5.0, 0.4
    b = solve(g, lam, alpha).astype(np.float64)
    assert np.allclose(np.diag(b), 0.0)
    # KKT: the gradient of the objective is zero off the diagonal (the constraint's multipliers
    # take up the diagonal)
    xtx, sts, stt = g.xtx.astype(np.float64), g.sts.toarray(), g.stt.toarray()
    grad = -alpha * (xtx - xtx @ b) - (1 - alpha) * (stt - sts @ b) + lam * b
    off = ~np.eye(n_items, dtype=bool)
    assert np.abs(grad[off]).max() < 1e-3 * np.abs(xtx).max()
    # and it beats a perturbed B on the objective
    def objective(m):
        return (alpha * np.trace(xtx - 2 * xtx @ m + m.T @ xtx @ m)
                + (1 - alpha) * np.trace(m.T @ sts @ m - 2 * stt.T @ m) + lam * (m ** 2).sum())
    noise = np.random.default_rng(1).normal(scale=0.01, size=b.shape) * off
    assert objective(b) < objective(b + noise)


def test_alpha_one_with_binary_scores_is_ease():
    users, items, times, n_users, n_items = _toy(seed=2)
    model = SLIST(n_users, n_items)
    g = model.set_interactions(users, items, times)
    model.use(solve(g, 10.0, 1.0), 10.0, 1.0, math.inf)
    ease = EASE(n_users, n_items).fit(users, items, 10.0)
    assert np.allclose(model.score(np.arange(n_users)), ease.score(np.arange(n_users)), atol=1e-4)


def test_scores_weigh_the_latest_purchase_most_and_match_an_unseen_history():
    users, items, times, n_users, n_items = _toy(seed=3)
    model = SLIST(n_users, n_items)
    g = model.set_interactions(users, items, times)
    model.use(solve(g, 10.0, 0.5), 10.0, 0.5, 1.0)
    user = 7
    history = model.seq_items[model.seq_users == user]  # oldest first
    weights = np.exp(-np.arange(len(history) - 1, -1, -1) / 1.0)
    expected = (weights[:, None] * model.B[history]).sum(0)
    assert np.allclose(model.score(np.array([user]))[0], expected, atol=1e-5)
    assert np.allclose(model.score_histories(history), expected, atol=1e-5)


def test_choice_on_validation_is_the_best_setting_and_refits_reuse_it():
    users, items, times, n_users, n_items = _toy(seed=4)
    cfg = SLISTConfig(lambdas=(1.0, 10.0, 100.0), alphas=(0.2, 0.5, 0.8), score_decays=(1.0, math.inf))
    model = SLIST(n_users, n_items, cfg)
    g = model.set_interactions(users, items, times)
    # validation NDCG peaks at lambda 10, alpha 0.8, score decay 1
    def validate(m):
        lam, alpha, decay = float(m.lam), float(m.alpha), float(m.score_decay)
        return {"ndcg@10": 1.0 - (math.log10(lam) - 1) ** 2 - (alpha - 0.8) ** 2 + (0.5 if decay == 1.0 else 0.0)}

    history = choose(model, g, validate)
    # lambda at the middle alpha (3 x 2 decays), then the two other alphas at the best lambda
    assert [(r["lambda"], r["alpha"]) for r in history[::2]] == [(1.0, 0.5), (10.0, 0.5), (100.0, 0.5),
                                                                (10.0, 0.2), (10.0, 0.8)]
    assert (float(model.lam), float(model.alpha), float(model.score_decay)) == (10.0, pytest.approx(0.8), 1.0)
    assert np.allclose(model.B, solve(g, 10.0, 0.8))
    spec = get_model("slist")
    configs = ModelConfigs(slist=cfg)
    data = FitData(users, items, times, n_users, n_items)
    chosen = {"lambda": 100.0, "alpha": 0.2, "score_decay": 1.0}
    refit, result = spec.fit(data, configs, {}, chosen=chosen)
    assert result.chosen == chosen and float(refit.lam) == 100.0 and float(refit.alpha) == pytest.approx(0.2)


def test_size_guard_names_the_size_and_memory():
    with pytest.raises(ValueError, match=r"SLIST refuses a catalogue of 30,000 items .* GiB"):
        check_catalogue(30_000, SLISTConfig(max_items=25_000))
