"""Pictures of recommendations: a PNG (and a self-contained HTML page) people can judge by eye.

- `write_user_report`: the user's purchase history as a row of photos, the recommendations below
  with rank, title, score and the re-ranking reason.
- `write_similar_report`: a query photo with the detected garment box, and the similar items.

Pure PIL (no plotting library); items without a photo get a grey placeholder.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from fashion_pipeline.sources.atomic import atomic_path

THUMB = 150  # photo side in the PNG, pixels
PAD = 12
TEXT = (30, 30, 30)
MUTED = (105, 105, 105)
ACCENT = (200, 40, 40)


@dataclass
class Card:
    """One item on a report: its photo (or None) and caption lines, the first one bold."""

    image: Image.Image | str | Path | None
    title: str
    lines: list[str] = field(default_factory=list)


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the fixed bitmap font
        return ImageFont.load_default()


def _image(value) -> Image.Image | None:
    if value is None:
        return None
    if isinstance(value, Image.Image):
        return value.convert("RGB")
    try:
        with Image.open(value) as im:
            return im.convert("RGB")
    except (OSError, ValueError):
        return None


def _thumb(value, side: int = THUMB) -> Image.Image:
    img = _image(value)
    tile = Image.new("RGB", (side, side), (225, 225, 225))
    if img is None:
        ImageDraw.Draw(tile).text((side // 2, side // 2), "no photo", fill=MUTED, font=_font(13), anchor="mm")
        return tile
    img = ImageOps.contain(img, (side, side))  # small catalogue photos are scaled up too
    tile.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    return tile


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" ;,") + " ..."
    return lines


def _section(canvas_rows: list, heading: str, cards: list[Card], per_row: int, caption_lines: int) -> None:
    canvas_rows.append(("heading", heading))
    for start in range(0, len(cards), per_row):
        canvas_rows.append(("cards", cards[start:start + per_row], caption_lines))


def _render(title: str, sections: list[tuple[str, list[Card], int]], per_row: int) -> Image.Image:
    cell_w = THUMB + 2 * PAD + 40
    width = per_row * cell_w + PAD
    big, bold, small = _font(20), _font(14), _font(12)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    rows = []
    for heading, cards, lines in sections:
        _section(rows, heading, cards, per_row, lines)
    line_h = 16
    heights = [36 if r[0] == "heading" else THUMB + PAD * 2 + line_h * (r[2] + 2) for r in rows]
    img = Image.new("RGB", (width, 48 + sum(heights) + PAD), "white")
    draw = ImageDraw.Draw(img)
    draw.text((PAD, PAD), title, fill=TEXT, font=big)
    y = 48
    for row, h in zip(rows, heights):
        if row[0] == "heading":
            draw.text((PAD, y + 10), row[1], fill=ACCENT, font=bold)
            draw.line([(PAD, y + 32), (width - PAD, y + 32)], fill=(220, 220, 220))
        else:
            for i, card in enumerate(row[1]):
                x = PAD + i * cell_w
                img.paste(_thumb(card.image), (x + (cell_w - PAD - THUMB) // 2, y + PAD))
                ty = y + PAD + THUMB + 6
                for text in _wrap(probe, card.title, bold, cell_w - PAD - 4, 2):
                    draw.text((x, ty), text, fill=TEXT, font=bold)
                    ty += line_h
                budget = row[2]
                for extra in card.lines:
                    wrapped = _wrap(probe, extra, small, cell_w - PAD - 4, max(1, budget))
                    for text in wrapped:
                        draw.text((x, ty), text, fill=MUTED, font=small)
                        ty += line_h - 2
                    budget -= len(wrapped)
                    if budget <= 0:
                        break
        y += h
    return img


def _png(img: Image.Image, out_png: str | Path) -> Path:
    with atomic_path(out_png) as tmp:
        img.save(tmp, format="PNG", optimize=True)
    return Path(out_png)


def _data_uri(value, side: int = 220) -> str:
    buf = io.BytesIO()
    _thumb(value, side).save(buf, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _html(title: str, sections: list[tuple[str, list[Card], int]], png_name: str) -> str:
    parts = [f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;margin:24px}.row{display:flex;flex-wrap:wrap;gap:16px}"
             ".card{width:230px}.card img{width:220px;height:220px;object-fit:contain;background:#eee}"
             ".t{font-weight:bold}.l{color:#666;font-size:13px}</style>",
             f"<h1>{html.escape(title)}</h1>"]
    for heading, cards, _ in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2><div class='row'>")
        for card in cards:
            lines = "".join(f"<div class='l'>{html.escape(t)}</div>" for t in card.lines)
            parts.append(f"<div class='card'><img src='{_data_uri(card.image)}' alt=''>"
                         f"<div class='t'>{html.escape(card.title)}</div>{lines}</div>")
        parts.append("</div>")
    parts.append(f"<p class='l'>Also as a picture: <a href='{html.escape(png_name)}'>{html.escape(png_name)}</a></p>")
    return "\n".join(parts)


def write_user_report(user: str, history: list[Card], recommendations: list[Card], out_png: str | Path,
                      out_html: str | Path | None = None, subtitle: str = "", per_row: int = 5) -> Path:
    """PNG (and HTML) of what `user` bought, then what is recommended and why."""
    title = f"Recommendations for {user}" + (f"  ({subtitle})" if subtitle else "")
    sections = [(f"Bought ({len(history)} most recent, latest first)", history, 1),
                ("Recommended (rank, score, why)", recommendations, 5)]
    out = _png(_render(title, sections, per_row), out_png)
    if out_html is not None:
        with atomic_path(out_html) as tmp:
            Path(tmp).write_text(_html(title, sections, Path(out_png).name), encoding="utf-8")
    return out


def write_similar_report(photo, box, results: list[dict], out_png: str | Path, per_row: int = 5) -> Path:
    """PNG of a query photo with its garment box (None: the whole photo was used) and the similar
    items. `results`: dicts with asin, score and optionally title, rank, image (path or PIL image)."""
    query = _image(photo)
    if query is None:
        raise FileNotFoundError(f"cannot open the query photo {photo}")
    query = query.copy()
    if box is not None:
        draw = ImageDraw.Draw(query)
        draw.rectangle(tuple(int(v) for v in box), outline=ACCENT, width=max(2, query.width // 100))
    caption = "detected garment (red box)" if box is not None else "no garment detected: whole photo used"
    cards = [Card(r.get("image"), f"{r.get('rank', i + 1)}. {r.get('title') or r['asin']}",
                  [f"{r['asin']}  similarity {float(r['score']):.3f}"]) for i, r in enumerate(results)]
    sections = [("Query photo", [Card(query, caption, [str(photo) if not isinstance(photo, Image.Image) else ""])], 1),
                ("Most similar catalogue items", cards, 2)]
    return _png(_render("Similar items", sections, per_row), out_png)
