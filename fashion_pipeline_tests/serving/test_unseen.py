"""Recommendations for a history no model saw: the same list as the model's own scoring of a
user with that history, the fallbacks, and unknown asins named."""


import numpy as np
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.cli import main
from fashion_pipeline.layout import ArtifactLayout
from fashion_pipeline.recsys.data import leave_last_out
from fashion_pipeline.recsys.experiment import ModelConfigs, fit
from fashion_pipeline.recsys.interactions import build_interactions
from fashion_pipeline.recsys.persistence import save_fitted, save_split, write_json
from fashion_pipeline.recsys.recommend import top_k
from fashion_pipeline.recsys.sequences import sequence_matrix
from fashion_pipeline.sample.writers import REVIEWS_FILE
from fashion_pipeline.serving.unseen import recommend_for_items
from fashion_pipeline.sources.atomic import write_parquet
from fashion_pipeline.sources.reviews import read_reviews


@pytest.fixture(scope="module")
def served(small_sample, tmp_path_factory):
    """A data folder as the model assets leave it: split, id maps, serving fits of SASRec,
    EASE and ALS (weights in default architecture sizes, few epochs)."""
    layout = ArtifactLayout(tmp_path_factory.mktemp("data"))
    table = build_interactions(read_reviews(small_sample / REVIEWS_FILE).rows)
    split = leave_last_out(table)
    save_split(split, layout.split)
    write_parquet(table.select(C.USER_ID, C.USER_IDX).unique().sort(C.USER_IDX), layout.user_ids)
    write_parquet(table.select(C.ITEM_ID, C.ITEM_IDX).unique().sort(C.ITEM_IDX), layout.item_ids)
    configs = ModelConfigs()
    configs.sasrec.train.device = "cpu"
    fits = {}
    for name, kw in (("sasrec", {"epochs": 2}), ("ease", {"chosen": {"lambda": 200.0}}), ("als", {})):
        fits[name] = fit(name, split, "serve", configs, **kw)
        save_fitted(fits[name], layout.model_dir(name))
    item_ids = table.select(C.ITEM_ID, C.ITEM_IDX).unique().sort(C.ITEM_IDX)[C.ITEM_ID].to_numpy()
    return layout, split, fits, item_ids


def _champion(layout, name):
    write_json({"name": name}, layout.champion)


def _history(split, user, width=50):
    """The user's serving history, oldest first, as the model holds it."""
    tokens = sequence_matrix(*split.fit_data("serve"), split.n_users, width)[user]
    return tokens[tokens > 0] - 1


def _own_list(fitted, split, user, k=10):
    items, _ = top_k(fitted.scorer, np.array([user]), split.seen_matrix("serve"), k=k)
    return items[0]


@pytest.mark.parametrize("name", ["sasrec", "ease"])
def test_items_give_the_models_own_list_for_a_user_with_that_history(served, name):
    layout, split, fits, item_ids = served
    _champion(layout, name)
    users = np.flatnonzero(split.test_item >= 0)[:5]
    for user in users:
        history = _history(split, user)
        found = recommend_for_items(layout, list(item_ids[history]), k=10)
        assert found.model == name
        np.testing.assert_array_equal(found.items, _own_list(fits[name], split, user))
        assert not set(found.items) & set(history)


def test_recommend_items_on_the_command_line_prints_that_list(served, monkeypatch, capsys):
    layout, split, fits, item_ids = served
    _champion(layout, "sasrec")
    monkeypatch.setenv("FASHION_DATA_DIR", str(layout.data_dir))
    user = int(np.flatnonzero(split.test_item >= 0)[0])
    asins = item_ids[_history(split, user)]
    assert main(["recommend", "--items", ",".join(asins), "-k", "5"]) == 0
    out = capsys.readouterr().out
    printed = [line.split()[1] for line in out.splitlines()[1:]]
    assert printed == list(item_ids[_own_list(fits["sasrec"], split, user, k=5)])
    assert "sasrec" in out.splitlines()[0]


def test_unknown_asins_are_named(served, monkeypatch, capsys):
    layout, _, _, item_ids = served
    _champion(layout, "sasrec")
    monkeypatch.setenv("FASHION_DATA_DIR", str(layout.data_dir))
    assert main(["recommend", "--items", f"{item_ids[0]},NOPE1,NOPE2"]) == 2
    err = capsys.readouterr().err
    assert "unknown asin(s) NOPE1, NOPE2" in err and item_ids[0] not in err
    assert main(["report", "--items", "NOPE3"]) == 2
    assert "unknown asin(s) NOPE3" in capsys.readouterr().err


def test_a_champion_that_needs_a_user_falls_back_to_item_item(served, tmp_path):
    layout, split, fits, item_ids = served
    _champion(layout, "als")
    history = _history(split, int(np.flatnonzero(split.test_item >= 0)[0]))
    found = recommend_for_items(layout, list(item_ids[history]), k=10)
    assert found.model == "ease" and "als" in found.why  # EASE's serving fit is there
    # without an EASE fit: cosine of items in the interaction matrix
    bare = ArtifactLayout(tmp_path / "bare")
    bare.models_dir.mkdir(parents=True)
    for path in (layout.split, layout.user_ids, layout.item_ids):
        (bare.models_dir / path.name).write_bytes(path.read_bytes())
    save_fitted(fits["als"], bare.model_dir("als"))
    _champion(bare, "als")
    cosine = recommend_for_items(bare, list(item_ids[history]), k=10)
    assert cosine.model == "item-item cosine"
    x = split.seen_matrix("serve")
    x.data[:] = 1
    co = np.asarray((x.T @ x)[history].sum(axis=0)).ravel()
    assert co[cosine.items].min() > 0  # every item recommended shares a buyer with the history
    assert not set(cosine.items) & set(history)


def test_report_items_draws_the_history_and_its_recommendations(served, monkeypatch, tmp_path, capsys):
    layout, split, _, item_ids = served
    _champion(layout, "ease")
    monkeypatch.setenv("FASHION_DATA_DIR", str(layout.data_dir))
    asins = item_ids[_history(split, int(np.flatnonzero(split.test_item >= 0)[0]))]
    assert main(["report", "--items", ",".join(asins), "-k", "4", "--out", str(tmp_path)]) == 0
    png, page = [line.split(" ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    html = open(page).read()
    assert png.endswith(".png") and open(png, "rb").read(4) == b"\x89PNG"
    assert all(a in html for a in asins) and html.count("score ") >= 4
