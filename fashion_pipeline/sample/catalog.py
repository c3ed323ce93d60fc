"""The sample's fashion vocabulary: garment types, styles, colours, patterns, and their names."""

from __future__ import annotations

from fashion_pipeline.sources.attributes import COLOUR_RGB

CATEGORIES = ("tops", "bottoms", "dresses", "outerwear", "shoes", "accessories")
STYLES = ("casual", "formal", "sport", "party")  # the occasion a garment is for
COLOURS = tuple(COLOUR_RGB)
PATTERNS = ("solid", "striped", "plaid", "floral", "polka-dot")

# garment type -> (category, season it belongs to or None for all-year)
GARMENT_TYPES: dict[str, tuple[str, str | None]] = {
    "T-Shirt": ("tops", "summer"),
    "Tank Top": ("tops", "summer"),
    "Blouse": ("tops", None),
    "Sweater": ("tops", "winter"),
    "Hoodie": ("tops", "autumn"),
    "Shorts": ("bottoms", "summer"),
    "Jeans": ("bottoms", None),
    "Trousers": ("bottoms", None),
    "Skirt": ("bottoms", "spring"),
    "Sundress": ("dresses", "summer"),
    "Cocktail Dress": ("dresses", None),
    "Maxi Dress": ("dresses", "spring"),
    "Knit Dress": ("dresses", "winter"),
    "Wool Coat": ("outerwear", "winter"),
    "Puffer Jacket": ("outerwear", "winter"),
    "Raincoat": ("outerwear", "autumn"),
    "Blazer": ("outerwear", None),
    "Boots": ("shoes", "winter"),
    "Sandals": ("shoes", "summer"),
    "Sneakers": ("shoes", None),
    "Heels": ("shoes", None),
    "Scarf": ("accessories", "winter"),
    "Sun Hat": ("accessories", "summer"),
    "Handbag": ("accessories", None),
    "Beanie": ("accessories", "winter"),
}
TYPE_NAMES = tuple(GARMENT_TYPES)
# Garment types the sample only titles as women's wear.
WOMEN_ONLY = ("Blouse", "Skirt", "Sundress", "Cocktail Dress", "Maxi Dress", "Knit Dress", "Heels", "Handbag")
OPPOSITE_SEASON = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}

# Words the titles use; each maps back to its value through sources.attributes.
STYLE_TITLE_WORDS = {
    "casual": ("Casual", "Everyday", "Weekend"),
    "formal": ("Formal", "Business", "Office"),
    "sport": ("Athletic", "Sport", "Running"),
    "party": ("Party", "Sequin", "Prom"),
}
COLOUR_TITLE_WORDS = {
    "black": ("Black", "Onyx"), "white": ("White", "Ivory"), "grey": ("Grey", "Gray", "Charcoal"),
    "navy": ("Navy", "Navy Blue"), "blue": ("Blue", "Royal Blue"), "red": ("Red", "Burgundy"),
    "pink": ("Pink", "Fuchsia"), "green": ("Green", "Olive"), "beige": ("Beige", "Camel"),
    "brown": ("Brown", "Chocolate"), "yellow": ("Yellow", "Mustard"), "purple": ("Purple", "Lavender"),
    "orange": ("Orange", "Coral"),
}
PATTERN_TITLE_WORDS = {
    "solid": ("Solid", "Plain"), "striped": ("Striped", "Stripe"), "plaid": ("Plaid", "Tartan"),
    "floral": ("Floral", "Flower"), "polka-dot": ("Polka Dot", "Dotted"),
}
# Department path of each category in Amazon's category tree (with its HTML entities).
CATEGORY_PATHS = {
    "tops": ["Clothing, Shoes & Jewelry", "{gender}", "Clothing", "Tops &amp; Tees"],
    "bottoms": ["Clothing, Shoes & Jewelry", "{gender}", "Clothing", "Pants"],
    "dresses": ["Clothing, Shoes & Jewelry", "{gender}", "Clothing", "Dresses"],
    "outerwear": ["Clothing, Shoes & Jewelry", "{gender}", "Clothing", "Coats, Jackets &amp; Vests"],
    "shoes": ["Clothing, Shoes & Jewelry", "{gender}", "Shoes"],
    "accessories": ["Clothing, Shoes & Jewelry", "{gender}", "Accessories"],
}
BRANDS = ("Lumen", "Northfold", "Aster &amp; Pine", "Calder", "Mira Lane", "Oakridge", "Selvedge Co.",
          "Vela", "Harbor &amp; Hart", "Kestrel", "Juniper Row", "Tallis")
FIRST_NAMES = ("Mary", "John", "Linda", "James", "Patricia", "Robert", "Jennifer", "Michael", "Susan",
               "David", "Karen", "Lisa", "Sarah", "Emily", "Daniel", "Laura", "Kevin", "Amy", "Brian", "Nancy")
