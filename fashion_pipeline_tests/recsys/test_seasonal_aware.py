"""The season-aware scorer: no look past the season's start, weight 0 is season-blind exactly,
and `seasonal-eval` finds a seasonal pattern where there is one and none where there is none."""

import json
from datetime import datetime, timezone

import numpy as np
import polars as pl
import pytest

from fashion_pipeline import columns as C
from fashion_pipeline.cli import main
from fashion_pipeline.recsys.evaluation import evaluate_period
from fashion_pipeline.recsys.recommend import top_k
from fashion_pipeline.recsys.registry import ModelConfigs
from fashion_pipeline.recsys.season_aware import (
    METRICS, SeasonAwareConfig, SeasonAwareScorer, fit_base, fit_season_aware, prior_codes, season_period,
    seasonal_prior,
)
from fashion_pipeline.recsys.seasonal import day_start_seconds
from fashion_pipeline.recsys.seasons import season_start

N_USERS, N_ITEMS = 300, 200
# 20 items belong to each season (winter, spring, summer, autumn); the rest sell all year
SEASON_ITEMS = np.arange(80).reshape(4, 20)
WINTER_ITEMS, SUMMER_ITEMS = SEASON_ITEMS[0], SEASON_ITEMS[2]
MONTH_GROUP = {12: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 6: 2, 7: 2, 8: 2, 9: 3, 10: 3, 11: 3}


def purchases(seasonal: bool, seed: int = 0) -> pl.DataFrame:
    """Each user buys an item in about a third of the months from 2010-03 to 2014-05; with
    `seasonal`, 80% of a season's purchases are that season's items."""
    rng = np.random.default_rng(seed)
    months = [(y, m) for y in range(2010, 2015) for m in range(1, 13) if (2010, 3) <= (y, m) <= (2014, 5)]
    users, items, times = [], [], []
    for y, m in months:
        buyers = np.flatnonzero(rng.random(N_USERS) < 0.3)
        choice = rng.integers(0, N_ITEMS, len(buyers))
        group = MONTH_GROUP.get(m)
        if seasonal:
            own = SEASON_ITEMS[group]
            pick = rng.random(len(buyers)) < 0.8
            choice[pick] = rng.choice(own, pick.sum())
        day = rng.integers(1, 28, len(buyers))
        users += buyers.tolist()
        items += choice.tolist()
        times += [int(datetime(y, m, int(d), tzinfo=timezone.utc).timestamp()) for d in day]
    df = pl.DataFrame({C.USER_IDX: users, C.ITEM_IDX: items, C.TIMESTAMP: times}, schema={
        C.USER_IDX: pl.Int32, C.ITEM_IDX: pl.Int32, C.TIMESTAMP: pl.Int64})
    df = df.unique([C.USER_IDX, C.ITEM_IDX], keep="first", maintain_order=True).sort(C.USER_IDX, C.TIMESTAMP)
    return df.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(C.LINE_NUMBER))


def write_reviews(df: pl.DataFrame, path) -> None:
    """The purchases as a 2014-format review file."""
    with open(path, "w") as fh:
        for u, i, t in df.select(C.USER_IDX, C.ITEM_IDX, C.TIMESTAMP).iter_rows():
            d = datetime.fromtimestamp(t, timezone.utc)
            fh.write(json.dumps({"reviewerID": f"U{u:04d}", "asin": f"B{i:04d}", "reviewerName": "x",
                                 "helpful": [0, 0], "reviewText": "fine", "overall": 5.0, "summary": "ok",
                                 "unixReviewTime": t, "reviewTime": f"{d.month:02d} {d.day}, {d.year}"}) + "\n")


KEY = "2013-winter"
START = day_start_seconds(season_start(KEY))
FAST = SeasonAwareConfig(model="popularity")


def planted_future(df: pl.DataFrame) -> pl.DataFrame:
    """Purchases at and after the season's start, by known users of known items: summer items
    bought in winter, which would flip their winter lift if the prior looked."""
    plant = pl.DataFrame({C.USER_IDX: np.arange(20, dtype=np.int32), C.ITEM_IDX: SUMMER_ITEMS.astype(np.int32),
                          C.TIMESTAMP: np.full(20, START, dtype=np.int64) + np.arange(20) * 3600,
                          C.LINE_NUMBER: np.arange(10**6, 10**6 + 20, dtype=np.int64)})
    return pl.concat([df, plant])


