"""The window's size on the user's screen: derived from the space the screen offers.

A council laptop is often 1366x768 at 100% (728 pixels high once the taskbar is there), or
1920x1080 at 125% or 150% (1536x824 and 1280x680 logical pixels).  The window opens at its
preferred size when that fits, and otherwise at the space available less the frame Windows draws
around it (title bar and borders); a saved geometry is restored only when it still fits a
screen (a laptop taken off its docking station must not open half off the screen).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen

#: The size the window would like (logical pixels): room for the chart beside the figures.
PREFERRED = QSize(1280, 820)
#: What the window manager adds outside the client area (Windows: title bar ~31, borders 8).
FRAME_ALLOWANCE = QSize(16, 40)
#: The smallest client area the window is laid out for: 1920x1080 at 150% with a taskbar.
SMALLEST_SCREEN = QSize(1280, 680)
SMALLEST_CLIENT = SMALLEST_SCREEN - FRAME_ALLOWANCE


def initial_rect(available: QRect) -> QRect:
    """The client rectangle to open in, centred in ``available`` (a screen's free area)."""
    width = min(PREFERRED.width(), available.width() - FRAME_ALLOWANCE.width())
    height = min(PREFERRED.height(), available.height() - FRAME_ALLOWANCE.height())
    rect = QRect(0, 0, max(width, 1), max(height, 1))
    rect.moveCenter(available.center())
    # Keep the title bar on the screen: the frame's top edge is inside ``available``.
    top = available.top() + FRAME_ALLOWANCE.height() - FRAME_ALLOWANCE.width() // 2
    if rect.top() < top:
        rect.moveTop(top)
    return rect


def fits_a_screen(frame: QRect, screens: list[QScreen] | None = None) -> bool:
    """True when the window's frame rectangle lies inside one screen's free area."""
    screens = QGuiApplication.screens() if screens is None else screens
    return any(screen.availableGeometry().contains(frame) for screen in screens)
