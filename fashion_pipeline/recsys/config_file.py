"""Model hyperparameters from a file (TOML or YAML), mapped onto ModelConfigs, so a user can tune
without editing code (`fashion-pipeline evaluate --config FILE`).

One table per config of the registry (its ModelConfigs attribute: als, ease, gmf, ..., and
`blend` for every blend), its keys the config dataclass's fields; a torch model's training
settings in a nested `train` table:

    [sasrec]
    dropout = 0.5
    [sasrec.train]
    lr = 0.001
    patience = 10
    [ease]
    lambdas = [200.0, 500.0, 1000.0]

Unknown tables or keys, and values of the wrong type, are refused naming them.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from fashion_pipeline.recsys.registry import ModelConfigs


def read_config_file(path: str | Path) -> dict:
    """The file's mapping: TOML (.toml) or YAML (.yaml, .yml)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no config file at {path}")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from None
    elif suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML: {exc}") from None
    else:
        raise ValueError(f"{path}: a config file is .toml, .yaml or .yml, not {suffix or 'without a suffix'}")
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of model names to settings, not {type(data).__name__}")
    return data


def _coerce(where: str, default: Any, value: Any) -> Any:
    """`value` as the type of the field's current value (lists become tuples, ints floats)."""
    if default is None:  # an optional setting left unset (TrainConfig.half_life_days)
        return value
    if isinstance(default, bool) or isinstance(value, bool):
        if isinstance(default, bool) and isinstance(value, bool):
            return value
    elif isinstance(default, float) and isinstance(value, (int, float)):
        return float(value)
    elif isinstance(default, int) and isinstance(value, int):
        return value
    elif isinstance(default, str) and isinstance(value, str):
        return value
    elif isinstance(default, tuple) and isinstance(value, (list, tuple)):
        return tuple(_coerce(f"{where}[{i}]", default[0], v) if default else v for i, v in enumerate(value))
    raise ValueError(f"{where}: expected {type(default).__name__}, not {value!r}")


def _apply(target: Any, settings: dict, where: str, unknown: list[str]) -> None:
    fields = {f.name for f in dataclasses.fields(target)}
    for key, value in settings.items():
        name = f"{where}.{key}"
        if key not in fields:
            unknown.append(name)
            continue
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ValueError(f"{name}: expected a table of settings, not {value!r}")
            _apply(current, value, name, unknown)
        else:
            setattr(target, key, _coerce(name, current, value))


def configs_from_mapping(mapping: dict, base: ModelConfigs | None = None) -> ModelConfigs:
    """`base` (fresh defaults if None) with the mapping's settings applied."""
    configs = base or ModelConfigs()
    known = [f.name for f in dataclasses.fields(configs)]
    unknown: list[str] = []
    for model, settings in mapping.items():
        if model not in known:
            unknown.append(model)
            continue
        if not isinstance(settings, dict):
            raise ValueError(f"{model}: expected a table of settings, not {settings!r}")
        _apply(getattr(configs, model), settings, model, unknown)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}: the tables are {', '.join(known)}, "
                         "their keys the fields of each model's config dataclass")
    return configs


def read_model_configs(path: str | Path) -> ModelConfigs:
    """ModelConfigs from a TOML or YAML file (see the module docstring)."""
    return configs_from_mapping(read_config_file(path))
