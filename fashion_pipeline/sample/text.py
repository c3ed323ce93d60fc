"""Titles, review texts and summaries, built as column expressions over whole tables."""

from __future__ import annotations

import polars as pl

POSITIVE = (
    "I love this {colour} {garment}. The fit is great and it looks even better in person.",
    "Perfect {style} {garment}! The {pattern} look is lovely and the quality is good for the price.",
    "Bought this {garment} for {style} days and got lots of compliments. Would buy again.",
    "Really nice {colour} {garment}, true to size and comfortable all day.",
)
MIXED = (
    "The {garment} is okay. The {colour} is a bit different from the picture but it fits.",
    "Decent {garment} for the price, though the {pattern} print looks cheaper than I hoped.",
)
NEGATIVE = (
    "Disappointed with this {garment}. The material feels thin and it runs small.",
    "Not what I expected: the {colour} looks faded and the {garment} fell apart after one wash.",
)
SUMMARIES = {
    "positive": ("Love it", "Great {garment}", "Five stars", "Beautiful {colour}", "Perfect fit"),
    "mixed": ("It's okay", "Average {garment}", "Not bad"),
    "negative": ("Not as pictured", "Runs small", "Poor quality"),
}


def _choose(templates, pick: pl.Expr, **fields: pl.Expr) -> pl.Expr:
    """templates[pick] with {field} placeholders filled from columns."""
    expr = None
    for i, template in enumerate(templates):
        filled = _fill(template, fields)
        expr = pl.when(pick == i).then(filled) if expr is None else expr.when(pick == i).then(filled)
    return expr.otherwise(_fill(templates[0], fields))


def _fill(template: str, fields: dict[str, pl.Expr]) -> pl.Expr:
    parts, args, rest = [], [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        parts.append(before)
        args.append(fields[name])
    parts.append(rest)
    return pl.format("{}".join(parts), *args)


def review_texts(rating: pl.Expr, pick: pl.Expr, **fields: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(reviewText, summary) expressions whose tone follows the rating."""
    text = (
        pl.when(rating >= 4).then(_choose(POSITIVE, pick % len(POSITIVE), **fields))
        .when(rating == 3).then(_choose(MIXED, pick % len(MIXED), **fields))
        .otherwise(_choose(NEGATIVE, pick % len(NEGATIVE), **fields))
    )
    summary = (
        pl.when(rating >= 4).then(_choose(SUMMARIES["positive"], pick % 5, **fields))
        .when(rating == 3).then(_choose(SUMMARIES["mixed"], pick % 3, **fields))
        .otherwise(_choose(SUMMARIES["negative"], pick % 3, **fields))
    )
    return text, summary
