"""Fixtures for the vision tests: a network guard, and small images and encoders."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from PIL import Image


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection or resolve a host fails the test loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[:2]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def solid(colour, size=(64, 48)) -> Image.Image:
    return Image.new("RGB", size, colour)


@pytest.fixture
def colour_images(tmp_path):
    """Eight small JPEGs named <id>.jpg in four colour classes, two per class."""
    colours = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 210), "yellow": (230, 220, 40)}
    paths, ids, labels = [], [], []
    rng = np.random.default_rng(0)
    for name, rgb in colours.items():
        for j in range(2):
            pixels = np.clip(np.array(rgb) + rng.integers(-20, 20, (48, 64, 3)), 0, 255).astype(np.uint8)
            path = tmp_path / "images" / name / f"{name}{j}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(path, quality=90)
            paths.append(path)
            ids.append(f"{name}{j}")
            labels.append(name)
    return paths, ids, labels


class CountingEncoder:
    """The colour histogram, counting how many images it was asked to encode."""

    def __init__(self, name="colour-histogram"):
        from fashion_pipeline.vision.encoders import ColourHistogramEncoder

        self.inner = ColourHistogramEncoder()
        self.name, self.dim, self.calls = name, self.inner.dim, 0

    def encode(self, images):
        self.calls += len(images)
        return self.inner.encode(images)


class _Boxes:
    def __init__(self, xyxy, conf):
        import torch

        self.xyxy = torch.tensor(np.asarray(xyxy, np.float32).reshape(-1, 4))
        self.conf = torch.tensor(np.asarray(conf, np.float32).reshape(-1))
        self.cls = torch.zeros(len(self.conf))


class _Result:
    def __init__(self, xyxy, conf):
        self.boxes = _Boxes(xyxy, conf)


class StubDetector:
    """Stands in for a YOLO model: `predict` answers from a function of the image."""

    def __init__(self, boxes_for):
        self.boxes_for = boxes_for
        self.seen = 0

    def predict(self, images, **kwargs):
        self.seen += len(images)
        return [_Result(*self.boxes_for(im)) for im in images]
