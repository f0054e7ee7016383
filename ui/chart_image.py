"""Charts as pictures: matplotlib draws in the worker thread, the window only shows the PNG.

Drawing a figure takes a few hundred milliseconds; doing it on the GUI thread (a
``FigureCanvasQTAgg`` paints on every resize) would stall the window, so the task renders each
figure to PNG bytes with ``render_png`` and the page shows them in a :class:`ChartView`, scaled
to fit.  The chart's numbers are always available as a table next to it (the text alternative).

Decoding a PNG takes 10-20 ms, and Qt's decoder holds the interpreter lock; so the task that
made the charts also decodes them (``decode_charts``, with Pillow, whose decoder releases the
lock) into ``QImage`` (usable off the GUI thread, unlike ``QPixmap``), kept by the PNG bytes
object; the view then only converts and scales.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

RENDER_DPI = 200  # sharp at 150% display scaling and when the window is wide
MINIMUM = QSize(320, 180)  # the smallest chart still readable
MAX_DECODED = 64  # decoded pictures kept (a project's charts, a few runs over)

# id(png) -> (png, its picture).  The entry holds the bytes, so the id cannot be reused while
# it is here; a hit is also checked by identity.
_decoded: dict[int, tuple[bytes, QImage]] = {}

def render_png(figure: Any, dpi: int = RENDER_DPI) -> bytes | None:
    """The figure as PNG bytes (call from a worker thread); ``None`` stays ``None``."""
    if figure is None:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)  # a non-GUI canvas: safe to draw outside the GUI thread
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def decode_png(png: bytes) -> QImage:
    """``png`` as a ``QImage`` (any thread); a null image when it is not a readable PNG."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(png)) as picture:
            picture.load()  # Pillow decodes with the interpreter lock released
            rgba = picture if picture.mode == "RGBA" else picture.convert("RGBA")
            data, width, height = rgba.tobytes(), rgba.width, rgba.height
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return QImage()
    image = QImage(data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
    return image.copy()  # owns its pixels (``data`` is freed with this frame)


def decode_charts(charts: Iterable[Any]) -> None:
    """Decode the PNG of each chart (``report_core.Chart``) now, in the calling worker, so that
    showing them later does not (``picture_of``)."""
    for chart in charts:
        png = getattr(chart, "png", None)
        if png and id(png) not in _decoded:
            image = decode_png(png)
            if len(_decoded) >= MAX_DECODED:
                _decoded.clear()
            _decoded[id(png)] = (png, image)


def picture_of(png: bytes) -> QImage:
    """The decoded picture of ``png``: from ``decode_charts``, else decoded now."""
    entry = _decoded.get(id(png))
    if entry is not None and entry[0] is png:
        return entry[1]
    return decode_png(png)


class ChartView(QLabel):
    """Shows a rendered chart, scaled to the space available (aspect ratio kept)."""

    def __init__(self, png: bytes, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        # As tall as the picture's proportions ask at the width given, never taller (what is
        # under it takes the rest), shrinking when the height is short.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self.setMinimumSize(MINIMUM)
        self._pixmap = QPixmap.fromImage(picture_of(png))
        self._aspect = (self._pixmap.height() / self._pixmap.width()
                        if not self._pixmap.isNull() and self._pixmap.width() else 0.6)
        self._width = 0  # scaled on its first resize event, once laid out (not before)

    def has_picture(self) -> bool:
        return not self._pixmap.isNull()

    def sizeHint(self) -> QSize:  # noqa: N802
        width = self.width() if self.width() > MINIMUM.width() else 640
        return QSize(width, max(MINIMUM.height(), round(width * self._aspect)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return MINIMUM

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != self._width:  # the height it asks for follows the width
            self._width = event.size().width()
            self.updateGeometry()
        self._rescale()

    def _rescale(self) -> None:
        if self._pixmap.isNull():
            return
        ratio = self.devicePixelRatioF()
        scaled = self._pixmap.scaled(self.size() * ratio, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        self.setPixmap(scaled)
