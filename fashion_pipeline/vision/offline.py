"""Make ultralytics work without the network.

ultralytics downloads whatever it misses: a font for its plots (Arial.ttf into its config
folder), yolo11n.pt for the AMP check, weights for a bare model name. It also reports to
MLflow and other trackers it finds installed, and it loads .pt checkpoints with
weights_only=False (any code in the pickle runs) unless its safe-load flag is on: we turn it
on. Everything here must run offline and keep our own MLflow runs clean, so `prepare_ultralytics()` must run before the first
`import ultralytics`: the library reads YOLO_CONFIG_DIR and YOLO_OFFLINE at import time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fashion_pipeline import layout as project

CONFIG_DIR_NAME = ".yolo"  # under the project root; git-ignored
FONT_NAME = "Arial.ttf"  # the name ultralytics looks for; any TTF will do for its plot labels
# Integrations ultralytics enables when their package is importable; ours is MLflow via Dagster.
_INTEGRATIONS_OFF = {
    "mlflow": False, "clearml": False, "comet": False, "dvc": False, "raytune": False,
    "tensorboard": False, "wandb": False, "sync": False, "vscode_msg": False, "openvino_msg": False,
}


def default_config_dir() -> Path:
    return project.project_root() / CONFIG_DIR_NAME


def _install_font(config_dir: Path) -> None:
    """Copy matplotlib's DejaVuSans.ttf as Arial.ttf so ultralytics never fetches a font."""
    target = config_dir / FONT_NAME
    if target.exists():
        return
    import matplotlib  # ultralytics depends on it, so it is always installed beside it

    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    tmp = config_dir / f".{FONT_NAME}.tmp"
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)  # atomic: a concurrent reader sees no half-written font


def prepare_ultralytics(config_dir: str | Path | None = None):
    """Set the offline environment, import ultralytics and switch its integrations off.

    Returns the ultralytics module. Idempotent. If ultralytics was already imported with
    another config folder, the font is installed there too so nothing is downloaded.
    """
    config_dir = Path(config_dir or os.environ.get("YOLO_CONFIG_DIR") or default_config_dir()).resolve()
    config_dir.mkdir(parents=True, exist_ok=True)
    _install_font(config_dir)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir))
    os.environ.setdefault("YOLO_VERBOSE", "False")
    # Checkpoints load with torch weights_only=True and ultralytics' allow-list of layer classes:
    # a crafted .pt cannot run code (ultralytics' default is weights_only=False).
    os.environ["ULTRALYTICS_SAFE_LOAD"] = "1"
    import ultralytics
    import ultralytics.nn.tasks as yolo_tasks
    from ultralytics import settings
    from ultralytics.utils import USER_CONFIG_DIR

    yolo_tasks.SAFE_LOAD = True  # also when ultralytics was imported before the variable was set

    _install_font(Path(USER_CONFIG_DIR))  # where this process's ultralytics actually looks
    stale = {k: v for k, v in _INTEGRATIONS_OFF.items() if settings.get(k) != v}
    if stale:
        settings.update(stale)
    return ultralytics


def check_offline_model(model: str | Path) -> str:
    """A model spec that cannot trigger a download: a .yaml architecture or an existing file.

    A bare name such as 'yolo11n.pt' makes ultralytics fetch weights from GitHub.
    """
    spec = str(model)
    if spec.endswith((".yaml", ".yml")):
        return spec  # architectures ship inside the ultralytics package
    if Path(spec).is_file():
        return str(Path(spec).resolve())
    raise FileNotFoundError(
        f"detector weights {spec!r} not found. Give a local .pt file you downloaded yourself, or an "
        "architecture yaml such as 'yolo11n.yaml' to train from scratch (nothing is downloaded)."
    )
