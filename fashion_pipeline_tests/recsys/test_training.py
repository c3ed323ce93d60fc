"""The shared training loop: it learns, it is seeded, and early stopping ends on the best epoch."""

import numpy as np
import pytest
import torch

from fashion_pipeline.recsys.models.gmf import GMF
from fashion_pipeline.recsys.train_config import TrainConfig
from fashion_pipeline.recsys.training import TorchScorer, train_pointwise


def tiny_data(n_users=30, n_items=25, per_user=5, seed=0):
    rng = np.random.default_rng(seed)
    users = np.repeat(np.arange(n_users), per_user)
    # two taste groups: even users buy from the first half of the catalogue, odd from the second
    half = n_items // 2
    items = np.concatenate([rng.choice(half, per_user, replace=False) + (half if u % 2 else 0)
                            for u in range(n_users)])
    return users, items, n_users, n_items


@pytest.mark.parametrize("loss", ["bce", "softmax"])
def test_a_tiny_run_lowers_the_loss(loss):
    users, items, n_users, n_items = tiny_data()
    torch.manual_seed(0)
    model = GMF(n_users, n_items, 8)
    cfg = TrainConfig(epochs=15, batch_size=32, lr=0.05, loss=loss, softmax_negatives=10, device="cpu")
    result = train_pointwise(model, users, items, n_items, cfg)
    losses = [h["loss"] for h in result.history]
    assert len(losses) == 15 and all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0]
    assert result.best_epoch == 15  # no validation: the last epoch is the one kept


def test_training_is_seeded():
    users, items, n_users, n_items = tiny_data()
    cfg = TrainConfig(epochs=2, batch_size=32, device="cpu", seed=3)
    scores = []
    for _ in range(2):
        torch.manual_seed(0)
        model = GMF(n_users, n_items, 8)
        train_pointwise(model, users, items, n_items, cfg)
        scores.append(TorchScorer(model, torch.device("cpu")).score(np.arange(n_users)))
    assert np.array_equal(scores[0], scores[1])


def test_early_stopping_keeps_the_best_epochs_weights():
    users, items, n_users, n_items = tiny_data()
    torch.manual_seed(0)
    model = GMF(n_users, n_items, 8)
    scripted = iter([0.10, 0.30, 0.20, 0.25, 0.90, 0.95])  # best at epoch 2, then two stale epochs
    weights = []

    def validate(scorer):
        weights.append({k: v.clone() for k, v in scorer.model.state_dict().items()})
        return {"ndcg@10": next(scripted)}

    cfg = TrainConfig(epochs=6, batch_size=32, lr=0.05, patience=2, device="cpu")
    result = train_pointwise(model, users, items, n_items, cfg, validate=validate)
    assert [h["epoch"] for h in result.history] == [1, 2, 3, 4]  # stopped after `patience` stale epochs
    assert result.best_epoch == 2 and result.best_ndcg == pytest.approx(0.30)
    assert [h["val_ndcg@10"] for h in result.history] == pytest.approx([0.10, 0.30, 0.20, 0.25])
    final = model.state_dict()
    assert all(torch.equal(final[k], weights[1][k]) for k in final)  # epoch 2's weights
    assert not all(torch.equal(final[k], weights[3][k]) for k in final)  # not the last epoch's


def test_epochs_argument_overrides_the_config():
    users, items, n_users, n_items = tiny_data()
    model = GMF(n_users, n_items, 4)
    result = train_pointwise(model, users, items, n_items, TrainConfig(epochs=9, device="cpu"), epochs=2)
    assert len(result.history) == 2


def test_a_trained_start_is_kept_when_no_epoch_beats_it():
    users, items, n_users, n_items = tiny_data()
    torch.manual_seed(0)
    model = GMF(n_users, n_items, 8)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    scripted = iter([0.50, 0.40, 0.45, 0.30])  # the start (epoch 0) is best

    def validate(scorer):
        return {"ndcg@10": next(scripted)}

    cfg = TrainConfig(epochs=6, batch_size=32, lr=0.05, patience=3, device="cpu")
    result = train_pointwise(model, users, items, n_items, cfg, validate=validate, trained_start=True)
    assert [h["epoch"] for h in result.history] == [0, 1, 2, 3]
    assert result.best_epoch == 0 and result.best_ndcg == pytest.approx(0.50)
    assert all(torch.equal(model.state_dict()[k], start[k]) for k in start)  # fine-tuning undone
    # the refit on train + validation then trains the 0 epochs that won: the start, unchanged
    refit = train_pointwise(model, users, items, n_items, cfg, epochs=0, trained_start=True)
    assert refit.history == [] and refit.best_epoch == 0
    assert all(torch.equal(model.state_dict()[k], start[k]) for k in start)


def test_a_fresh_start_is_not_validated_before_training():
    users, items, n_users, n_items = tiny_data()
    model = GMF(n_users, n_items, 4)
    calls = []

    def validate(scorer):
        calls.append(1)
        return {"ndcg@10": 0.1 * len(calls)}

    result = train_pointwise(model, users, items, n_items, TrainConfig(epochs=3, device="cpu"), validate=validate)
    assert [h["epoch"] for h in result.history] == [1, 2, 3] and len(calls) == 3
