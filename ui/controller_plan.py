"""The "Plan the next phase" step's work: how many teams, for how long, to tell an effect.

A mixin of :class:`~pilot_eval.ui.controller.Controller` (its signals, runner and core): the
plan runs ``ui.plan_core.run_plan`` on the loaded table and the mapped roles in the task runner,
and answers with ``plan_ready((plan dictionary, power-curve PNG))`` or ``plan_failed(message)``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

PLAN = "plan"
PLAN_TITLE = "The next phase could not be planned"
PLAN_ROLES = ("outcome", "unit", "time")


class PlanMixin:
    """Needs the controller's ``table``, ``roles``, ``runner``, ``core``, ``plan_failed``."""

    table: Any
    roles: dict[str, str | None]
    base_project: Any
    runner: Any
    core: Any
    plan_failed: Any

    def run_plan(self, options: dict[str, Any]) -> None:
        """Plan the next phase with ``options`` (``PowerRequest`` keywords from the Plan step)
        on the loaded data: its teams' spread and the pilot's design."""
        if self.table is None:
            self.plan_failed.emit("Open the pilot's data first: the plan simulates new pilots "
                                  "from its teams' ups and downs.")
            return
        missing = [r for r in PLAN_ROLES if not self.roles.get(r)]
        if not (self.roles.get("cohort") or self.roles.get("treatment")):
            missing.append("pilot start or pilot flag")
        if missing:
            self.plan_failed.emit("Choose a column for: " + ", ".join(missing) + " (Data step).")
            return
        options = dict(options)
        label = next((o.label for o in getattr(self.base_project, "outcomes", ())
                      if o.column == self.roles["outcome"]), None)
        if label:  # the project's name for the outcome (else the core guesses one)
            options.setdefault("outcome_label", label)
        self.runner.run(PLAN, partial(self.core.plan, self.table, dict(self.roles), options),
                        title=PLAN_TITLE)

    def cancel_plan(self) -> None:
        self.runner.cancel(PLAN)
