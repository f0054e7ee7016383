"""Register the embedded TrueType fonts (DejaVu Sans) with reportlab, once.

DejaVu Sans covers Welsh (ŵ ŷ Ŵ Ŷ â ô), accented Latin, Greek, Cyrillic, Hebrew and Arabic
letters.  reportlab embeds a subset of every TrueType font it uses, so the PDF prints the same
anywhere.  The files are package data, read with ``importlib.resources``.
"""

from __future__ import annotations

import io
from importlib.resources import files

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
FAMILY = "DejaVuSans"
FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf"}


def font_bytes(file_name: str) -> bytes:
    """The bytes of one bundled font file."""
    return (files("pilot_eval.resources") / "fonts" / file_name).read_bytes()


def register_fonts() -> str:
    """Register the family (idempotent) and return the regular font's name."""
    known = set(pdfmetrics.getRegisteredFontNames())
    for name, file_name in FONT_FILES.items():
        if name not in known:
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(font_bytes(file_name))))
    addMapping(FAMILY, 0, 0, REGULAR)
    addMapping(FAMILY, 1, 0, BOLD)
    addMapping(FAMILY, 0, 1, ITALIC)
    addMapping(FAMILY, 1, 1, BOLD)  # no bold-italic in the bundle: bold stands in
    return REGULAR
