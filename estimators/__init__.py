"""Pure statistics for pilot-eval.

Nothing here does file I/O, keeps global state or imports Qt, reportlab, matplotlib or any
other part of ``pilot_eval``.  Each estimator is a frozen configuration whose ``fit(frame)``
returns a new, immutable result with ``summary()``, ``to_frame()`` and ``to_dict()``.
"""

from pilot_eval.estimators.columns import PanelColumns, SpellColumns
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.unavailable import Unavailable

__all__ = [
    "EstimationError",
    "EstimatorConfigError",
    "PanelColumns",
    "SpellColumns",
    "Unavailable",
]
