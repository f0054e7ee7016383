"""Export a Figure as accessible SVG text for inlining in HTML.

The SVG keeps text as text (``svg.fonttype = "none"``), carries ``role="img"`` with a
``<title>`` and ``<desc>`` that screen readers announce, scales to its container, and prefixes
every ``id`` so that several charts can share one HTML page.  Output is deterministic: no date
in the metadata and a fixed hash salt for matplotlib's generated ids.
"""

from __future__ import annotations

import io
import re
from html import escape

import matplotlib
from matplotlib.figure import Figure

from pilot_eval.charts.style import FONT_FAMILY
from pilot_eval.charts.vector import PathShape, TextShape, VectorFigure

SVG_SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "pilot-eval"}
_ID = re.compile(r'\bid="([^"]+)"')


def _prefix_ids(svg: str, prefix: str) -> str:
    ids = set(_ID.findall(svg))
    for name in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{name}"
        svg = svg.replace(f'id="{name}"', f'id="{new}"')
        svg = svg.replace(f"url(#{name})", f"url(#{new})")
        svg = svg.replace(f'href="#{name}"', f'href="#{new}"')
    return svg


def figure_to_svg(figure: Figure, *, title: str, description: str, id_prefix: str = "chart") -> str:
    """The figure as one ``<svg>`` element (no XML prolog) ready to inline in HTML.

    Parameters
    ----------
    figure
        The chart.
    title, description
        Short name and longer alt text, written as ``<title>`` and ``<desc>`` (escaped).
    id_prefix
        Prefix for every ``id`` in the SVG; must be unique within the page.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context(SVG_SETTINGS):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = _prefix_ids(svg, id_prefix)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                 r'<svg \1width="100%"', svg, count=1)
    svg = svg.replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{title_id} {desc_id}" focusable="false" ',
        1,
    )
    opening_end = svg.index(">", svg.index("<svg")) + 1
    accessible = (f'\n <title id="{title_id}">{escape(title)}</title>'
                  f'\n <desc id="{desc_id}">{escape(description)}</desc>')
    return svg[:opening_end] + accessible + svg[opening_end:].rstrip() + "\n"


# ---------------------------------------------------------------- from recorded shapes

SVG_CAPS = {"butt": "butt", "round": "round", "projecting": "square"}


def _n(value: float) -> str:
    """A coordinate with two decimals (a hundredth of a point), without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _hex(colour) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in colour[:3])


def _path_element(shape: PathShape, height: float) -> str:
    parts = []
    for op, values in shape.segments:
        flipped = [_n(v) if i % 2 == 0 else _n(height - v) for i, v in enumerate(values)]
        parts.append(op if op == "Z" else f"{op} {' '.join(flipped)}")
    attributes = [f'd="{" ".join(parts)}"']
    if shape.fill:
        attributes.append(f'fill="{_hex(shape.fill)}"')
        if shape.fill[3] < 1:
            attributes.append(f'fill-opacity="{_n(shape.fill[3])}"')
    else:
        attributes.append('fill="none"')
    if shape.stroke:
        attributes += [f'stroke="{_hex(shape.stroke)}"', f'stroke-width="{_n(shape.line_width)}"',
                       f'stroke-linecap="{SVG_CAPS.get(shape.cap, "butt")}"',
                       f'stroke-linejoin="{shape.join}"']
        if shape.stroke[3] < 1:
            attributes.append(f'stroke-opacity="{_n(shape.stroke[3])}"')
        if shape.dashes:
            attributes.append(f'stroke-dasharray="{" ".join(_n(d) for d in shape.dashes)}"')
            if shape.dash_offset:
                attributes.append(f'stroke-dashoffset="{_n(shape.dash_offset)}"')
    return f"<path {' '.join(attributes)}/>"


def _text_element(shape: TextShape, height: float) -> str:
    x, y = _n(shape.x), _n(height - shape.y)
    attributes = [f'x="{x}"', f'y="{y}"', f'font-size="{_n(shape.size)}"',
                  f'fill="{_hex(shape.colour)}"']
    if shape.bold:
        attributes.append('font-weight="bold"')
    if shape.italic:
        attributes.append('font-style="italic"')
    if shape.angle:
        attributes.append(f'transform="rotate({_n(-shape.angle)} {x} {y})"')
    return f"<text {' '.join(attributes)}>{escape(shape.text)}</text>"


def vector_to_svg(figure: VectorFigure, *, title: str, description: str,
                  id_prefix: str = "chart") -> str:
    """An accessible ``<svg>`` element drawn from recorded shapes (no second matplotlib draw).

    Same accessibility as ``figure_to_svg``; PDF and HTML then show exactly the same drawing.
    Text is set in DejaVu Sans where the reader has it, else the browser's sans-serif.
    """
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false" width="100%" '
        f'viewBox="0 0 {_n(figure.width)} {_n(figure.height)}" '
        f'font-family="\'{FONT_FAMILY}\', Verdana, sans-serif">',
        f' <title id="{title_id}">{escape(title)}</title>',
        f' <desc id="{desc_id}">{escape(description)}</desc>',
    ]
    for shape in figure.shapes:
        if isinstance(shape, PathShape):
            lines.append(" " + _path_element(shape, figure.height))
        else:
            lines.append(" " + _text_element(shape, figure.height))
    lines.append("</svg>")
    return "\n".join(lines) + "\n"
