"""``save_screenshots`` visits every step on the demo project with the real core."""

from __future__ import annotations

import pytest
from pilot_eval.ui.screenshots import SETTINGS, STEP_ORDER, save_screenshots
from PySide6.QtGui import QImage

pytest.importorskip("pilot_eval.retention", reason="the retention analysis has not landed")


@pytest.mark.slow  # about 6 s: two DiD runs, the retention analysis and the brief
def test_one_picture_per_step_in_order(qtbot, tmp_path):
    saved = save_screenshots(tmp_path)
    assert [p.stem for p in saved] == list(STEP_ORDER)
    sizes = {(QImage(str(p)).width(), QImage(str(p)).height()) for p in saved}
    assert len(sizes) == 1  # the whole window, the same on every step


def test_each_setting_emulates_the_free_area_of_its_screen():
    """The offscreen screen is the laptop's screen less the taskbar, at its logical DPI."""
    config = {key: s.offscreen_config()["screens"][0] for key, s in SETTINGS.items()}
    assert (config["100"]["width"], config["100"]["height"], config["100"]["logicalDpi"]) == (
        1366, 728, 96)
    assert (config["150"]["width"], config["150"]["height"], config["150"]["logicalDpi"]) == (
        1920, 1020, 144)
    assert [s.suffix for s in SETTINGS.values()] == ["", "@125", "@150"]
