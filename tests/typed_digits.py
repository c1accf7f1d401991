"""Typed digits as students upload them: a fixed set of pictures rendered from real fonts.

Each picture is one digit in one font on a 200 x 200 page: big and centred, or small and off
centre; thin or thick; black on white, white on black, or coloured ink on coloured paper. The fonts
are the TrueType files matplotlib ships (installed with the app's requirements, so the set is the
same offline, in CI and on a laptop). Fixed by a seed: the same pictures every time, so a reading
rate measured on them can be compared before and after a change (``python -m benchmarks.typed_digits``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf",
    "DejaVuSans-Oblique.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf", "cmr10.ttf", "cmss10.ttf",
)  # fmt: skip
PAGE_PX = 200
# (name, digit height as a share of the page, off centre?, extra stroke px, ink, paper)
VARIANTS = (
    ("big centred", 0.6, False, 0, (0, 0, 0), (255, 255, 255)),
    ("small off centre", 0.25, True, 0, (0, 0, 0), (255, 255, 255)),
    ("thick pen", 0.45, True, 5, (0, 0, 0), (255, 255, 255)),
    ("white on black", 0.5, True, 1, (255, 255, 255), (0, 0, 0)),
    ("blue ink on yellow", 0.45, True, 2, (20, 40, 160), (250, 240, 150)),
    ("grey pencil on grey paper", 0.4, True, 1, (90, 90, 90), (215, 215, 215)),
)


def font_folder() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib is not installed (requirements.txt brings it with mlxtend)")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def render(digit: int, font: str, variant: tuple, rng: np.random.Generator) -> Image.Image:
    """Return one digit drawn as ``variant`` says, placed at a position drawn from ``rng``."""
    _, height, off_centre, stroke, ink, paper = variant
    page = Image.new("RGB", (PAGE_PX, PAGE_PX), paper)
    draw = ImageDraw.Draw(page)
    typeface = ImageFont.truetype(str(font_folder() / font), size=round(PAGE_PX * height * 1.35))
    left, top, right, bottom = draw.textbbox((0, 0), str(digit), font=typeface, stroke_width=stroke)
    width, tall = right - left, bottom - top
    x, y = (PAGE_PX - width) / 2, (PAGE_PX - tall) / 2
    if off_centre:
        x, y = rng.uniform(4, PAGE_PX - width - 4), rng.uniform(4, PAGE_PX - tall - 4)
    draw.text((x - left, y - top), str(digit), font=typeface, fill=ink, stroke_width=stroke, stroke_fill=ink)
    return page


def typed_digits(seed: int = 0) -> list[tuple[Image.Image, int, str]]:
    """Return every (picture, digit, "font · variant") of the set: 10 fonts x 10 digits x 6 variants."""
    rng = np.random.default_rng(seed)
    return [
        (render(digit, font, variant, rng), digit, f"{font} · {variant[0]}")
        for font in FONTS
        for variant in VARIANTS
        for digit in range(10)
    ]
