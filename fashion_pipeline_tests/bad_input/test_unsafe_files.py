"""Files that would run code when loaded are refused before anything in them runs."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from fashion_pipeline.sources.errors import UnsafeFileError


class _WritesMarker:
    """A pickle payload that creates `marker` when unpickled (what an attacker would ship)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


def _crafted_npy(path, marker) -> None:
    """A valid .npy header for a 6-element object array, followed by a pickle that runs code."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": (6,)})
    path.write_bytes(header.getvalue() + pickle.dumps(_WritesMarker(marker), protocol=3))


def test_crafted_dvbpr_pickle_is_refused_and_runs_nothing(tmp_path):
    from fashion_pipeline.sources.dvbpr import load_dvbpr
    from fashion_pipeline.vision.item_images import images_from_dvbpr

    marker, npy = tmp_path / "PWNED", tmp_path / "AmazonFashion6ImgPartitioned.npy"
    _crafted_npy(npy, marker)
    np.load(npy, allow_pickle=True)  # a plain unpickler runs the payload: the crafted file is real
    assert marker.exists()
    marker.unlink()

    with pytest.raises(UnsafeFileError, match=r"AmazonFashion6ImgPartitioned\.npy.*builtins\.exec"):
        load_dvbpr(npy)
    out = tmp_path / "images"
    out.mkdir()
    (out / "manifest.parquet").write_bytes(b"earlier manifest")
    with pytest.raises(UnsafeFileError):
        images_from_dvbpr(npy, out)
    assert not marker.exists()
    assert (out / "manifest.parquet").read_bytes() == b"earlier manifest"  # the earlier output is untouched


def test_real_dvbpr_file_loads_with_the_restricted_unpickler(small_sample):
    from fashion_pipeline.sample.writers import DVBPR_FILE
    from fashion_pipeline.sources.dvbpr import load_dvbpr, load_npy_restricted

    path = small_sample / DVBPR_FILE
    data = load_dvbpr(path)
    assert data.itemnum == len(data.items) > 0 and data.items["image_bytes"].null_count() == 0
    plain = np.load(path, allow_pickle=True)  # the generator's own file, trusted here
    assert (load_npy_restricted(path)[3][0]["c"] == plain[3][0]["c"]).all()


def test_numeric_npy_needs_no_pickle(tmp_path):
    from fashion_pipeline.sources.dvbpr import load_npy_restricted

    np.save(tmp_path / "a.npy", np.arange(5))
    assert load_npy_restricted(tmp_path / "a.npy").tolist() == [0, 1, 2, 3, 4]


@pytest.fixture
def yolo_cfg(tmp_path, monkeypatch):
    monkeypatch.delenv("YOLO_CONFIG_DIR", raising=False)
    from fashion_pipeline.vision.offline import prepare_ultralytics

    prepare_ultralytics(tmp_path / "yolo_cfg")
    return tmp_path / "yolo_cfg"


def test_real_checkpoint_loads_and_crafted_one_is_refused(tmp_path, yolo_cfg, no_network):
    import torch
    from ultralytics import YOLO

    from fashion_pipeline.vision.detector import check_checkpoint, load_detector

    real = tmp_path / "detector" / "clothing_detector.pt"
    real.parent.mkdir()
    YOLO("yolo11n.yaml").save(real)  # a real ultralytics checkpoint, built offline from the architecture
    assert check_checkpoint(real) == real
    assert load_detector(real, yolo_config_dir=yolo_cfg).model.__class__.__name__ == "DetectionModel"

    marker, evil = tmp_path / "PWNED", tmp_path / "evil.pt"
    torch.save({"model": _WritesMarker(marker), "train_args": {}}, evil)
    before = real.read_bytes()
    with pytest.raises(UnsafeFileError, match=r"evil\.pt.*builtins\.exec"):
        check_checkpoint(evil)
    with pytest.raises(UnsafeFileError, match=r"evil\.pt"):
        load_detector(evil, yolo_config_dir=yolo_cfg)
    # and ultralytics itself, reached some other way, loads weights-only (prepare_ultralytics set it)
    with pytest.raises(TypeError):
        YOLO(str(evil))
    assert not marker.exists()
    assert real.read_bytes() == before

    not_torch = tmp_path / "notes.pt"
    not_torch.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.pt: not a PyTorch checkpoint"):
        check_checkpoint(not_torch)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_dvbpr_written_with_any_pickle_protocol_loads(tmp_path, protocol):
    from fashion_pipeline.sources.dvbpr import load_dvbpr

    items = [{"imgs": b"\xff\xd8jpeg", "c": np.eye(6)[k]} for k in (2, 5)]
    arr = np.array([{0: [{"productid": 1}]}, {0: [{"productid": 0}]}, {0: [{"productid": 1}]}, items, 1, 2], dtype=object)
    path = tmp_path / "d.npy"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": (6,)})
    path.write_bytes(header.getvalue() + pickle.dumps(arr, protocol=protocol))
    data = load_dvbpr(path)
    assert data.items["category_index"].to_list() == [2, 5] and data.interactions.height == 3
