"""Printed digits: digits typed in the fonts that the app's own packages ship, made on the spot.

Handwriting alone teaches a model little about typed digits: a "1" with a foot and a flag, an
open "4", a "6" whose tail curls in are rare in MNIST, and such a model reads them as a 2, a 9, a 5.
The ``mixed_digits`` set adds printed digits to the 5,000 handwritten ones of ``mnist5k``.

The fonts are Pillow's own default face (Aileron) and the Source Sans, Source Serif and Source
Code variable fonts that Streamlit ships for its pages, upright and italic, at weights from light
to black. None of their families is one of tests/typed_digits.py, which measures how well
typed digits are read (DejaVu, STIX, Computer Modern), so that figure is not flattered.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from core.i18n import Message, UserError

SOURCE_SIZE = 28  # px, as the handwritten digits beside them
_PAGE = 3 * SOURCE_SIZE  # drawn three times larger, then shrunk with antialiasing
# Streamlit's variable fonts, found by name in its static files (the names end in a content hash).
STREAMLIT_FONTS = ("SourceSansVF-Upright", "SourceSansVF-Italic", "SourceSerifVariable-Roman",
                   "SourceSerifVariable-Italic", "SourceCodeVF-Upright", "SourceCodeVF-Italic")  # fmt: skip
WEIGHTS = (300, 450, 600, 750, 900)  # light to black
STROKES = (0, 1, 2)  # px added around each glyph: a thicker pen
PRINTED_COUNT = (1 + len(STREAMLIT_FONTS) * len(WEIGHTS)) * len(STROKES) * 10  # 930: every face, pen and digit once


def font_files() -> list[Path]:
    """Return Streamlit's font files that :data:`STREAMLIT_FONTS` names; raise UserError when any is missing."""
    spec = importlib.util.find_spec("streamlit")  # locates the package without importing it
    media = Path(spec.origin).parent / "static" / "static" / "media" if spec and spec.origin else Path("-")
    found = [next(iter(sorted(media.glob(f"{name}*.woff2"))), None) for name in STREAMLIT_FONTS]
    if None in found:
        missing = STREAMLIT_FONTS[found.index(None)]
        raise UserError(Message("data.fonts_missing", {"font": missing, "command": "pip install -r requirements.txt"}))
    return found


@functools.cache
def _faces() -> tuple[ImageFont.FreeTypeFont, ...]:
    size = round(_PAGE * 0.7)
    faces = [ImageFont.load_default(size)]  # Aileron, inside Pillow
    for path in font_files():
        for weight in WEIGHTS:
            face = ImageFont.truetype(str(path), size)
            axes = face.get_variation_axes()  # weight first; Source Serif adds an optical size
            face.set_variation_by_axes([weight] + [axis["default"] for axis in axes[1:]])
            faces.append(face)
    return tuple(faces)


def printed_source() -> tuple[torch.Tensor, np.ndarray]:
    """Return the printed digits, (930, 1, 28, 28) uint8 dark ink on white, and their labels.

    Every face (Aileron, and each Streamlit font at each weight) with every pen, each digit once,
    centred on the page (the preprocessing finds the ink and fits it into its box anyway).
    """
    pixels = np.empty((PRINTED_COUNT, 1, SOURCE_SIZE, SOURCE_SIZE), dtype=np.uint8)
    labels = np.empty(PRINTED_COUNT, dtype=np.int64)
    i = 0
    for face in _faces():
        for stroke in STROKES:
            for digit in range(10):
                page = Image.new("L", (_PAGE, _PAGE), 255)
                draw = ImageDraw.Draw(page)
                draw.text((_PAGE / 2, _PAGE / 2), str(digit), font=face, fill=0, anchor="mm",
                          stroke_width=stroke, stroke_fill=0)  # fmt: skip
                pixels[i, 0] = np.asarray(page.resize((SOURCE_SIZE, SOURCE_SIZE), Image.Resampling.LANCZOS))
                labels[i] = digit
                i += 1
    return torch.from_numpy(pixels), labels
