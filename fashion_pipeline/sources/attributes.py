"""Fashion attributes named in product text: category, colour, pattern, occasion.

The vocabulary maps the many words real titles use ("navy blue", "gray", "tartan") onto a small
set of canonical values, so that "no more of the same colour" and "colours that go together"
can be computed. Extraction is vectorized: one regex per attribute over the whole column.
"""

from __future__ import annotations

import re

import polars as pl

from fashion_pipeline import columns as C

# canonical colour -> words that name it in titles (longest first matters for the regex)
COLOUR_WORDS: dict[str, list[str]] = {
    "black": ["black", "jet", "onyx"],
    "white": ["white", "ivory", "cream", "off-white"],
    "grey": ["grey", "gray", "charcoal", "heather", "silver"],
    "navy": ["navy", "navy blue", "midnight blue"],
    "blue": ["blue", "denim blue", "royal blue", "sky blue", "turquoise", "teal"],
    "red": ["red", "burgundy", "maroon", "wine", "crimson"],
    "pink": ["pink", "fuchsia", "rose", "blush", "magenta"],
    "green": ["green", "olive", "khaki green", "mint", "emerald"],
    "beige": ["beige", "tan", "khaki", "camel", "nude", "sand"],
    "brown": ["brown", "chocolate", "coffee", "cognac"],
    "yellow": ["yellow", "mustard", "gold"],
    "purple": ["purple", "violet", "lavender", "plum"],
    "orange": ["orange", "coral", "rust"],
}

# Reference RGB of each canonical colour: the sample draws with these, and image-measured
# colour is named by the nearest one.
COLOUR_RGB: dict[str, tuple[int, int, int]] = {
    "black": (20, 20, 22),
    "white": (240, 240, 236),
    "grey": (128, 128, 132),
    "navy": (24, 36, 90),
    "blue": (40, 110, 210),
    "red": (200, 30, 40),
    "pink": (240, 140, 180),
    "green": (40, 140, 60),
    "beige": (215, 195, 155),
    "brown": (110, 70, 40),
    "yellow": (240, 210, 40),
    "purple": (120, 50, 150),
    "orange": (240, 130, 30),
}
# The named colours in one fixed order: the index every colour code in the project uses.
COLOUR_NAMES = tuple(COLOUR_RGB)

PATTERN_WORDS: dict[str, list[str]] = {
    "striped": ["striped", "stripe", "stripes", "pinstripe"],
    "plaid": ["plaid", "tartan", "checked", "check", "gingham", "buffalo check"],
    "floral": ["floral", "flower", "flowers", "botanical"],
    "polka-dot": ["polka dot", "polka-dot", "polka dots", "dotted", "dots"],
    "solid": ["solid", "plain"],
}

OCCASION_WORDS: dict[str, list[str]] = {
    "formal": ["formal", "business", "office", "suit", "tuxedo", "oxford", "blazer", "evening"],
    "party": ["party", "cocktail", "sequin", "clubwear", "prom", "glitter"],
    "sport": ["sport", "sports", "athletic", "running", "yoga", "workout", "gym", "training"],
    "casual": ["casual", "everyday", "lounge", "weekend"],
}

CATEGORY_WORDS: dict[str, list[str]] = {
    "dresses": ["dress", "dresses", "gown", "sundress", "romper", "jumpsuit"],
    "outerwear": ["coat", "jacket", "parka", "puffer", "raincoat", "blazer", "vest", "outerwear"],
    "tops": ["shirt", "t-shirt", "tee", "top", "tank", "blouse", "sweater", "hoodie", "cardigan",
             "sweatshirt", "polo", "tunic"],
    "bottoms": ["jeans", "pants", "trousers", "shorts", "skirt", "leggings", "chinos", "bottoms"],
    "shoes": ["shoes", "shoe", "boots", "boot", "sandals", "sandal", "sneakers", "sneaker", "heels",
              "pumps", "loafers", "flats", "slippers"],
    "accessories": ["scarf", "hat", "beanie", "cap", "handbag", "bag", "belt", "gloves", "wallet",
                    "sunglasses", "jewelry", "necklace", "bracelet", "earrings", "watch", "socks"],
}


def _alternation(words: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    """One case-insensitive regex matching any word, and the map word -> canonical value."""
    lookup = {w: canon for canon, ws in words.items() for w in ws}
    ordered = sorted(lookup, key=len, reverse=True)  # "navy blue" before "navy" before "blue"
    pattern = r"(?i)\b(" + "|".join(re.escape(w) for w in ordered) + r")\b"
    return pattern, lookup


def extract_attribute(text: pl.Expr, words: dict[str, list[str]]) -> pl.Expr:
    """The canonical value of the first vocabulary word found in `text`, else null."""
    pattern, lookup = _alternation(words)
    return (
        text.str.extract(pattern, 1)
        .str.to_lowercase()
        .replace_strict(lookup, default=None, return_dtype=pl.Utf8)
    )


def with_attributes(products: pl.DataFrame) -> pl.DataFrame:
    """Add category, colour, pattern and occasion columns extracted from title and categories.

    The title is searched first because it names the product itself; the category path often
    names a whole department ("Dresses" on a belt's page).
    """
    title = pl.col(C.TITLE).fill_null("")
    cats = pl.col(C.CATEGORIES).fill_null("")
    out = {}
    for name, words in ((C.CATEGORY, CATEGORY_WORDS), (C.COLOUR, COLOUR_WORDS),
                        (C.PATTERN, PATTERN_WORDS), (C.OCCASION, OCCASION_WORDS)):
        out[name] = pl.coalesce(extract_attribute(title, words), extract_attribute(cats, words))
    return products.with_columns(**out)
