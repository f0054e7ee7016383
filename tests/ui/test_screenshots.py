"""``save_screenshots`` visits every step on the demo project with the real core."""

from __future__ import annotations

import pytest
from pilot_eval.ui.screenshots import STEP_ORDER, WINDOW_SIZE, save_screenshots
from PySide6.QtGui import QImage

pytest.importorskip("pilot_eval.retention", reason="the retention analysis has not landed")


@pytest.mark.slow  # about 6 s: two DiD runs, the retention analysis and the brief
def test_one_picture_per_step_in_order(qtbot, tmp_path):
    saved = save_screenshots(tmp_path)
    assert [p.stem for p in saved] == list(STEP_ORDER)
    for path in saved:
        image = QImage(str(path))
        assert (image.width(), image.height()) == WINDOW_SIZE, path.name
