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
