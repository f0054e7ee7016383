"""The About dialog lists pilot-eval's version and every runtime dependency with its licence."""

from __future__ import annotations

from pilot_eval.ui.about_dialog import AboutDialog

from pilot_eval.about import about_info


def test_about_lists_every_package_with_version_and_licence(qtbot):
    info = about_info()
    dialog = AboutDialog(info)
    qtbot.addWidget(dialog)
    rows = [tuple(dialog.table.item(r, c).text() for c in range(3))
            for r in range(dialog.table.rowCount())]
    assert rows == [(p.name, p.version, p.licence) for p in info.packages]
    assert {"pandas", "numpy", "reportlab"} <= {name.lower() for name, _, _ in rows}
    assert info.app.version in dialog.heading.text()
    assert dialog.table.accessibleName()


def test_help_menu_opens_the_about_dialog(qtbot, monkeypatch):
    from pilot_eval.ui.main_window import MainWindow

    shown = []
    monkeypatch.setattr(AboutDialog, "exec", lambda self: shown.append(self) or 0)
    window = MainWindow()
    qtbot.addWidget(window)
    window.about_action.trigger()
    assert len(shown) == 1 and shown[0].table.rowCount() > 5
    window.controller.shutdown()
