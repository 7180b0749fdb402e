"""Draw the site's icons (static/icons/*.png, static/favicon.ico) from the look of static/favicon.svg.

Run once when the mark changes, and commit what it writes:
    .venv/bin/python docs/make_icons.py
Pillow cannot read SVG, so the mark (a rounded square with a bold "T") is drawn here again.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

STATIC = Path(__file__).resolve().parent.parent / "static"
BACKGROUND, INK = "#3f3bb5", "#ffffff"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def mark(size: int, padding: float = 0.0) -> Image.Image:
    """The mark at `size` pixels; `padding` (a share of the size) leaves the safe zone of a maskable icon."""
    scale = 4  # drawn large, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), BACKGROUND if padding else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if not padding:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 // 32, fill=BACKGROUND)
    font = ImageFont.truetype(BOLD, int(big * 18 / 32 * (1 - 2 * padding)))
    draw.text((big / 2, big / 2), "T", font=font, fill=INK, anchor="mm")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    icons = STATIC / "icons"
    icons.mkdir(exist_ok=True)
    for size in (32, 192, 512):
        mark(size).save(icons / f"icon-{size}.png", optimize=True)
    mark(512, padding=0.1).save(icons / "maskable-512.png", optimize=True)
    # iOS draws its own rounded corners and shows transparency as black: a full square.
    mark(180, padding=0.05).convert("RGB").save(icons / "apple-touch-icon.png", optimize=True)
    mark(64).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)])


if __name__ == "__main__":
    main()
