import numpy as np
import torch

from fashion_pipeline.recsys.evaluation import evaluate
from fashion_pipeline.recsys.experiment import ModelConfigs, fit, run_protocol
from fashion_pipeline.recsys.models.gmf import GMF
from fashion_pipeline.recsys.models.mlp import MLP
from fashion_pipeline.recsys.models.neumf import NeuMF
from fashion_pipeline.recsys.recommend import top_k
from fashion_pipeline.recsys.train_config import TrainConfig
from fashion_pipeline.recsys.training import recency_weights


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
    from fashion_pipeline.recsys.data import PairSet
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


def test_sequence_matrix_orders_by_time_keeps_ties_in_input_order_and_pads_left():
    from fashion_pipeline.recsys.sequences import sequence_matrix

    users = np.array([1, 0, 1, 1, 0, 1])
    items = np.array([5, 2, 7, 3, 4, 9])
    times = np.array([30, 10, 10, 10, 20, 40])
    # user 0: 2 (t10), 4 (t20); user 1: 7, 3 (both t10, input order), 5 (t30), 9 (t40); user 2: none
    m = sequence_matrix(users, items, times, n_users=3, width=3)
    assert m.tolist() == [[0, 3, 5], [4, 6, 10], [0, 0, 0]]  # tokens are item + 1; latest 3 only


def _sasrec(n_users=4, n_items=9):
    from fashion_pipeline.recsys.models.sasrec import SASRec

    torch.manual_seed(0)
    model = SASRec(n_users, n_items, factors=8, blocks=2, heads=2, max_len=5, dropout=0.0).eval()
    model.set_histories(np.array([[0, 0, 3, 1, 7], [0, 0, 0, 0, 2], [1, 2, 3, 4, 5], [0, 0, 0, 0, 0]]))
    return model


def test_sasrec_is_causal_and_scores_from_the_users_history():
    model = _sasrec()
    tokens = torch.tensor([[0, 0, 3, 1, 7]])
    changed = tokens.clone()
    changed[0, -1] = 9
    a, b = model.encode(tokens), model.encode(changed)
    # earlier positions never see later items; the last one does
    assert torch.allclose(a[:, :-1], b[:, :-1], atol=1e-6) and not torch.allclose(a[:, -1], b[:, -1])
    with torch.no_grad():
        scores = model.score_users(torch.tensor([0, 1, 2, 3]))
        assert scores.shape == (4, 9) and torch.isfinite(scores).all()  # a user without history too
        assert torch.allclose(scores[0], model.item_logits(model.encode(tokens)[0, -1]), atol=1e-5)
        # padding columns trimmed for the batch do not change a user's scores
        assert torch.allclose(model.score_users(torch.tensor([1]))[0], scores[1], atol=1e-5)
        items = torch.tensor([4, 0, 8])
        assert torch.allclose(model.score_items(torch.tensor([0, 2]), items), scores[[0, 2]][:, items], atol=1e-5)


def test_sasrec_histories_hold_only_what_the_stage_may_see(small_sample_split):
    split = small_sample_split
    cfg = ModelConfigs()
    for stage in ("validation", "test"):
        fitted = fit("sasrec", split, stage, cfg, epochs=1)
        last = fitted.model.histories[:, -1].numpy() - 1
        users = np.flatnonzero(split.test_item >= 0)
        expected = split.val_item[users] if stage == "test" else np.array(
            [split.train_items[split.train_users == u][-1] for u in users[:50]])
        got = last[users] if stage == "test" else last[users[:50]]
        assert np.array_equal(got, expected)  # the latest item it reads is the last one before the target


def test_sasrec_beats_popularity_on_the_sample(small_sample_split):
    results, _ = run_protocol(small_sample_split, ["popularity", "sasrec"])
    assert results["sasrec"]["validation"]["ndcg@10"] > results["popularity"]["validation"]["ndcg@10"]
    assert results["sasrec"]["best_epoch"] >= 1


def test_gmf_started_from_als_scores_like_als_before_training(small_sample_split):
    import pytest
    from fashion_pipeline.recsys.baselines import ALS, ALSConfig

    split = small_sample_split
    users, items, _ = split.fit_data("validation")
    als = ALS(ALSConfig(factors=16, iterations=3)).fit(users, items, split.n_users, split.n_items)
    gmf = GMF(split.n_users, split.n_items, 16).start_from(als.user_factors, als.item_factors)
    some = np.arange(20)
    with torch.no_grad():
        assert np.allclose(gmf.score_users(torch.as_tensor(some)).numpy(), als.score(some), atol=1e-4)
    cfg = ModelConfigs()
    cfg.gmf.init_from_als = True  # ALS has 128 factors by default, GMF 64
    with pytest.raises(ValueError, match="factors"):
        fit("gmf", split, "validation", cfg, epochs=1)


def test_mlp_started_from_als_has_als_factors_of_its_embedding_size(small_sample_split):
    from fashion_pipeline.recsys.baselines import ALS, ALSConfig
    from fashion_pipeline.recsys.registry import FitData

    split = small_sample_split
    users, items, times = split.fit_data("validation")
    cfg = ModelConfigs(als=ALSConfig(factors=128, iterations=3))
    cfg.mlp.layers, cfg.mlp.init_from_als = (32, 16), True
    from fashion_pipeline.recsys import registry

    module, trained = registry._start_mlp(FitData(users, items, times, split.n_users, split.n_items), cfg, {})
    als = ALS(ALSConfig(factors=16, iterations=3)).fit(users, items, split.n_users, split.n_items)
    assert module.user.weight.shape == (split.n_users, 16)
    assert np.allclose(module.user.weight.detach().numpy(), als.user_factors, atol=1e-5)
    assert np.allclose(module.item.weight.detach().numpy(), als.item_factors, atol=1e-5)
    assert trained is False  # the tower is fresh: nothing trained to validate before epoch 1