def test_prior_and_weights_use_nothing_at_or_after_the_season_start():
    df = purchases(seasonal=True)
    planted = planted_future(df)
    codes = {C.CATEGORY: (np.arange(N_ITEMS) // 10).astype(np.int64)}
    before, after = seasonal_prior(df, KEY, N_ITEMS, codes), seasonal_prior(planted, KEY, N_ITEMS, codes)
    for part in before:
        np.testing.assert_array_equal(before[part], after[part])
    assert before["lift"][WINTER_ITEMS].min() > 0 > before["lift"][SUMMER_ITEMS].max()  # it sees winter
    a = fit_season_aware(df, KEY, N_USERS, N_ITEMS, codes, FAST)
    b = fit_season_aware(planted, KEY, N_USERS, N_ITEMS, codes, FAST)
    assert a.weights == b.weights and a.validation == b.validation
    np.testing.assert_array_equal(a.base.scorer.score(np.arange(3)), b.base.scorer.score(np.arange(3)))


def test_too_few_validation_users_keep_the_weights_at_zero():
    df = purchases(seasonal=True)
    few = fit_season_aware(df, KEY, N_USERS, N_ITEMS, None, SeasonAwareConfig(model="popularity", min_validation_users=10**6))
    assert few.weights == {"lift": 0.0, "popularity": 0.0} and few.validation["aware"] == few.validation["blind"]
    many = fit_season_aware(df, KEY, N_USERS, N_ITEMS, None, FAST)
    assert many.weights["lift"] > 0  # the same data with enough users does choose a weight


def test_weight_zero_is_season_blind_exactly():
    df = purchases(seasonal=True)
    configs = ModelConfigs()
    configs.gmf.train.device, configs.gmf.train.epochs = "cpu", 2
    base = fit_base("gmf", df.filter(pl.col(C.TIMESTAMP) < START), N_USERS, N_ITEMS, configs, epochs=2)
    prior = seasonal_prior(df, KEY, N_ITEMS)
    assert np.abs(prior["lift"]).max() > 0.1  # a real prior, switched off below
    aware = SeasonAwareScorer(base.scorer, prior, {"lift": 0.0, "popularity": 0.0})
    users = np.arange(N_USERS)
    np.testing.assert_array_equal(aware.score(users), base.scorer.score(users))
    period = season_period(df, KEY, N_USERS, N_ITEMS)
    assert evaluate_period(aware, period.seen, period.future) == evaluate_period(base.scorer, period.seen, period.future)
    np.testing.assert_array_equal(top_k(aware, users, period.seen)[0], top_k(base.scorer, users, period.seen)[0])
    # and a non-zero weight does change the lists
    on = SeasonAwareScorer(base.scorer, prior, {"lift": 4.0, "popularity": 0.0})
    assert (top_k(on, users, period.seen)[0] != top_k(base.scorer, users, period.seen)[0]).any()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = {}
    for seasonal in (True, False):
        folder = tmp_path_factory.mktemp("seasonal" if seasonal else "flat")
        write_reviews(purchases(seasonal), folder / "reviews.json")
        # popularity as the base model keeps it fast; the weight choice is the same for any model
        assert main(["seasonal-eval", "--reviews", str(folder / "reviews.json"), "--seasons", "2013-winter,2014-spring",
                     "--model", "popularity", "--out", str(folder / "report.json")]) == 0
        out[seasonal] = json.loads((folder / "report.json").read_text())
    return out


def test_seasonal_eval_finds_the_seasonal_pattern(reports):
    winter = reports[True]["seasons"]["2013-winter"]
    for s in reports[True]["seasons"].values():  # weights chosen on 2013-autumn and 2013-winter
        assert s["weights"]["lift"] > 0
        assert s["aware"]["ndcg@10"] > 1.5 * s["blind"]["ndcg@10"]
    assert winter["users"] > 100


def test_seasonal_eval_picks_no_lift_without_a_pattern(reports):
    for s in reports[False]["seasons"].values():
        assert s["weights"]["lift"] <= 0.25


def test_seasonal_eval_json_has_the_issue_shape(reports):
    report = reports[True]
    assert set(report) == {"seasons", "mean"}
    assert set(report["seasons"]) == {"2013-winter", "2014-spring"}
    for s in report["seasons"].values():
        assert set(s) == {"blind", "aware", "popularity", "weights", "users"}
        assert isinstance(s["users"], int) and s["users"] > 0
        assert set(s["weights"]) == {"lift", "popularity"}
        for v in ("blind", "aware", "popularity"):
            assert set(s[v]) == set(METRICS) and all(0 <= x <= 1 for x in s[v].values())
    assert set(report["mean"]) == {"blind", "aware", "popularity"}
    assert report["mean"]["aware"]["ndcg@10"] == pytest.approx(
        np.mean([s["aware"]["ndcg@10"] for s in report["seasons"].values()]))


def test_seasonal_eval_rejects_a_bad_season_key(tmp_path, capsys):
    write_reviews(purchases(True).head(50), tmp_path / "r.json")
    assert main(["seasonal-eval", "--reviews", str(tmp_path / "r.json"), "--seasons", "2013-winterish"]) == 2
    assert "not a season key" in capsys.readouterr().err


def test_prior_codes_take_garment_from_the_title():
    attrs = pl.DataFrame({C.ITEM_ID: ["a", "b", "c"], C.TITLE: ["Women's Black Wool Coat", "Men's Wool Coat", None],
                          C.CATEGORY: ["outerwear", "outerwear", None], C.COLOUR: ["black", None, None]})
    codes = prior_codes(attrs, np.array(["a", "b", "c", "d"]))
    assert codes[C.GARMENT][0] == codes[C.GARMENT][1] >= 0 and codes[C.GARMENT][2] == codes[C.GARMENT][3] == -1
    assert list(codes[C.COLOUR]) == [0, -1, -1, -1]
