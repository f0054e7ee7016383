"""The Impact step's analysis options: standard errors, confidence level, comparison teams,
robustness checks and sensitivity (``DidOptions`` fields), each change reported as one intent.

The widget never changes the analysis itself: it emits ``option_changed(name, value)`` and the
window pushes an undoable command; ``set_options`` shows the controller's options without
emitting anything (so undo does not echo back as a new change).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QSpinBox, QWidget

from .reflow import compact_combo

#: ``DidOptions.se`` choices in plain words.
SE_CHOICES: dict[str, str] = {
    "auto": "Automatic",
    "cluster": "Clustered by team",
    "hc1": "Robust (HC1)",
    "iid": "Classical (iid)",
    "wild": "Wild cluster bootstrap",
}
LEVELS: dict[float, str] = {0.90: "90%", 0.95: "95%", 0.99: "99%"}
CONTROLS: dict[str, str] = {"never": "Never-piloted teams", "not-yet": "Not-yet-piloted teams"}
PLACEBO_REPS = 200  # DidOptions.placebo_reps' default (a test checks they agree)
MAX_PLACEBO_REPS = 5000
#: Methods whose range comes from placebo runs (automatic may choose synthetic DiD).
PLACEBO_METHODS = ("auto", "synthetic-did")
DEFAULTS: dict[str, Any] = {"se": "auto", "level": 0.95, "control": "never", "checks": False,
                            "sensitivity": False, "placebo_reps": PLACEBO_REPS}
#: How the undo menu names each option.
OPTION_NAMES: dict[str, str] = {"se": "Standard errors", "level": "Confidence level",
                                "control": "Comparison teams", "checks": "Robustness checks",
                                "sensitivity": "Sensitivity analysis",
                                "placebo_reps": "Placebo runs"}
TIPS: dict[str, str] = {
    "se": "How the uncertainty is worked out. Automatic clusters by team when there are enough "
          "teams and uses the wild bootstrap when there are few.",
    "level": "How sure the range around the result should be (95% is usual).",
    "control": "When pilots started at different times: compare with teams never in the "
               "pilot, or also with teams that joined later, before they joined.",
    "checks": "Placebo dates, leaving one team out at a time and adding covariates: does the "
              "result hold up?",
    "sensitivity": "How far the result survives if the trends before the pilot were not "
                   "quite parallel (HonestDiD bounds and the breakdown value).",
    "placebo_reps": "Synthetic DiD (for pilots with only a few teams) works out its range by "
                    "re-running the analysis with comparison teams posing as the pilot: this "
                    "many times (200 is usual; more is steadier and slower).",
}


class DidOptionsRow(QWidget):
    """Intent: ``option_changed(name, value)``.  Setter: ``set_options(options)``."""

    option_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None, *,
                 leading: tuple[QLabel, QWidget] | None = None) -> None:
        """``leading``: a caption and a control placed first (the Impact step's method)."""
        super().__init__(parent)
        self.setAccessibleName("Analysis options")
        self._setting = False
        self.combos: dict[str, QComboBox] = {}
        self.boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout(self)  # two short rows: fits a small window at 150%
        grid.setContentsMargins(0, 0, 0, 0)
        if leading is not None:
            grid.addWidget(leading[0], 0, 0)
            grid.addWidget(leading[1], 0, 1)
        # (row, column) of each option: the method (leading) first, then the comparison
        places = {"control": (1, 0), "se": (0, 2), "level": (1, 2)}
        for name, caption, choices in (
                ("se", "Standard &errors:", SE_CHOICES), ("control", "Com&pare with:", CONTROLS),
                ("level", "&Level:", LEVELS)):
            combo = compact_combo(QComboBox(), 4 if name == "level" else 10)
            combo.setAccessibleName(OPTION_NAMES[name])
            combo.setToolTip(TIPS[name])
            for key, label in choices.items():
                combo.addItem(label, key)
            combo.currentIndexChanged.connect(lambda _i, n=name: self._combo_picked(n))
            label = QLabel(caption)
            label.setBuddy(combo)
            row, column = places[name]
            grid.addWidget(label, row, column)
            grid.addWidget(combo, row, column + 1)
            self.combos[name] = combo
        for place, (name, caption) in enumerate((("checks", "Ro&bustness checks"),
                                                 ("sensitivity", "Sensiti&vity"))):
            box = QCheckBox(caption)
            box.setAccessibleName(OPTION_NAMES[name])
            box.setToolTip(TIPS[name])
            box.toggled.connect(lambda on, n=name: self._emit(n, bool(on)))
            grid.addWidget(box, place, 4)
            self.boxes[name] = box
        self.placebo = QSpinBox()
        self.placebo.setRange(2, MAX_PLACEBO_REPS)
        self.placebo.setSingleStep(100)
        self.placebo.setKeyboardTracking(False)  # one change when the number is entered
        self.placebo.setAccessibleName(OPTION_NAMES["placebo_reps"])
        self.placebo.lineEdit().setAccessibleName(OPTION_NAMES["placebo_reps"])
        self.placebo.setToolTip(TIPS["placebo_reps"])
        self.placebo.valueChanged.connect(lambda value: self._emit("placebo_reps", int(value)))
        # placed by the Impact step beside the method's guide (the row has no room for it)
        self.placebo_label = QLabel("Placebo r&uns:")
        self.placebo_label.setToolTip(TIPS["placebo_reps"])
        self.placebo_label.setBuddy(self.placebo)
        for column in (1, 3):  # the combo boxes take the width there is, down to their minimum
            grid.setColumnStretch(column, 1)
        self.set_options({})

    def set_options(self, options: dict[str, Any]) -> None:
        """Show ``options`` (missing keys: the defaults) without emitting ``option_changed``."""
        self._setting = True
        try:
            for name, combo in self.combos.items():
                combo.setCurrentIndex(max(combo.findData(options.get(name, DEFAULTS[name])), 0))
            for name, box in self.boxes.items():
                box.setChecked(bool(options.get(name, DEFAULTS[name])))
            self.placebo.setValue(int(options.get("placebo_reps", PLACEBO_REPS)))
            self.placebo.setEnabled(options.get("estimator", "auto") in PLACEBO_METHODS)
        finally:
            self._setting = False

    def _combo_picked(self, name: str) -> None:
        self._emit(name, self.combos[name].currentData())

    def _emit(self, name: str, value: Any) -> None:
        if not self._setting:
            self.option_changed.emit(name, value)
