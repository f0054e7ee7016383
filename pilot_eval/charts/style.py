"""Colours, line styles and number formats shared by every chart.

Colours follow the Government Analysis Function palette (pilot ``#12436D``, comparison
``#F46A25``).  Meaning never rests on colour alone: each arm also has its own line style and
marker, and is labelled directly at the end of its line.  Text is drawn in near-black or dark
grey, never in the orange (which has too little contrast on white for text).
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT = "#0B0C0C"  # GOV.UK text colour: contrast 19.7:1 on white
SECONDARY_TEXT = "#3D3D3D"  # Analysis Function dark grey: 11.3:1 on white
GRID = "#DDDDDD"
PILOT = "#12436D"
COMPARISON = "#F46A25"
FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib; the same family is embedded in the PDF


@dataclass(frozen=True)
class ArmStyle:
    """How one arm (pilot or comparison) is drawn and labelled."""

    name: str
    colour: str
    line_style: str
    marker: str
    label_weight: str


ARM_STYLES: dict[str, ArmStyle] = {
    "pilot": ArmStyle("pilot", PILOT, "-", "o", "bold"),
    "comparison": ArmStyle("comparison", COMPARISON, "--", "s", "normal"),
}

UNIT_SYMBOLS: dict[str, str] = {"%": "%", "GBP": "£", "points": "points"}


def axis_label(outcome_label: str, unit: str) -> str:
    """``"Cost per case (£)"``: the outcome label with its unit, unless the label already has it."""
    symbol = UNIT_SYMBOLS.get(unit, unit)
    if not symbol or f"({symbol})" in outcome_label:
        return outcome_label
    return f"{outcome_label} ({symbol})"


def format_tick(value: float, unit: str) -> str:
    """A y-axis tick in the outcome's unit: ``£1,200``, ``45%``, ``2.5``."""
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
    if unit == "GBP":
        return f"-£{text.lstrip('-')}" if value < 0 else f"£{text}"
    if unit == "%":
        return f"{text}%"
    return text


def plain_text(text: str) -> str:
    """Escape ``$`` so matplotlib never reads user text (e.g. a tick label) as mathtext."""
    return text.replace("$", r"\$")


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis (very long names stay readable)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def contrast_ratio(foreground: str, background: str = "#FFFFFF") -> float:
    """WCAG 2 contrast ratio between two ``#RRGGBB`` colours (4.5 is the AA minimum for text)."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
