"""What the brief checks before it renders anything: field sizes, the logo, and text the PDF's
font cannot show.

* A text field longer than ``MAX_FIELD_CHARS`` (e.g. a 20 MB recommendation pasted by
  mistake) is refused with a ``BriefError`` naming the field, before any layout starts; any
  shorter text flows across as many pages as it needs.
* A logo must be a PNG or JPEG file (checked by its first bytes, not its name); anything else
  is refused naming the file.
* The PDF's embedded font (DejaVu Sans) lacks most emoji, and reportlab does not lay out
  right-to-left scripts (Hebrew, Arabic ...) in reading order or join Arabic letters.  Nor
  does it write characters beyond U+FFFF (emoji such as U+1F600) into the PDF's text layer
  correctly: copied or read aloud, they come out as another character, even where the font
  draws them.  In the PDF such characters are replaced visibly (``MISSING_GLYPH``; ``RTL_STANDIN`` for a
  right-to-left run) and the QA summary says so; brief.html shows the text as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pilot_eval.report.errors import BriefError

MAX_FIELD_CHARS = 20_000
"""About six pages of text (3,000 words), far more than a two-page brief can carry: more is a
mistake (a whole document pasted into a box), and laying it out would take minutes."""
MISSING_GLYPH = "\u25a1"  # WHITE SQUARE, in DejaVu Sans
RTL_STANDIN = "[right-to-left text]"
RTL_RUN = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]"
                     r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\s\d.,'\"()-]*")
IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def check_field(name: str, text: str) -> str:
    """``text`` if it is not too long to lay out, else a ``BriefError`` naming ``name``."""
    if len(text) > MAX_FIELD_CHARS:
        raise BriefError(f"the {name} is {len(text):,} characters long; a brief holds at most "
                         f"{MAX_FIELD_CHARS:,} characters in one field",
                         hint=f"Shorten the {name} (long material belongs in a separate "
                              "document) and export again.")
    return text


def check_logo(path: str) -> str:
    """``path`` if it names a PNG or JPEG file, else a ``BriefError`` naming the file."""
    if not path:
        return path
    source = Path(path)
    try:
        with source.open("rb") as stream:
            head = stream.read(8)
    except OSError as error:
        raise BriefError(f"the logo cannot be read ({error.strerror or error})", file=path,
                         hint="Choose a PNG or JPEG file that exists, or remove the logo.") \
            from error
    if not any(head.startswith(magic) for magic in IMAGE_MAGIC):
        raise BriefError("the logo is not a PNG or JPEG image", file=path,
                         hint="Save the logo as PNG or JPEG and choose that file.")
    return path


@cache
def _covered() -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    from pilot_eval.brief import fonts

    fonts.register_fonts()
    return frozenset(pdfmetrics.getFont(fonts.REGULAR).face.charToGlyph)


def _shown(char: str) -> bool:
    return ((ord(char) <= 0xFFFF and ord(char) in _covered()) or char in "\n\t"
            or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"))


def pdf_text(text: str) -> str:
    """``text`` as the PDF can show it: right-to-left runs and characters the font lacks
    replaced visibly (see the module's notes)."""
    if text.isascii():
        return text
    text = RTL_RUN.sub(lambda m: RTL_STANDIN + m.group(0)[len(m.group(0).rstrip()):], text)
    return "".join(c if _shown(c) else MISSING_GLYPH for c in text)


def replaced(texts: Iterable[str]) -> str:
    """A QA note on what ``pdf_text`` replaced in ``texts`` (``""`` when nothing was)."""
    rtl, missing = False, []
    for text in texts:
        if text.isascii():
            continue
        rtl = rtl or bool(RTL_RUN.search(text))
        for char in RTL_RUN.sub("", text):
            if not _shown(char) and char not in missing:
                missing.append(char)
    parts = []
    if missing:
        shown = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}"
                          for c in missing[:5]) + (" ..." if len(missing) > 5 else "")
        parts.append(f"{len(missing)} character(s) the PDF's font cannot show ({shown}) are "
                     f"replaced by {MISSING_GLYPH}")
    if rtl:
        parts.append(f"right-to-left text is shown as {RTL_STANDIN}, as the PDF cannot lay it "
                     "out in reading order")
    if not parts:
        return ""
    return "In the PDF " + "; ".join(parts) + ". brief.html shows the text as written."


TEXT_OPTIONS = ("title", "organisation", "author", "issue", "recommendation", "cost",
                "analyst", "unit_noun")


def check_options(options) -> None:
    """Refuse a ``BriefOptions`` whose logo or text fields cannot be rendered (``BriefError``),
    before an analysis is run for it."""
    check_logo(options.logo)
    for name in TEXT_OPTIONS:
        check_field(name.replace("_", " "), getattr(options, name))
