"""The clothing detector: train an ultralytics YOLO offline, load it, find garment boxes.

Trained from the `yolo11n.yaml` architecture by default (random init: nothing to download), or
fine-tuned from a local .pt file the user configures. The weights file is the artifact; the
validation mAP50 / mAP50-95 are returned for the caller to log (the Dagster layer logs them to
MLflow; ultralytics' own MLflow callback is switched off in `offline.prepare_ultralytics`).
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fashion_pipeline.sources.atomic import atomic_path
from fashion_pipeline.sources.errors import UnsafeFileError
from fashion_pipeline.vision.offline import check_offline_model, prepare_ultralytics
from fashion_pipeline.vision.runtime import DEFAULT_THREADS, limit_torch_threads


@dataclass
class DetectorConfig:
    # 'yolo11n.yaml' trains the nano architecture from scratch; a path to a local .pt fine-tunes it.
    model: str = "yolo11n.yaml"
    # From scratch, what matters is the number of optimizer steps and distinct images. Measured
    # (128 px, batch 16, 2 threads): a sample with deepfashion_items=200 (300 train images),
    # 15 epochs = 285 steps -> val mAP50 0.839, mAP50-95 0.658. The default 60-item sample
    # (76 train images) stays at mAP50 0.54 even after 60 epochs: too few images to generalize.
    # Real DeepFashion (25,882 train images) needs far more, and a GPU.
    epochs: int = 15
    # Garments fill most of a 256x256 In-shop photo; at 128 px they still span 45-120 px, and a
    # step costs a quarter of one at 256 (the default 640 would be 25x).
    imgsz: int = 128
    batch: int = 16
    # Images per optimizer step. ultralytics' default 64 accumulates 4 batches per step, which
    # made from-scratch training on a few hundred images 4x slower to converge; one batch = one step.
    nominal_batch: int = 16
    # AdamW weight decay, as applied (ultralytics scales it by batch / nominal_batch). 0.001 is
    # what the measured run used; ultralytics' 0.0005 default targets 300-epoch COCO training.
    weight_decay: float = 0.001
    # Validate every epoch (picks the best epoch, costs a val pass each) or only after the last.
    val_each_epoch: bool = False
    close_mosaic: int = 3  # last epochs without mosaic, so the model also sees whole, unscaled garments
    cache: bool = True  # decoded images kept in RAM: a few MB for the sample, saves a JPEG decode per step
    device: str = "cpu"  # "cpu", "0" for the first CUDA GPU
    # Mixed precision works only on a GPU, and ultralytics checks it by downloading yolo26n.pt
    # first: off unless asked for (and then only where that file can be fetched).
    amp: bool = False
    threads: int = DEFAULT_THREADS  # torch threads on CPU
    workers: int = 0  # dataloader processes; 0 = in the main process (2 cores: workers only compete)
    seed: int = 0
    patience: int = 100  # early stop after this many epochs without val improvement
    # Extra ultralytics train arguments (e.g. {"mosaic": 0.5, "lr0": 0.01}); ours win on conflict.
    extra: dict = field(default_factory=dict)


@dataclass
class DetectorResult:
    weights: str  # the trained weights file
    map50: float
    map50_95: float
    seconds: float  # wall time of training + final validation
    epochs: int


def _train_args(config: DetectorConfig, data_yaml: Path, run_dir: Path) -> dict:
    return {
        **config.extra,
        "data": str(data_yaml), "epochs": config.epochs, "imgsz": config.imgsz, "batch": config.batch,
        "nbs": config.nominal_batch, "weight_decay": config.weight_decay, "val": config.val_each_epoch, "close_mosaic": config.close_mosaic,
        "cache": "ram" if config.cache else False,
        "device": config.device, "workers": config.workers, "seed": config.seed, "patience": config.patience,
        "amp": config.amp and config.device not in ("cpu", "mps"),
        "project": str(run_dir), "name": "train", "exist_ok": True,
        "plots": False,  # plots need fonts and time; the numbers go to MLflow instead
        "verbose": False,
    }


def train_detector(data_yaml: str | Path, weights: str | Path, config: DetectorConfig = DetectorConfig(),
                   yolo_config_dir: str | Path | None = None) -> DetectorResult:
    """Train on `data_yaml`, write the best checkpoint to `weights` atomically (the training run
    happens in a temporary folder beside it), return val mAPs."""
    model_spec = check_offline_model(config.model)
    prepare_ultralytics(yolo_config_dir)
    if not model_spec.endswith((".yaml", ".yml")):
        check_checkpoint(model_spec)
    from ultralytics import YOLO

    limit_torch_threads(config.threads)
    target = Path(weights)
    out = target.parent
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".yolo-run-", dir=out) as run_dir:
        model = YOLO(model_spec)
        # ultralytics ends training by validating the best checkpoint on the whole val split.
        metrics = model.train(**_train_args(config, Path(data_yaml).resolve(), Path(run_dir)))
        weights_dir = Path(run_dir) / "train" / "weights"
        best = weights_dir / "best.pt" if (weights_dir / "best.pt").exists() else weights_dir / "last.pt"
        with atomic_path(target) as tmp:
            shutil.copyfile(best, tmp)
    map50, map50_95 = _box_maps(metrics)
    return DetectorResult(weights=str(target), map50=map50, map50_95=map50_95,
                          seconds=time.perf_counter() - start, epochs=config.epochs)


def _box_maps(metrics) -> tuple[float, float]:
    """(mAP50, mAP50-95) from what train() returned: DetMetrics, or its results dict."""
    if hasattr(metrics, "box"):
        return float(metrics.box.map50), float(metrics.box.map)
    if isinstance(metrics, dict) and "metrics/mAP50(B)" in metrics:
        return float(metrics["metrics/mAP50(B)"]), float(metrics["metrics/mAP50-95(B)"])
    raise RuntimeError(f"ultralytics returned no validation metrics ({type(metrics).__name__})")


def trained_imgsz(model, default: int = 640) -> int:
    """The image size a loaded YOLO model was trained at (ultralytics keeps it in the checkpoint)."""
    overrides = getattr(model, "overrides", None) or {}
    return int(overrides.get("imgsz") or default)


@dataclass
class DetectorOptions:
    conf: float = 0.25  # boxes below this confidence are ignored (then the whole image is used)
    imgsz: int | None = None  # inference size; None = the size the weights were trained at
    device: str = "cpu"
    batch: int = 16  # images per predict call


def load_detector(weights: str | Path, yolo_config_dir: str | Path | None = None, threads: int = DEFAULT_THREADS):
    """A YOLO model from a local weights file (never a bare name: that downloads)."""
    spec = check_offline_model(weights)
    if spec.endswith((".yaml", ".yml")):
        raise ValueError(f"{spec} is an untrained architecture: give trained weights (.pt)")
    prepare_ultralytics(yolo_config_dir)
    check_checkpoint(spec)
    from ultralytics import YOLO

    limit_torch_threads(threads)
    try:
        return YOLO(spec)  # prepare_ultralytics switched on ultralytics' weights-only loading
    except TypeError as exc:
        if isinstance(exc.__cause__, pickle.UnpicklingError):
            raise UnsafeFileError(f"{spec}: refused to load the detector weights: {exc.__cause__}"[:600]) from None
        raise


# What an ultralytics detection checkpoint may reference beyond torch's own weights-only types:
# nn.Module classes of these modules (the layers), and these plain data types.
_LAYER_MODULES = ("torch.nn.modules.", "ultralytics.nn.modules.", "ultralytics.nn.tasks")
_DATA_GLOBALS = frozenset({
    "numpy.dtype", "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
    "ultralytics.utils.IterableSimpleNamespace", "pathlib.PosixPath", "pathlib.WindowsPath",
    "builtins.getattr",  # ultralytics' loader restricts it to nn.Module methods (Detect.forward)
    "collections.OrderedDict", "builtins.set",
})


def _allowed_global(name: str) -> bool:
    if name in _DATA_GLOBALS:
        return True
    module, _, attr = name.rpartition(".")
    if not (module.startswith(_LAYER_MODULES[:2]) or module == _LAYER_MODULES[2]):
        return False
    import importlib

    import torch

    try:
        obj = getattr(importlib.import_module(module), attr, None)
    except ImportError:
        return False
    return isinstance(obj, type) and issubclass(obj, torch.nn.Module)


def check_checkpoint(path: str | Path) -> Path:
    """Refuse a .pt whose pickle names anything but torch/ultralytics layers and plain data.

    Reads only the pickle's opcodes (torch.serialization.get_unsafe_globals_in_checkpoint):
    nothing in the file runs. Raises UnsafeFileError naming the file and the first forbidden
    global, or ValueError for a file that is not a torch zip checkpoint.
    """
    import torch

    path = Path(path)
    try:
        needed = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except Exception as exc:  # not a zip archive written by torch.save
        raise ValueError(f"{path}: not a PyTorch checkpoint written by torch.save ({type(exc).__name__}: {exc})"[:400]) from None
    forbidden = sorted(n for n in needed if not _allowed_global(n))
    if forbidden:
        more = f" (and {len(forbidden) - 1} more)" if len(forbidden) > 1 else ""
        raise UnsafeFileError(
            f"{path}: refused to load the detector weights: the checkpoint needs the global {forbidden[0]}{more}, "
            "which no YOLO checkpoint uses (the file may be crafted to run code)"
        )
    return path


def detect(model, images: list, options: DetectorOptions = DetectorOptions()) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per image: (boxes (n, 4) x1 y1 x2 y2 in pixels, confidences (n,), class ids (n,))."""
    found = []
    imgsz = options.imgsz or trained_imgsz(model)
    for start in range(0, len(images), options.batch):
        results = model.predict(images[start:start + options.batch], imgsz=imgsz, conf=options.conf,
                                device=options.device, verbose=False)
        for r in results:
            b = r.boxes
            found.append((b.xyxy.cpu().numpy(), b.conf.cpu().numpy(), b.cls.cpu().numpy().astype(np.int64)))
    return found
