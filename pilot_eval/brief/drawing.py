"""Turn a recorded chart (``pilot_eval.charts.VectorFigure``) into a reportlab ``Drawing``.

Native reportlab vector graphics, no bitmap and no extra dependency.  Text is set in the
embedded DejaVu Sans, the same family matplotlib used to lay the chart out, so labels keep
their places and stay searchable in the PDF.
"""

from __future__ import annotations

import math

from reportlab.graphics.shapes import Drawing, Group, Path, String
from reportlab.lib.colors import Color

from pilot_eval.brief import fonts
from pilot_eval.charts import PathShape, TextShape, VectorFigure

CAPS = {"butt": 0, "round": 1, "projecting": 2}
JOINS = {"miter": 0, "round": 1, "bevel": 2}


def _colour(rgba) -> Color:
    red, green, blue, _alpha = rgba
    return Color(red, green, blue)


def _path(shape: PathShape) -> Path:
    path = Path(
        fillColor=_colour(shape.fill) if shape.fill else None,
        strokeColor=_colour(shape.stroke) if shape.stroke else None,
        strokeWidth=shape.line_width,
        strokeLineCap=CAPS.get(shape.cap, 0),
        strokeLineJoin=JOINS.get(shape.join, 0),
    )
    if shape.fill and shape.fill[3] < 1:
        path.fillOpacity = shape.fill[3]
    if shape.stroke and shape.stroke[3] < 1:
        path.strokeOpacity = shape.stroke[3]
    if shape.dashes:
        path.strokeDashArray = ([shape.dash_offset, list(shape.dashes)] if shape.dash_offset
                                else list(shape.dashes))
    for op, values in shape.segments:
        if op == "M":
            path.moveTo(*values)
        elif op == "L":
            path.lineTo(*values)
        elif op == "C":
            path.curveTo(*values)
        elif op == "Z":
            path.closePath()
    return path


def _text(shape: TextShape) -> Group | String:
    name = fonts.BOLD if shape.bold else fonts.ITALIC if shape.italic else fonts.REGULAR
    string = String(0, 0, shape.text, fontName=name, fontSize=shape.size,
                    fillColor=_colour(shape.colour), textAnchor="start")
    angle = math.radians(shape.angle)
    cos, sin = math.cos(angle), math.sin(angle)
    return Group(string, transform=(cos, sin, -sin, cos, shape.x, shape.y))


def vector_to_drawing(figure: VectorFigure, *, width: float | None = None) -> Drawing:
    """A reportlab ``Drawing`` of ``figure``, scaled to ``width`` points if given."""
    fonts.register_fonts()
    scale = 1.0 if width is None else width / figure.width
    drawing = Drawing(figure.width * scale, figure.height * scale)
    # reportlab's graphics state starts in Helvetica (a base-14 font that is never embedded);
    # start in the embedded font instead, so no Helvetica reference reaches the PDF.
    drawing.initialFontName = fonts.REGULAR
    group = Group(transform=(scale, 0, 0, scale, 0, 0))
    for shape in figure.shapes:
        group.add(_path(shape) if isinstance(shape, PathShape) else _text(shape))
    drawing.add(group)
    return drawing
