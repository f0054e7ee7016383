"""Start the desktop app: ``main(argv) -> int`` (``pilot-eval`` with no sub-command calls it).

Only Qt and the window's own modules are imported here; pandas, matplotlib and the estimators
are imported by the first task that needs them, so the window appears fast.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from .error_info import describe_exception
from .logs import configure_logging, get_logger, log_path

APP_NAME = "pilot-eval"
ORGANISATION = "pilot-eval"

_log = get_logger("app")


def install_excepthook(window_getter) -> None:
    """Log and show exceptions raised in GUI-thread slots instead of losing them."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        _log.error("Unexpected error in the window", exc_info=(kind, exc, tb))
        window = window_getter()
        if window is not None and isinstance(exc, Exception):
            window.show_error(describe_exception(exc.with_traceback(tb),
                                                 title="Something went wrong",
                                                 log_path=log_path()))

    sys.excepthook = hook


def set_high_dpi_policy() -> None:
    """Scale by the exact factor Windows asks for (125%, 150%), not a rounded one.

    Must run before the ``QApplication`` exists; later calls are ignored by Qt.
    """
    if QApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


def use_bundled_look(app: QApplication) -> None:
    """The bundled DejaVu Sans (the brief's font: Welsh letters everywhere, the same text on every
    laptop) and the app icon, both read from ``pilot_eval.resources``."""
    from importlib.resources import files

    from PySide6.QtGui import QFont, QFontDatabase, QIcon

    fonts = files("pilot_eval.resources") / "fonts"
    families: list[str] = []
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"):
        resource = fonts / name
        if resource.is_file():
            font_id = QFontDatabase.addApplicationFontFromData(resource.read_bytes())
            families += QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        font = QFont(families[0])
        font.setPointSizeF(app.font().pointSizeF())
        app.setFont(font)
    icon = files("pilot_eval.resources") / "icons" / "pilot-eval.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))


def main(argv: Sequence[str] | None = None) -> int:
    """Create the application and the main window, run the event loop, return the exit code.

    ``argv`` may hold one data or project file to open at start-up; without one, an autosave
    left by a crash is offered.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    multiprocessing.freeze_support()  # large analyses run in a child process (process_task)
    set_high_dpi_policy()
    app = QApplication.instance() or QApplication([sys.argv[0], *args])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    use_bundled_look(app)
    try:
        configure_logging()
    except OSError:  # a locked-down profile must not stop the app: log to the temp folder
        configure_logging(Path(tempfile.gettempdir()) / APP_NAME / "logs")
    from .main_window import MainWindow

    window = MainWindow()
    install_excepthook(lambda: window)
    window.show()
    files = [a for a in args if not a.startswith("-")]
    if files:
        window.open_file(files[0])
    else:
        window.offer_recovery()
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
