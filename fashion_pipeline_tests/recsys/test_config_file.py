"""Hyperparameters from a TOML or YAML file onto ModelConfigs; unknown keys named."""

import pytest

from fashion_pipeline.recsys.config_file import configs_from_mapping, read_model_configs
from fashion_pipeline.recsys.registry import ModelConfigs

TOML = """
[sasrec]
dropout = 0.2
max_len = 100
[sasrec.train]
lr = 0.001
patience = 10
[ease]
lambdas = [100, 400.5]
[blend]
weights = [0.0, 0.5, 1.0]
"""

YAML = """
als:
  factors: 64
  alpha: 5
gmf:
  train:
    loss: softmax
    half_life_days: 90
"""


def test_a_toml_file_maps_onto_the_model_configs(tmp_path):
    path = tmp_path / "models.toml"
    path.write_text(TOML)
    configs = read_model_configs(path)
    assert configs.sasrec.dropout == 0.2 and configs.sasrec.max_len == 100
    assert configs.sasrec.train.lr == 0.001 and configs.sasrec.train.patience == 10
    assert configs.ease.lambdas == (100.0, 400.5) and isinstance(configs.ease.lambdas[0], float)
    assert configs.blend.weights == (0.0, 0.5, 1.0)
    defaults = ModelConfigs()
    assert configs.sasrec.factors == defaults.sasrec.factors  # untouched settings keep their defaults
    assert configs.gmf == defaults.gmf


def test_a_yaml_file_maps_onto_the_model_configs(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(YAML)
    configs = read_model_configs(path)
    assert configs.als.factors == 64 and configs.als.alpha == 5.0 and isinstance(configs.als.alpha, float)
    assert configs.gmf.train.loss == "softmax" and configs.gmf.train.half_life_days == 90


def test_unknown_tables_and_keys_are_named():
    with pytest.raises(ValueError) as err:
        configs_from_mapping({"sasrec": {"dropuot": 0.1, "train": {"lr": 0.01, "epochz": 3}}, "knn": {"k": 5}})
    message = str(err.value)
    assert "sasrec.dropuot" in message and "sasrec.train.epochz" in message and "knn" in message
    assert "sasrec.train.lr" not in message


def test_wrong_types_and_formats_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"sasrec\.factors: expected int, not 'big'"):
        configs_from_mapping({"sasrec": {"factors": "big"}})
    with pytest.raises(ValueError, match=r"gmf\.init_from_als: expected bool"):
        configs_from_mapping({"gmf": {"init_from_als": 1}})
    bad = tmp_path / "models.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match=r"\.toml, \.yaml or \.yml"):
        read_model_configs(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("[sasrec\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        read_model_configs(broken)
