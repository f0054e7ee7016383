"""Record a matplotlib Figure as plain vector shapes (paths and text runs) in points.

The PDF brief needs charts as vectors, not bitmaps, and only ``pilot_eval.brief`` may import
reportlab.  So this module draws a Figure with a small recording renderer and returns a
``VectorFigure`` of frozen plain data; ``pilot_eval.brief`` turns it into reportlab graphics.
Text stays text (so the PDF's chart labels can be searched and copied), positioned with the
same font metrics matplotlib used for the layout.  Coordinates have the origin at the bottom
left, as in both matplotlib and PDF.

Not supported (the brief's charts use none of them): images, clip paths other than the axes
box (ignored: data are drawn within the axes limits), hatching, gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.figure import Figure
from matplotlib.path import Path

Colour = tuple[float, float, float, float]  # red, green, blue, alpha in 0..1
POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class PathShape:
    """A filled and/or stroked path.

    ``segments`` holds ``("M", (x, y))``, ``("L", (x, y))``, ``("C", (x1, y1, x2, y2, x, y))``
    and ``("Z", ())``, in points.
    """

    segments: tuple[tuple[str, tuple[float, ...]], ...]
    fill: Colour | None
    stroke: Colour | None
    line_width: float
    dashes: tuple[float, ...] | None
    dash_offset: float
    cap: str
    join: str


@dataclass(frozen=True)
class TextShape:
    """One line of text; ``(x, y)`` is the start of its baseline, ``angle`` in degrees."""

    x: float
    y: float
    text: str
    size: float
    bold: bool
    italic: bool
    colour: Colour
    angle: float


@dataclass(frozen=True)
class VectorFigure:
    """A whole figure as shapes, painted in order; ``width`` and ``height`` in points."""

    width: float
    height: float
    shapes: tuple[PathShape | TextShape, ...]


def _colour(rgba, alpha: float | None = None) -> Colour:
    red, green, blue = (float(c) for c in rgba[:3])
    own = float(rgba[3]) if len(rgba) > 3 else 1.0
    return (red, green, blue, own if alpha is None else float(alpha))


def _segments(path: Path, transform) -> tuple[tuple[str, tuple[float, ...]], ...]:
    out: list[tuple[str, tuple[float, ...]]] = []
    last: tuple[float, ...] = (0.0, 0.0)
    for vertices, code in path.iter_segments(transform, remove_nans=True, simplify=False):
        values = tuple(float(v) for v in vertices)
        if code == Path.MOVETO:
            out.append(("M", values))
        elif code == Path.LINETO:
            out.append(("L", values))
        elif code == Path.CURVE3:  # quadratic -> cubic with the same shape
            cx, cy, x, y = values
            x0, y0 = last
            out.append(("C", (x0 + 2 / 3 * (cx - x0), y0 + 2 / 3 * (cy - y0),
                              x + 2 / 3 * (cx - x), y + 2 / 3 * (cy - y), x, y)))
        elif code == Path.CURVE4:
            out.append(("C", values))
        elif code == Path.CLOSEPOLY:
            out.append(("Z", ()))
            continue
        last = values[-2:]
    return tuple(out)


class _RecordingRenderer(RendererBase):
    """Keeps every path and text run instead of painting pixels (1 pixel = 1 point)."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self.shapes: list[PathShape | TextShape] = []

    def get_canvas_width_height(self):
        return self.width, self.height

    def points_to_pixels(self, points):
        return points

    def flipy(self) -> bool:
        return False

    def new_gc(self) -> GraphicsContextBase:
        return GraphicsContextBase()

    def draw_path(self, gc, path, transform, rgbFace=None) -> None:  # noqa: N803 (matplotlib's)
        forced = gc.get_forced_alpha()
        fill: Colour | None = None
        if rgbFace is not None:
            fill = _colour(rgbFace, gc.get_alpha() if forced else None)
            if fill[3] == 0:
                fill = None
        colour = _colour(gc.get_rgb())
        width = float(gc.get_linewidth())
        stroke = None if width <= 0 or colour[3] == 0 else colour
        if fill is None and stroke is None:
            return
        offset, dashes = gc.get_dashes()
        self.shapes.append(PathShape(
            segments=_segments(path, transform), fill=fill, stroke=stroke, line_width=width,
            dashes=tuple(float(d) for d in dashes) if dashes else None,
            dash_offset=float(offset or 0.0), cap=str(gc.get_capstyle()),
            join=str(gc.get_joinstyle()),
        ))

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:  # mathtext: fall back to glyph outlines, still vectors
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        weight = prop.get_weight()
        bold = weight in ("bold", "heavy", "extra bold", "black", "semibold", "demibold") or (
            isinstance(weight, int | float) and weight >= 600)
        self.shapes.append(TextShape(
            x=float(x), y=float(y), text=s, size=float(prop.get_size_in_points()), bold=bold,
            italic=prop.get_style() in ("italic", "oblique"), colour=_colour(gc.get_rgb()),
            angle=float(angle),
        ))


def figure_to_vector(figure: Figure) -> VectorFigure:
    """Draw ``figure`` into plain vector shapes, in points, without changing it."""
    width, height = (float(v) * POINTS_PER_INCH for v in figure.get_size_inches())
    original_dpi = figure.dpi
    renderer = _RecordingRenderer(width, height)
    try:
        figure.dpi = POINTS_PER_INCH  # so that display units are points
        figure.draw(renderer)
    finally:
        figure.dpi = original_dpi
    return VectorFigure(width=width, height=height, shapes=tuple(renderer.shapes))
