import numpy as np
from PIL import Image

from fashion_pipeline.vision.crops import CropConfig, best_box, crop_garment, expand_box
from fashion_pipeline.vision.embedder import ImageEmbedder
from fashion_pipeline_tests.vision.conftest import CountingEncoder, StubDetector


def test_best_box_is_the_most_confident_big_enough_box():
    boxes = np.array([[0, 0, 50, 50], [10, 10, 90, 90], [0, 0, 2, 2]])
    assert best_box(boxes, np.array([0.5, 0.9, 0.99]), (100, 100)).tolist() == [10, 10, 90, 90]
    assert best_box(np.zeros((0, 4)), np.zeros(0), (100, 100)) is None
    assert best_box(np.array([[0, 0, 2, 2]]), np.array([0.9]), (100, 100)) is None  # 0.04% of the image


def test_expand_box_adds_margin_and_clips():
    assert expand_box(np.array([10, 20, 110, 60]), (200, 100), 0.1) == (0, 16, 120, 64)
    assert expand_box(np.array([150, 0, 200, 100]), (200, 100), 0.1) == (145, 0, 200, 100)


def test_crop_uses_the_box_and_falls_back_to_the_whole_image():
    image = Image.new("RGB", (100, 80), (255, 255, 255))
    crop, box = crop_garment(image, np.array([[10, 10, 50, 70]]), np.array([0.8]), CropConfig(margin=0.0))
    assert box == (10, 10, 50, 70) and crop.size == (40, 60)
    whole, none = crop_garment(image, np.zeros((0, 4)), np.zeros(0))
    assert none is None and whole is image


def test_image_without_garment_is_embedded_whole():
    # The stub finds a garment only in red images; a blank one gets no box.
    def boxes_for(im):
        return ([[5, 5, 40, 30]], [0.9]) if im.getpixel((0, 0)) == (255, 0, 0) else (np.zeros((0, 4)), [])

    detector = StubDetector(boxes_for)
    with_det = ImageEmbedder(CountingEncoder(), detector=detector)
    without = ImageEmbedder(CountingEncoder())
    blank, red = Image.new("RGB", (64, 48), (240, 240, 240)), Image.new("RGB", (64, 48), (255, 0, 0))
    vectors, boxes = with_det.embed([blank, red])
    assert boxes[0].tolist() == [-1, -1, -1, -1]  # no garment: the whole image
    assert boxes[1].tolist() != [-1, -1, -1, -1]
    np.testing.assert_allclose(vectors[0], without.embed([blank])[0][0])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    assert detector.seen == 2
