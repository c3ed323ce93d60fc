"""The sampled softmax: shared negatives (uniform and popularity with logQ), and SASRec trained
with it once the catalogue is above the full-softmax size."""

import numpy as np
import pytest
import torch

from fashion_pipeline.recsys.models.sasrec import SASRec
from fashion_pipeline.recsys.sampling import SharedNegatives
from fashion_pipeline.recsys.train_config import TrainConfig
from fashion_pipeline.recsys.training import UserItems, _sampled_sequence_loss, train_sequential


def test_uniform_draws_are_distinct_seeded_and_uncorrected():
    items = np.array([0, 0, 1, 2])
    draw = lambda seed: SharedNegatives(items, 1000, 64, "uniform", np.random.default_rng(seed), torch.device("cpu")).draw()
    neg, log_kq = draw(3)
    assert len(neg) == 64 and len(torch.unique(neg)) == 64 and log_kq is None
    assert int(neg.min()) >= 0 and int(neg.max()) < 1000
    assert torch.equal(neg, draw(3)[0]) and not torch.equal(neg, draw(4)[0])


def test_popularity_draws_follow_the_counts_and_carry_log_k_q():
    # item 0 holds 90% of the interactions, items 1-9 the rest; items 10-19 none
    items = np.concatenate([np.zeros(900, dtype=np.int64), np.repeat(np.arange(1, 10), 100 // 9 + 1)[:100]])
    q = np.bincount(items, minlength=20) / len(items)
    negatives = SharedNegatives(items, 20, 5, "popularity", np.random.default_rng(0), torch.device("cpu"))
    seen = []
    for _ in range(400):
        neg, log_kq = negatives.draw()
        assert len(torch.unique(neg)) == len(neg) <= 5
        assert torch.allclose(log_kq, torch.log(torch.as_tensor(5 * q[neg.numpy()], dtype=torch.float32)))
        seen.append(neg.numpy())
    seen = np.concatenate(seen)
    assert not np.isin(seen, np.arange(10, 20)).any()  # never an item nobody interacted with
    assert (seen == 0).mean() > 2 * (seen == 1).mean()


def test_unknown_sampling_is_refused():
    with pytest.raises(ValueError, match="softmax_sampling must be one of uniform, popularity"):
        SharedNegatives(np.array([0]), 5, 2, "hard", np.random.default_rng(0), torch.device("cpu"))


class _EveryItem:
    """Negatives that are the whole catalogue: the sampled loss must then equal the full softmax
    with the user's other items left out."""

    def __init__(self, n_items):
        self.n_items = n_items

    def draw(self):
        return torch.arange(self.n_items), None


def test_sampled_loss_over_every_item_is_the_full_softmax_without_the_users_other_items():
    torch.manual_seed(0)
    n_users, n_items = 3, 12
    model = SASRec(n_users, n_items, factors=8, blocks=1, max_len=4, dropout=0.0).eval()
    # users' histories as tokens (item + 1), left-padded; targets are the next items
    x = torch.tensor([[0, 3, 5, 7], [0, 0, 2, 9], [1, 4, 6, 8]])
    y = torch.tensor([[0, 5, 7, 11], [0, 0, 9, 10], [4, 6, 8, 12]])
    users = torch.arange(3)
    valid = (x > 0) & (y > 0)
    owned_items = {u: sorted({int(t) - 1 for t in torch.cat([x[u], y[u]]) if t > 0}) for u in range(3)}
    train_users = np.concatenate([[u] * len(v) for u, v in owned_items.items()])
    train_items = np.concatenate(list(owned_items.values()))
    owned = UserItems(train_users, train_items, n_users, torch.device("cpu"))
    hidden, target = model.encode(x)[valid], y[valid] - 1
    got = _sampled_sequence_loss(model, hidden, target, users, valid, owned, _EveryItem(n_items), 1.0)

    logits = model.item_logits(hidden)
    position_user = users[:, None].expand_as(x)[valid]
    expected = []
    for row, (u, t) in enumerate(zip(position_user.tolist(), target.tolist())):
        others = [i for i in owned_items[u] if i != t]
        kept = torch.ones(n_items, dtype=torch.bool)
        kept[others] = False
        expected.append(torch.logsumexp(logits[row][kept], 0) - logits[row, t])
    assert torch.allclose(got, torch.stack(expected).mean(), atol=1e-5)


def _two_taste_sequences(n_users=60, n_items=40, per_user=6, seed=0):
    """Even users walk through the first half of the catalogue in order, odd users the second."""
    rng = np.random.default_rng(seed)
    half = n_items // 2
    starts = rng.integers(0, half - per_user, n_users)
    users = np.repeat(np.arange(n_users), per_user)
    items = (starts[:, None] + np.arange(per_user)).ravel() + np.where(users % 2, half, 0)
    times = np.tile(np.arange(per_user), n_users).astype(np.int64)
    return users, items, times, n_users, n_items


@pytest.mark.parametrize("sampling", ["uniform", "popularity"])
def test_sasrec_learns_with_the_sampled_softmax_above_the_full_softmax_size(sampling, monkeypatch):
    users, items, times, n_users, n_items = _two_taste_sequences()
    draws = []
    real_draw = SharedNegatives.draw
    monkeypatch.setattr(SharedNegatives, "draw", lambda self: draws.append(1) or real_draw(self))
    torch.manual_seed(0)
    model = SASRec(n_users, n_items, factors=16, blocks=1, max_len=8, dropout=0.0)
    cfg = TrainConfig(epochs=30, batch_size=16, lr=0.01, softmax_negatives=8, softmax_sampling=sampling,
                      full_softmax_max_items=n_items - 1, device="cpu")
    result = train_sequential(model, users, items, times, cfg)
    assert len(draws) == 30 * int(np.ceil(n_users / 16))  # one draw per batch: the sampled path ran
    losses = [h["loss"] for h in result.history]
    assert all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0]
    # the next item after each user's history comes from the user's own half of the catalogue
    scores = model.eval().score_users(torch.arange(n_users)).detach()
    top = scores.argmax(1).numpy()
    own_half = (top >= n_items // 2) == (np.arange(n_users) % 2 == 1)
    assert own_half.mean() > 0.9


def test_sasrec_keeps_the_full_softmax_for_a_small_catalogue(monkeypatch):
    users, items, times, n_users, n_items = _two_taste_sequences()
    monkeypatch.setattr(SharedNegatives, "draw", lambda self: pytest.fail("sampled a small catalogue"))
    model = SASRec(n_users, n_items, factors=8, blocks=1, max_len=8, dropout=0.0)
    result = train_sequential(model, users, items, times, TrainConfig(epochs=2, batch_size=16, device="cpu"))
    assert len(result.history) == 2
