import numpy as np
import torch

from fashion_pipeline.recsys.evaluation import evaluate
from fashion_pipeline.recsys.experiment import ModelConfigs, fit, run_protocol
from fashion_pipeline.recsys.models.gmf import GMF
from fashion_pipeline.recsys.models.mlp import MLP
from fashion_pipeline.recsys.models.neumf import NeuMF
from fashion_pipeline.recsys.recommend import top_k
from fashion_pipeline.recsys.training import TrainConfig, recency_weights


def test_score_users_matches_forward_for_every_model():
    torch.manual_seed(0)
    gmf, mlp = GMF(7, 11, 4), MLP(7, 11, (8, 4))
    for model in (gmf, mlp, NeuMF.from_pretrained(gmf, mlp)):
        users = torch.tensor([0, 3, 6])
        full = model.score_users(users)
        pairs = model(users.repeat_interleave(11), torch.arange(11).repeat(3)).reshape(3, 11)
        assert torch.allclose(full, pairs, atol=1e-5)


def test_neumf_from_pretrained_mixes_the_two_towers():
    torch.manual_seed(0)
    gmf, mlp = GMF(5, 6, 4), MLP(5, 6, (8, 4))
    neumf = NeuMF.from_pretrained(gmf, mlp, alpha=0.5)
    u, i = torch.tensor([1, 2]), torch.tensor([3, 4])
    assert torch.allclose(neumf(u, i), 0.5 * gmf(u, i) + 0.5 * mlp(u, i), atol=1e-6)


def test_training_is_reproducible(small_sample_split):
    cfg = ModelConfigs()
    cfg.gmf.train.epochs = 2
    a = fit("gmf", small_sample_split, "test", cfg, epochs=2)
    b = fit("gmf", small_sample_split, "test", cfg, epochs=2)
    users = np.arange(50)
    assert np.array_equal(a.scorer.score(users), b.scorer.score(users))


def test_trained_models_beat_popularity_on_the_sample(small_sample_split):
    results, _ = run_protocol(small_sample_split, ["popularity", "gmf"])
    assert results["gmf"]["validation"]["ndcg@10"] > results["popularity"]["validation"]["ndcg@10"]
    assert results["gmf"]["ndcg@10"] > results["popularity"]["ndcg@10"]
    assert results["gmf"]["best_epoch"] >= 1


def test_recommendations_never_contain_seen_items(small_sample_split):
    split = small_sample_split
    fitted = fit("gmf", split, "serve", ModelConfigs(), epochs=2)
    seen = split.seen_matrix("serve")
    users = np.arange(split.n_users)
    items, scores = top_k(fitted.scorer, users, seen, k=10)
    assert items.shape == (split.n_users, 10)
    assert not np.asarray(seen[np.repeat(users, 10), items.ravel()]).any()
    assert (np.diff(scores, axis=1) <= 0).all()  # best first
    assert all(len(set(row)) == 10 for row in items)


def test_recency_weights_halve_per_half_life():
    day = 86_400
    w = recency_weights(np.array([0, 10 * day, 20 * day]), half_life_days=10)
    assert np.allclose(w / w[-1], [0.25, 0.5, 1.0])
    assert recency_weights(np.array([0, day]), None) is None


def test_score_items_matches_forward_for_every_model():
    torch.manual_seed(0)
    gmf, mlp = GMF(7, 11, 4), MLP(7, 11, (8, 4))
    users, items = torch.tensor([0, 3, 6]), torch.tensor([2, 9, 5, 0])
    for model in (gmf, mlp, NeuMF.from_pretrained(gmf, mlp)):
        pairs = model(users.repeat_interleave(4), items.repeat(3)).reshape(3, 4)
        assert torch.allclose(model.score_items(users, items), pairs, atol=1e-5)


def test_softmax_mask_marks_exactly_the_users_own_items():
    from fashion_pipeline.recsys.evaluation import PairSet
    from fashion_pipeline.recsys.training import UserItems

    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 40, 600), rng.integers(0, 25, 600)
    owned = UserItems(users, items, 40, torch.device("cpu"))
    batch = torch.as_tensor(rng.integers(0, 40, 64))
    candidates = torch.as_tensor(rng.permutation(25)[:15])
    mask = owned.mask(batch, candidates, 25).numpy()
    expected = PairSet(users, items, 25).contains(np.repeat(batch.numpy(), 15), np.tile(candidates.numpy(), 64))
    assert mask.any() and not mask.all()
    assert np.array_equal(mask.ravel(), expected)


def test_softmax_loss_beats_popularity_on_the_sample(small_sample_split):
    from fashion_pipeline.recsys.evaluation import evaluate as evaluate_split
    from fashion_pipeline.recsys.baselines import Popularity

    split = small_sample_split
    cfg = ModelConfigs()
    cfg.gmf.train = TrainConfig(loss="softmax", softmax_negatives=1024, temperature=0.2, lr=0.005, l2=0.01,
                                l2_output=1e-3, batch_size=512, epochs=4, patience=2, device="cpu")
    fitted = fit("gmf", split, "validation", cfg)
    users, items, _ = split.fit_data("validation")
    popularity = Popularity(split.n_items).fit(users, items, split.n_users)
    ours = evaluate_split(fitted.scorer, split, "validation")["ndcg@10"]
    assert ours > evaluate_split(popularity, split, "validation")["ndcg@10"]
    assert all(np.isfinite(h["loss"]) for h in fitted.history)


def test_unknown_loss_is_refused():
    import pytest

    with pytest.raises(ValueError, match="loss"):
        from fashion_pipeline.recsys.training import train_pointwise
        train_pointwise(GMF(3, 4, 2), np.array([0]), np.array([1]), 4, TrainConfig(loss="hinge", device="cpu"))
