"""The model registry: one spec per model, found by name, and models that know nothing of training."""

import re
from dataclasses import is_dataclass
from pathlib import Path

import pytest

import fashion_pipeline.recsys.models as models_pkg
from fashion_pipeline.recsys.registry import (BLEND_MODELS, MODEL_NAMES, MODELS, TORCH_MODELS, ModelConfigs, ModelSpec, get_model,
                                              with_requirements)


def test_every_model_name_has_a_spec_in_registry_order():
    assert MODEL_NAMES == ("popularity", "als", "ease", "slist", "gmf", "mlp", "neumf", "sasrec", "sasrec+ease", "sasrec+als",
                           "sasrec+slist")
    assert tuple(MODELS) == MODEL_NAMES
    for name in MODEL_NAMES:
        spec = get_model(name)
        assert isinstance(spec, ModelSpec) and spec.name == name
        assert spec.description and "\n" not in spec.description
        assert all(callable(f) for f in (spec.build, spec.fit, spec.save, spec.load))
        assert spec.config_cls is None or is_dataclass(spec.config_cls)
        # a model's requirements are registered before it
        assert all(MODEL_NAMES.index(r) < MODEL_NAMES.index(name) for r in spec.requires)


def test_unknown_model_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match="nope") as err:
        get_model("nope")
    assert all(name in str(err.value) for name in MODEL_NAMES)


def test_torch_models_and_requirements():
    assert TORCH_MODELS == ("gmf", "mlp", "neumf", "sasrec")
    assert not get_model("popularity").torch and not get_model("als").torch and not get_model("ease").torch
    assert get_model("neumf").requires == ("gmf", "mlp")
    assert get_model("sasrec+ease").requires == ("sasrec", "ease") and get_model("sasrec+als").requires == ("sasrec", "als")
    assert BLEND_MODELS == ("sasrec+ease", "sasrec+als", "sasrec+slist")
    assert all(get_model(n).requires == () for n in MODEL_NAMES if n != "neumf" and n not in BLEND_MODELS)
    assert with_requirements(["sasrec+ease"]) == ["ease", "sasrec", "sasrec+ease"]
    assert with_requirements(["sasrec", "neumf"]) == ["gmf", "mlp", "neumf", "sasrec"]
    assert {get_model(n).suffix for n in TORCH_MODELS} == {"pt"}
    assert get_model("als").suffix == "npz"


def test_model_configs_hold_each_registered_config():
    configs = ModelConfigs()
    for name in MODEL_NAMES:
        spec = get_model(name)
        if spec.config_cls is not None:
            assert isinstance(getattr(configs, spec.config_name), spec.config_cls)
        assert (configs.train_config(name) is not None) == spec.torch
    assert configs.params("popularity") == {}
    assert configs.params("als")["factors"] == configs.als.factors
    params = configs.params("gmf")
    assert params["factors"] == configs.gmf.factors and params["train.lr"] == configs.gmf.train.lr
    assert "train" not in params
    # defaults are fresh objects per holder, never shared
    other = ModelConfigs()
    other.gmf.train.epochs = 1
    assert configs.gmf.train.epochs != 1


def test_no_model_file_imports_the_training_loop():
    folder = Path(models_pkg.__file__).parent
    files = sorted(folder.glob("*.py"))
    assert len(files) >= 6
    for path in files:
        text = path.read_text()
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", text, re.M)
        assert not [m for m in imports if m.startswith("fashion_pipeline.recsys.training")], path.name
        if "TrainConfig" in text:
            assert "from fashion_pipeline.recsys.train_config import TrainConfig" in text, path.name
