"""Photos given to `similar --image`: refused from their header, before any decoding."""

from __future__ import annotations

import struct
import zlib

import pytest
from PIL import Image, ImageFile

from fashion_pipeline.vision.image_guard import MAX_QUERY_PIXELS, check_query_image


def _png_header_only(path, width, height) -> None:
    """A tiny PNG that declares width x height pixels (what a decompression bomb looks like)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_text_file_is_refused(tmp_path, no_decoding):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a photo")
    with pytest.raises(ValueError, match=r"notes\.jpg: not an image file"):
        check_query_image(path)


@pytest.mark.parametrize("side", [10_000, 20_000, 7_000])
def test_huge_images_are_refused_from_the_header(tmp_path, no_decoding, side):
    path = tmp_path / f"bomb_{side}.png"
    _png_header_only(path, side, side)
    assert path.stat().st_size < 1000
    with pytest.raises(ValueError, match=rf"bomb_{side}\.png: .*too large|bomb_{side}\.png: .*megapixels"):
        check_query_image(path)


def test_ordinary_photo_passes(tmp_path):
    path = tmp_path / "dress.jpg"
    Image.new("RGB", (320, 240), (200, 30, 40)).save(path)
    assert check_query_image(path) == (320, 240)
    assert 320 * 240 < MAX_QUERY_PIXELS
    with pytest.raises(FileNotFoundError, match="no image file"):
        check_query_image(tmp_path / "absent.jpg")


def test_similar_refuses_before_touching_the_index(tmp_path):
    from fashion_pipeline.vision.commands import similar

    path = tmp_path / "notes.png"
    path.write_text("not a photo")
    with pytest.raises(ValueError, match=r"notes\.png: not an image file"):
        similar(image=path, data_dir=tmp_path / "no-data")  # no index there: the photo is checked first
