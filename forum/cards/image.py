"""Drawing a card (Pillow) and keeping it on disk under the key of what it shows."""

import hashlib
import os
from dataclasses import astuple, dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = (1200, 630)  # what Facebook, LinkedIn and Twitter's large card show without cropping
BRAND, INK, SOFT, PAPER, ANSWER_BG = "#3f3bb5", "#1c1f2b", "#4a5063", "#ffffff", "#ecebfb"
# DejaVu covers most scripts people type; Pillow's own font (Latin) when it is not installed.
FONT_FILES = {
    True: ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
    False: ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf"),
}
# The status's palette colour (forum/models/taxonomy.py), dark enough for white text.
STATUS_COLORS = {
    "gray": "#4a5063", "amber": "#6b4a00", "indigo": "#3f3bb5", "blue": "#0b5c7a", "green": "#1d5e30",
    "red": "#a52222", "teal": "#0f5e59", "purple": "#5f2d84", "pink": "#8c1d5a", "brown": "#6b3d1f",
}  # fmt: skip


@dataclass(frozen=True)
class Card:
    """Everything a card shows; its key is made of these and nothing else."""

    site: str
    company: str
    title: str
    kind: str
    status_color: str  # a palette colour's name
    status_label: str
    votes: int
    answer: str  # the first words of the newest official response, or ""

    @property
    def key(self) -> str:
        return hashlib.sha256(repr(astuple(self)).encode()).hexdigest()[:20]


def png(card: Card, folder: str, name: str) -> tuple[Path, bool]:
    """The card's PNG file, drawn now if this card was never drawn; (path, drawn now). `name` names
    the thing it is the card of (a post): its earlier cards are deleted when a new one is drawn."""
    root = Path(folder)
    path = root / f"{name}-{card.key}.png"
    if path.exists():
        return path, False
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f".{name}-{card.key}.{os.getpid()}.tmp"
    partial.write_bytes(draw(card))
    partial.replace(path)  # written then renamed: another worker never reads half an image
    for older in root.glob(f"{name}-*.png"):
        if older != path:
            older.unlink(missing_ok=True)
    return path, True


@cache
def _font(size: int, bold: bool = False):
    for name in FONT_FILES[bold]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, lines: int) -> list[str]:
    """`text` cut into at most `lines` lines no wider than `width` pixels, the last one ending in … if cut."""
    words, result = text.split(), []
    while words and len(result) < lines:
        line = words.pop(0)
        if draw.textlength(line, font=font) > width:  # one word wider than the card: cut it where it fits
            cut = len(line)
            while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                cut -= 1
            words.insert(0, line[cut:])
            line = line[:cut]
        while words and draw.textlength(f"{line} {words[0]}", font=font) <= width:
            line = f"{line} {words.pop(0)}"
        result.append(line)
    if words and result:
        last = result[-1]
        while last and draw.textlength(last + " …", font=font) > width:
            last = last[:-1]
        result[-1] = last.rstrip() + " …"
    return result


def draw(card: Card) -> bytes:
    width, height = SIZE
    image = Image.new("RGB", SIZE, PAPER)
    pen = ImageDraw.Draw(image)
    margin = 64

    # A band with the site's name: the card says where it comes from.
    pen.rectangle((0, 0, width, 84), fill=BRAND)
    pen.text((margin, 42), card.site, font=_font(30, bold=True), fill=PAPER, anchor="lm")

    # The votes, big, on the left; the title beside them.
    votes_box = (margin, 124, margin + 170, 124 + 170)
    pen.rounded_rectangle(votes_box, radius=20, outline=BRAND, width=4)
    pen.text(((votes_box[0] + votes_box[2]) / 2, 190), f"{card.votes:,}", font=_font(56, bold=True), fill=BRAND,
             anchor="mm")  # fmt: skip
    pen.text(((votes_box[0] + votes_box[2]) / 2, 252), "vote" if card.votes == 1 else "votes", font=_font(28),
             fill=SOFT, anchor="mm")  # fmt: skip

    left = votes_box[2] + 40
    text_width = width - left - margin
    badge_font = _font(26, bold=True)
    badges = [(card.status_label, STATUS_COLORS.get(card.status_color, SOFT)), (card.kind.capitalize(), SOFT)]
    x = left
    for label, color in badges:
        box_width = pen.textlength(label, font=badge_font) + 32
        pen.rounded_rectangle((x, 124, x + box_width, 168), radius=22, fill=color)
        pen.text((x + box_width / 2, 146), label, font=badge_font, fill=PAPER, anchor="mm")
        x += box_width + 14

    title_font = _font(50 if len(card.title) < 60 else 42, bold=True)
    title_lines = _wrap(pen, card.title, title_font, text_width, 3)
    y = 190
    for line in title_lines:
        pen.text((left, y), line, font=title_font, fill=INK)
        y += title_font.size + 12

    if card.answer:
        top = max(y + 24, 330)
        pen.rounded_rectangle((margin, top, width - margin, height - 40), radius=20, fill=ANSWER_BG)
        pen.text((margin + 32, top + 28), f"Answered by {card.company}", font=_font(30, bold=True), fill=BRAND)
        answer_font = _font(30)
        lines = max(1, (height - 40 - (top + 80) - 20) // (answer_font.size + 10))
        y = top + 80
        for line in _wrap(pen, f"“{card.answer}”", answer_font, width - 2 * margin - 64, lines):
            pen.text((margin + 32, y), line, font=answer_font, fill=INK)
            y += answer_font.size + 10
    else:
        pen.text((left, height - 80), f"Not answered yet: vote to show {card.company} it matters.",
                 font=_font(28), fill=SOFT)  # fmt: skip

    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def first_words(text: str, words: int = 40) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
