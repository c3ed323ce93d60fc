"""The colour harmony rule."""

import pytest

from fashion_pipeline.recsys.harmony import ANALOGOUS, COMPLEMENTARY, NEUTRAL, NONE, goes_with, harmony_kind


@pytest.mark.parametrize("a, b, kind", [
    ("red", "green", COMPLEMENTARY), ("blue", "orange", COMPLEMENTARY), ("yellow", "purple", COMPLEMENTARY),
    ("red", "orange", ANALOGOUS), ("blue", "purple", ANALOGOUS), ("red", "pink", ANALOGOUS),
    ("red", "red", ANALOGOUS), ("black", "pink", NEUTRAL), ("yellow", "navy", NEUTRAL),
    ("beige", "white", NEUTRAL), ("red", "yellow", NONE), ("pink", "orange", NONE), ("green", "purple", NONE),
])
def test_harmony_rule_on_hand_picked_pairs(a, b, kind):
    assert harmony_kind(a, b) == kind
    assert harmony_kind(b, a) == kind
    assert goes_with(a, b) == (kind != NONE)
