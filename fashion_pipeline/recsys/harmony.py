"""Which colours go together: the rule the re-ranker's harmony bonus uses.

The rule, on the painter's (red-yellow-blue) colour wheel that stylists use, where red faces
green, orange faces blue and yellow faces purple:
- neutrals (black, white, grey, navy, beige, brown) go with anything;
- analogous hues, at most 60 degrees apart (neighbours on the six-hue wheel, or the same hue), go together;
- complementary hues, at least 150 degrees apart (opposite within 30 degrees), go together;
- any other pair of hues (e.g. red with yellow, pink with orange) does not.
"""

from __future__ import annotations

import numpy as np

from fashion_pipeline.sources.attributes import COLOUR_NAMES

NEUTRALS = frozenset({"black", "white", "grey", "navy", "beige", "brown"})
# Hue in degrees on the red-yellow-blue wheel (pink is a light red, leaning to purple).
HUE = {"red": 0.0, "orange": 60.0, "yellow": 120.0, "green": 180.0, "blue": 240.0, "purple": 300.0,
       "pink": 345.0}
ANALOGOUS_MAX_DEGREES = 60.0
COMPLEMENTARY_MIN_DEGREES = 150.0

# Kinds of match, the codes of HARMONY_KIND
NONE, NEUTRAL, ANALOGOUS, COMPLEMENTARY = 0, 1, 2, 3
KIND_NAMES = ("", "neutral", "analogous", "complementary")


def hue_distance(a: float, b: float) -> float:
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def harmony_kind(a: str, b: str) -> int:
    """NONE, NEUTRAL, ANALOGOUS or COMPLEMENTARY for two colour names."""
    if a in NEUTRALS or b in NEUTRALS:
        return NEUTRAL
    if a not in HUE or b not in HUE:
        raise ValueError(f"unknown colour in ({a!r}, {b!r}): choose from {', '.join(COLOUR_NAMES)}")
    d = hue_distance(HUE[a], HUE[b])
    if d <= ANALOGOUS_MAX_DEGREES:
        return ANALOGOUS
    if d >= COMPLEMENTARY_MIN_DEGREES:
        return COMPLEMENTARY
    return NONE


def goes_with(a: str, b: str) -> bool:
    return harmony_kind(a, b) != NONE


# (13, 13) kind of every pair, indexed like COLOUR_NAMES: lookups are array indexing.
HARMONY_KIND = np.array([[harmony_kind(a, b) for b in COLOUR_NAMES] for a in COLOUR_NAMES], dtype=np.int8)


def colour_index(names) -> np.ndarray:
    """Index into COLOUR_NAMES per name; -1 for null or unknown names."""
    lookup = {n: i for i, n in enumerate(COLOUR_NAMES)}
    return np.array([lookup.get(n, -1) if isinstance(n, str) else -1 for n in names], dtype=np.int64)
