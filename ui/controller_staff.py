"""The staff records of a session: the project's staff entry, changed from the Retention step,
and the retention report of the records on their own (before a run).  A mixin of
:class:`~pilot_eval.ui.controller.Controller` (its signals, runner and core)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from .error_info import ErrorInfo

RETENTION = "retention"
RETENTION_TITLE = "The retention analysis could not run"


class StaffMixin:
    """Needs the controller's ``staff``, ``report``, ``retention_view``, ``table``, ``roles``,
    ``base_project``, ``project_path``, ``runner``, ``core`` and ``error``."""

    staff: dict[str, Any] | None
    retention_view: Any
    table: Any
    roles: dict[str, str | None]
    base_project: Any
    project_path: str
    runner: Any
    core: Any
    error: Any

    @property
    def retention_report(self) -> Any:
        """The ``RetentionReport`` shown: the run's when it has one, else the staff records'
        on their own."""
        report = self.report
        retention = getattr(report, "retention", None)
        if retention is not None and hasattr(retention, "groups"):
            return retention
        return getattr(self.retention_view, "report", None)

    def open_staff(self, path: str, *, read: dict[str, Any] | None = None,
                   pilot_starts_path: str | None = None) -> None:
        """Use the staff records at ``path`` and run the retention analysis; ``read`` holds
        the import wizard's ``load_table`` options (encoding, delimiter, sheet ...); the pilot
        starts come from ``pilot_starts_path`` (default: ``teams.csv`` beside the records)."""
        teams = Path(pilot_starts_path) if pilot_starts_path else Path(path).parent / "teams.csv"
        self.staff = {"path": str(path), "pilot_starts_path": str(teams)}
        if read:
            self.staff["read"] = dict(read)
        self._staff_changed()

    def set_staff_options(self, *, columns: dict[str, str | None],
                          extract_date: str = "", observed_from: str = "",
                          pilot_starts: str = "") -> None:
        """The staff records' columns (``SpellColumns`` fields), ISO dates ("" = from the
        data) and where the pilot starts come from (``"panel"``: the outcome panel's cohort
        column; ``"file"`` or "": the teams file) chosen in the Retention step; the retention
        analysis runs again."""
        if not self.staff:
            return
        self.staff["columns"] = {k: v for k, v in columns.items() if v}
        if pilot_starts == "panel":
            self.staff["pilot_starts_from"] = "panel"
        else:
            self.staff.pop("pilot_starts_from", None)
        for key, value in (("extract_date", extract_date), ("observed_from", observed_from)):
            if value:
                self.staff[key] = value
            else:
                self.staff.pop(key, None)
        self._staff_changed()

    def _staff_changed(self) -> None:
        """The staff entry changed: the report's retention is out of date."""
        self.retention_view = None
        self._forget_report()
        self.mark_dirty()
        self.run_retention()

    def run_retention(self) -> None:
        """The staff records' retention report on its own (the project's options)."""
        if not self.staff:
            return
        panel = None
        if self.staff.get("pilot_starts_from") == "panel":
            if self.table is None or not (self.roles.get("unit") and self.roles.get("cohort")):
                self.error.emit(ErrorInfo(RETENTION_TITLE, "Open the outcome panel and "
                                          "choose its team and pilot start columns first, or "
                                          "take the pilot starts from a teams file."))
                return
            panel = (self.table.frame, self.roles["unit"], self.roles["cohort"])
        base = self.base_project
        self.runner.run(RETENTION, partial(
            self.core.retention, dict(self.staff), dict(getattr(base, "retention", {}) or {}),
            project_file=self.project_path or None, panel=panel,
            brief=dict(getattr(base, "brief", {}) or {})), title=RETENTION_TITLE)
